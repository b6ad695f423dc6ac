"""An intake-only bridge (``releve bridge`` with its processor process) loads neither the decoders,
nor the LoRaWAN cryptography, nor the store's client: about 11 MB per bridge. Its processor loads
no MQTT client, no envelope parser and no progress bar (3.5 MB), nor the cryptography package
until a master key asks for it (9 MB), and neither loads paho (gmqtt serves the bridge) nor pydantic
(msgspec reads their settings: 10.2 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# What ``releve bridge``'s intake runs up to its MQTT connection, then the modules it holds.
INTAKE = """
import json, sys, threading
from pathlib import Path
from kernel.settings import Settings
from releve import cli
from releve.bridge import Intake, close_bridge_state, open_intake_state, separate_processor
from gateway_bridge.service import Bridge
from gateway_bridge.mqtt import MqttConsumer  # as ``start_intake`` loads it
settings = Settings(data_dir=Path(sys.argv[1]), mqtt_url="mqtt://127.0.0.1:1")
assert separate_processor(settings)
state = open_intake_state(settings)
Bridge(source=None, ingestor=Intake(state.archive))
close_bridge_state(state)
print(json.dumps(sorted(sys.modules)))
"""


def _modules(script: str, tmp_path: Path, *args: str) -> set[str]:
    """The modules a process holds after running ``script`` (given a data directory, and ``args``)."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out))


def test_the_intake_loads_no_decoder_key_or_store_client(tmp_path: Path) -> None:
    modules = _modules(INTAKE, tmp_path)
    loaded = {name.split(".")[0] for name in modules}
    assert {"sqlalchemy", "gmqtt", "orjson"} <= loaded  # what it works with
    assert not {"decoders", "cryptography", "httpx", "paho", "tqdm", "pydantic"} & loaded
    assert not {"ingest.pipeline", "store.influx", "releve.processing"} & modules


# What ``releve bridge``'s processor process runs up to its processing loop (``processor_main``).
PROCESSOR = """
import json, sys, threading
from pathlib import Path
from kernel.settings import SecretStr, Settings
from releve import cli
from releve.bridge import close_bridge_state, open_bridge_state
from releve.processing import make_ingestor, run_processor
from gateway_bridge.processor import ArchiveProcessor, die_with_parent
key = SecretStr(sys.argv[2]) if sys.argv[2] else None
settings = Settings(data_dir=Path(sys.argv[1]), mqtt_url="mqtt://127.0.0.1:1", master_key=key)
state = open_bridge_state(settings)
ArchiveProcessor(make_ingestor(settings, state)).close()
close_bridge_state(state)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_processor_loads_no_mqtt_client(tmp_path: Path) -> None:
    modules = _modules(PROCESSOR, tmp_path, "")
    loaded = {name.split(".")[0] for name in modules}
    assert {"sqlalchemy", "decoders"} <= loaded  # what it works with (the store: SQLite)
    assert not {"gmqtt", "paho", "tqdm", "cryptography", "pydantic"} & loaded
    assert "gateway_bridge.mqtt" not in modules
    # nor the network servers' envelope parsers (1.3 MB): the intake parsed what it reads
    assert not {"gateway_bridge.envelopes", "gateway_bridge.service", "chirpstack_api"} & modules


def test_the_processor_loads_the_cryptography_for_a_master_key(tmp_path: Path) -> None:
    modules = _modules(PROCESSOR, tmp_path, "ab" * 32)
    assert "cryptography" in {name.split(".")[0] for name in modules}
