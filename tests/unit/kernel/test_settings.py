"""The settings as a user gives them: RELEVE_* variables over a TOML file over the defaults, text
converted to each field's type, and a value that does not fit refused with the name it was given
under (``kernel.settings``)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kernel.settings import (
    MqttTarget,
    SecretStr,
    Settings,
    SettingsError,
    Source,
    load_settings,
    settings_from_values,
)

ROOT = Path(__file__).resolve().parents[3]
KEY = "0123456789abcdef" * 4


@pytest.fixture(autouse=True)
def _no_releve_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("RELEVE_"):
            monkeypatch.delenv(name)


def test_the_defaults() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.data_dir == Path("./data")
    assert settings.sources == [Source(name="default", lns="auto", topics=["application/+/device/+/event/+"])]
    assert settings.mqtt is None
    assert settings.effective_store_url == "sqlite:///data/readings.db"


def test_environment_text_becomes_each_fields_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", "/srv/releve")
    monkeypatch.setenv("RELEVE_API_PORT", "8443")
    monkeypatch.setenv("RELEVE_BRIDGE_LINGER_S", "0.25")
    monkeypatch.setenv("RELEVE_READING_EARLIEST", "2020-06-01")
    monkeypatch.setenv("RELEVE_MASTER_KEY", KEY)
    monkeypatch.setenv("RELEVE_MQTT_PROTOCOL", "3.1.1")
    monkeypatch.setenv("releve_timezone", "UTC")  # any case, as before
    sources = '[{"name": "town", "lns": "tts_v3", "topics": ["v3/+/devices/+/up"]}]'
    monkeypatch.setenv("RELEVE_SOURCES", sources)
    settings = load_settings()
    assert settings.data_dir == Path("/srv/releve")
    assert settings.api_port == 8443
    assert settings.bridge_linger_s == 0.25
    assert settings.reading_earliest == date(2020, 6, 1)
    assert settings.master_key == SecretStr(KEY)
    assert settings.mqtt_protocol == "3.1.1"
    assert settings.timezone == "UTC"
    assert settings.sources == [Source(name="town", lns="tts_v3", topics=["v3/+/devices/+/up"])]


def test_precedence_overrides_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "releve.toml"
    config.write_text(
        'api_port = 7000\ntimezone = "UTC"\nraw_retention_days = 30\nreading_earliest = 2019-01-01\n'
    )
    monkeypatch.setenv("RELEVE_API_PORT", "7001")
    monkeypatch.setenv("RELEVE_TIMEZONE", "Europe/Brussels")
    settings = load_settings(config, timezone="America/Cayenne")
    assert settings.api_port == 7001
    assert settings.timezone == "America/Cayenne"
    assert settings.raw_retention_days == 30
    assert settings.reading_earliest == date(2019, 1, 1)
    monkeypatch.setenv("RELEVE_CONFIG", str(config))
    assert load_settings().raw_retention_days == 30


def test_an_empty_variable_unsets_what_may_be_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEVE_MQTT_URL", "")
    monkeypatch.setenv("RELEVE_MQTT_CA_FILE", "")
    settings = load_settings()
    assert settings.mqtt_url is None and settings.mqtt_ca_file is None


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("RELEVE_API_PORT", "eighty", "RELEVE_API_PORT: Expected `int`, got `str`"),
        ("RELEVE_API_PORT", "70000", "RELEVE_API_PORT: Expected `int` <= 65535"),
        ("RELEVE_OPEN_DATA_MIN_GROUP", "0", "RELEVE_OPEN_DATA_MIN_GROUP: Expected `int` >= 1"),
        ("RELEVE_BRIDGE_LINGER_S", "soon", "RELEVE_BRIDGE_LINGER_S: Expected `float`"),
        ("RELEVE_READING_EARLIEST", "01/01/2020", "RELEVE_READING_EARLIEST: Invalid RFC3339 encoded date"),
        ("RELEVE_MQTT_PROTOCOL", "4", "RELEVE_MQTT_PROTOCOL: Invalid enum value '4'"),
        ("RELEVE_MQTT_URL", "http://broker", "RELEVE_MQTT_URL: MQTT URL must start with mqtt://"),
        ("RELEVE_MASTER_KEY", "secret", "RELEVE_MASTER_KEY: the master key is 64 hexadecimal digits"),
        ("RELEVE_TOWN_EMAIL", "mairie", "RELEVE_TOWN_EMAIL: Expected `str` matching regex"),
        ("RELEVE_PUBLIC_URL", "data.town.fr", "RELEVE_PUBLIC_URL: Expected `str` matching regex"),
        ("RELEVE_SOURCES", "[{", "RELEVE_SOURCES: not JSON"),
        ("RELEVE_SOURCES", '[{"lns": "lorawan"}]', "RELEVE_SOURCES[0].lns: Invalid enum value 'lorawan'"),
        ("RELEVE_SOURCES", '[{"nmae": "town"}]', "RELEVE_SOURCES[0]: Object contains unknown field `nmae`"),
        ("RELEVE_SOURCES", '[{"mqtt_url": "ftp://x"}]', "RELEVE_SOURCES[0]: MQTT URL must start"),
        ("RELEVE_SOURCES", '{"name": "town"}', "RELEVE_SOURCES: Expected `array`, got `object`"),
        ("RELEVE_SOURCES", "[]", "RELEVE_SOURCES: Expected `array` of length >= 1"),
        (
            "RELEVE_SOURCES",
            '[{"name": "a"}, {"name": "a"}]',
            "RELEVE_SOURCES: each needs a name of its own, 'a' is used twice",
        ),
    ],
)
def test_a_variable_that_does_not_fit_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith(says), str(refused.value)


def test_the_files_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "releve.toml"
    config.write_text('api_port = "eighty"\n')
    with pytest.raises(SettingsError, match=rf"^api_port in {config}: Expected `int`"):
        load_settings(config)
    config.write_text("api_prot = 8000\n")
    with pytest.raises(SettingsError, match=rf"^api_prot in {config}: not a setting of releve"):
        load_settings(config)
    config.write_text("api_port = \n")
    with pytest.raises(SettingsError, match=rf"^{config}: not TOML"):
        load_settings(config)


def test_a_town_name_is_one_line_of_printable_text() -> None:
    with pytest.raises(SettingsError, match=r"^town_name: "):
        settings_from_values({"town_name": "Mairie\x00"})
    with pytest.raises(SettingsError, match=r"^town_name: Expected `str` of length >= 1"):
        settings_from_values({"town_name": ""})
    assert settings_from_values({"town_name": "Saint-Émilion"}).town_name == "Saint-Émilion"


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEVE_MASTER_KEY", KEY)
    monkeypatch.setenv("RELEVE_MQTT_URL", "mqtt://bridge:hunter2@broker.town.fr:8883")
    settings = load_settings()
    target = settings.mqtt
    password = SecretStr("hunter2")
    assert target == MqttTarget(host="broker.town.fr", port=8883, username="bridge", password=password)
    assert target.password is not None and target.password.get_secret_value() == "hunter2"
    for shown in (repr(settings.master_key), str(settings.master_key), repr(target)):
        assert KEY not in shown and "hunter2" not in shown


def test_built_directly_the_checks_the_types_cannot_say_still_hold() -> None:
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        Settings(master_key=SecretStr("short"))
    with pytest.raises(ValueError, match="mqtt://"):
        Settings(mqtt_url="https://broker")
    settings = Settings(mqtt_url="mqtt://127.0.0.1:1883")
    assert settings.replace(mqtt_protocol="3.1.1").mqtt_protocol == "3.1.1"
    assert settings.mqtt_protocol == "5"  # settings are not changed in place


def test_the_command_line_says_what_does_not_fit(tmp_path: Path) -> None:
    """Not a traceback: the variable, what was expected, exit code 2."""
    result = subprocess.run(
        [sys.executable, "-m", "releve", "devices", "list"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RELEVE_DATA_DIR": str(tmp_path), "RELEVE_API_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "releve: invalid settings: RELEVE_API_PORT: Expected `int`, got `str`"


def test_a_variable_spelt_like_a_setting_is_named_in_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A typo leaves the default in place: the log says which setting was meant. The helpers'
    own variables (the benchmarks', the tests') are nothing like a setting, and pass quietly."""
    monkeypatch.setenv("RELEVE_API_PROT", "9000")
    monkeypatch.setenv("RELEVE_BRIDGE_ROLUP_FLUSH_S", "60")
    monkeypatch.setenv("RELEVE_TTN_DEVICES", "/srv/lorawan-devices")
    monkeypatch.setenv("RELEVE_CONFIG", "")
    with caplog.at_level("WARNING", logger="kernel.settings"):
        settings = load_settings()
    assert settings.api_port == 8000 and settings.bridge_rollup_flush_s == 30.0
    assert sorted(caplog.messages) == [
        "RELEVE_API_PROT is not a setting of releve (ignored): RELEVE_API_PORT?",
        "RELEVE_BRIDGE_ROLUP_FLUSH_S is not a setting of releve (ignored): RELEVE_BRIDGE_ROLLUP_FLUSH_S?",
    ]
