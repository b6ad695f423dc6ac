"""``releve bridge --workers N``: each worker's environment."""

from __future__ import annotations

from kernel.settings import Settings
from releve.workers import worker_env


def test_each_worker_has_its_own_client_id_on_one_shared_group() -> None:
    settings = Settings(mqtt_url="mqtt://127.0.0.1:1883", mqtt_client_id="town-bridge")
    envs = [worker_env(settings, i, {"PATH": "/usr/bin"}) for i in range(3)]
    assert [e["RELEVE_MQTT_CLIENT_ID"] for e in envs] == ["town-bridge-0", "town-bridge-1", "town-bridge-2"]
    assert {e["RELEVE_MQTT_SHARED_GROUP"] for e in envs} == {"releve"}
    assert all(e["PATH"] == "/usr/bin" for e in envs)


def test_a_configured_group_is_kept() -> None:
    settings = Settings(mqtt_url="mqtt://127.0.0.1:1883", mqtt_shared_group="north")
    assert worker_env(settings, 0, {})["RELEVE_MQTT_SHARED_GROUP"] == "north"
