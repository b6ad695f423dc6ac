"""``releve bridge --workers N``: N bridge processes on one MQTT shared subscription.

One Python process is bound to one core by its interpreter lock; several bridge processes on a
``$share/<group>/`` subscription let the broker spread the uplinks over them. Each worker is an
ordinary ``releve bridge`` with its own client id (``<client id>-<n>``, so its persistent session
survives a restart) and the shared group (``RELEVE_MQTT_SHARED_GROUP``, ``releve`` if unset).
The archive's dedup key keeps the at-least-once guarantee across workers. A worker that dies is
started again; SIGTERM or Ctrl-C stops them all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from kernel.settings import Settings

log = logging.getLogger(__name__)

RESTART_DELAY_S = 2.0


def worker_env(settings: Settings, index: int, base: dict[str, str]) -> dict[str, str]:
    """The environment of worker ``index``: its own client id, the shared group."""
    env = dict(base)
    env["RELEVE_MQTT_CLIENT_ID"] = f"{settings.mqtt_client_id}-{index}"
    env["RELEVE_MQTT_SHARED_GROUP"] = settings.mqtt_shared_group or "releve"
    return env


def run_workers(settings: Settings, workers: int, config: Path | None, stop: threading.Event) -> int:
    """Start ``workers`` bridge processes and keep them running until ``stop`` is set."""
    command = [sys.executable, "-m", "releve"]
    if config is not None:
        command += ["--config", str(config)]
    command.append("bridge")

    def start(index: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=worker_env(settings, index, dict(os.environ)))

    procs = [start(i) for i in range(workers)]
    log.info("started %d bridge workers on shared group %r", workers, settings.mqtt_shared_group or "releve")
    try:
        while not stop.wait(1.0):
            for i, proc in enumerate(procs):
                code = proc.poll()
                if code is not None:
                    log.warning("bridge worker %d exited with %d; starting it again", i, code)
                    time.sleep(RESTART_DELAY_S)
                    procs[i] = start(i)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return 0


class ProcessorChild:
    """``releve bridge``'s processor process (``releve bridge --processor-of <pid>``), started
    again if it dies; it dies with the bridge (``gateway_bridge.processor.die_with_parent``)."""

    def __init__(self, config: Path | None) -> None:
        self._command = [sys.executable, "-m", "releve"]
        if config is not None:
            self._command += ["--config", str(config)]
        self._command += ["bridge", "--processor-of", str(os.getpid())]
        self._wake = -1
        self._proc = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        """The processor, with the read end of a new wake pipe (``notify`` writes to it)."""
        read, write = os.pipe()
        os.set_blocking(write, False)
        try:
            return subprocess.Popen([*self._command, "--wake-fd", str(read)], pass_fds=(read,))
        finally:
            os.close(read)
            if self._wake >= 0:
                os.close(self._wake)
            self._wake = write

    def notify(self) -> None:
        """The intake archived a batch: the processor looks at once instead of at its next poll."""
        # full (it has a word waiting already), or the processor is restarting
        with contextlib.suppress(OSError):
            os.write(self._wake, b"\0")

    def keep_running(self) -> None:
        code = self._proc.poll()
        if code is not None:
            log.warning("bridge processor exited with %d; starting it again", code)
            time.sleep(RESTART_DELAY_S)
            self._proc = self._start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM: the processor writes what the store holds, marks its uplinks, and exits."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._wake)
