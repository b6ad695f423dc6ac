"""An MQTT broker for ``releve run`` when none is configured: Mosquitto if installed, else amqtt.

Mosquitto is started as a child process on a free loopback port, with persistence in the data
directory, so queued QoS 1 messages survive a restart. Mosquitto writes its store at a stop and
every autosave (``last_backup + autosave_interval < now`` in whole seconds: every 2 s here); a
crash loses what it took since the last save. Without the ``mosquitto`` binary, an in-process
amqtt broker serves the demo (no persistence across restarts).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class MosquittoProcess:
    """A private Mosquitto on 127.0.0.1 with its own config and persistence directory."""

    protocol = "5"

    def __init__(self, workdir: Path, port: int | None = None, extra_config: str = "") -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.extra_config = extra_config
        self._proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists()

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # Started as root, mosquitto drops to its own user, which may not reach a private
        # directory (pytest's tmp dirs are 0700): this loopback-only broker keeps the caller's user.
        run_as = "user root" if os.geteuid() == 0 else ""
        config = self.workdir / "mosquitto.conf"
        config.write_text(
            "\n".join(
                [
                    f"listener {self.port} 127.0.0.1",
                    "allow_anonymous true",
                    "persistence true",
                    f"persistence_location {self.workdir}/",
                    "autosave_interval 1",
                    "max_queued_messages 0",
                    "max_inflight_messages 0",
                    "persistent_client_expiration 14d",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    run_as,
                    self.extra_config,
                    "",
                ]
            )
        )
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        with (self.workdir / "mosquitto.log").open("ab") as log_file:
            # its own session: a Ctrl-C in the terminal reaches releve, which stops the broker last
            self._proc = subprocess.Popen(
                [binary, "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise
        log.info("mosquitto started on 127.0.0.1:%d", self.port)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def save(self, timeout: float = 10.0) -> None:
        """Have Mosquitto write its store now (SIGUSR1) and wait until the file is replaced.

        The broker saves between packets: a store written after the caller's publishes were
        acknowledged holds them all."""
        if self._proc is None:
            raise RuntimeError("mosquitto is not running")
        store = self.workdir / "mosquitto.db"
        before = _file_version(store)
        self._proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while _file_version(store) == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"mosquitto did not write {store} within {timeout}s")
            time.sleep(0.02)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


def _file_version(path: Path) -> tuple[int, int] | None:
    # Mosquitto writes a new file and renames it over the old one: a new inode and mtime.
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


class AmqttBroker:
    """An in-process amqtt broker on a background event loop (no persistence; MQTT 3.1.1 only)."""

    protocol = "3.1.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker: Any = None

    def start(self) -> None:
        from amqtt.broker import Broker

        # amqtt logs every connection at INFO and a traceback at shutdown: keep only its warnings.
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "auth": {"allow-anonymous": True},
        }
        self._thread.start()
        self._broker = Broker(config, loop=self._loop)
        asyncio.run_coroutine_threadsafe(self._broker.start(), self._loop).result(15)
        wait_for_port(self.port)
        log.info("embedded amqtt broker started on 127.0.0.1:%d", self.port)

    def stop(self) -> None:
        if self._broker is not None:
            logging.getLogger("amqtt").setLevel(logging.CRITICAL)
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(15)
            self._broker = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


def start_embedded_broker(data_dir: Path, kind: str = "auto") -> MosquittoProcess | AmqttBroker:
    """Mosquitto from the system if installed (persistent), else amqtt in-process."""
    broker: MosquittoProcess | AmqttBroker
    if kind == "mosquitto" or (kind == "auto" and MosquittoProcess.available()):
        broker = MosquittoProcess(data_dir / "mosquitto")
    else:
        log.warning("mosquitto is not installed: using the in-process amqtt broker (no persistence)")
        broker = AmqttBroker()
    broker.start()
    return broker
