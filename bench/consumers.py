"""The consumers that bench.ingest puts side by side, each in its own process (for its memory).

Each one prepares its persistent session on the broker (so that a backlog can queue for it),
is started, and is done when what it consumes is all there: counted by itself (mosquitto_sub,
the bare paho counter) or readable in InfluxDB (releve's bridge, Node-RED).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.city_stats import stat_ticks

ROOT = Path(__file__).resolve().parents[1]
TOPIC = "application/+/device/+/event/up"
# What the bridge subscribes to (kernel.settings' default source): its prepared session must hold
# that same filter, or a second, overlapping one makes Mosquitto deliver every live message twice.
BRIDGE_TOPIC = "application/+/device/+/event/+"
# Node-RED is installed outside the repository, beside the checkout, unless told where
NODE_RED_HOME = Path(os.environ.get("RELEVE_BENCH_NODE_RED", ROOT.parent / "nodered-bench"))
NODE_RED_PACKAGES = ("node-red@4", "node-red-contrib-influxdb@0.7")


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the peak resident sets (VmHWM) of live processes, in MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def tree(pid: int) -> list[int]:
    """A process and its children (the bridge's workers)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return [pid, *(c.pid for c in proc.children(recursive=True))]
    except psutil.Error:
        return [pid]


class RssWatch:
    """Samples the peak RSS of a process tree while it runs (the last sample is the peak)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.sample()

    def sample(self) -> None:
        if Path(f"/proc/{self.pid}").exists():
            self.peak = max(self.peak, peak_rss_mb(tree(self.pid)))

    def stop(self) -> float:
        self.sample()
        self._stop.set()
        self._thread.join(2)
        return self.peak


def v5_session(port: int, client_id: str, topic: str, window: int = 1000) -> None:
    """Create an MQTT v5 persistent session with a QoS 1 subscription, then leave it."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 7 * 24 * 3600
    props.ReceiveMaximum = window
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    subscribed = threading.Event()
    client.on_subscribe = lambda *_a: subscribed.set()
    client.loop_start()
    client.subscribe(topic, qos=1)
    subscribed.wait(10)
    client.disconnect()
    client.loop_stop()


@dataclass
class Influx:
    """An InfluxDB v1 HTTP API and the count of points in one measurement."""

    url: str
    pid: int | None = None  # the server's process, for its CPU time
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def cpu_s(self) -> float:
        """CPU seconds the server has used so far (0 without its process id)."""
        if self.pid is None:
            return 0.0
        return stat_ticks(Path(f"/proc/{self.pid}/stat").read_text()) / os.sysconf("SC_CLK_TCK")

    def query(self, q: str, db: str | None = None) -> list[dict[str, object]]:
        params = {"q": q, **({"db": db} if db else {})}
        response = self.client.post(f"{self.url}/query", params=params)
        response.raise_for_status()
        results: list[dict[str, object]] = orjson.loads(response.content).get("results", [])
        return results

    def count(self, db: str, measurement: str) -> int:
        try:
            results = self.query(f"SELECT count(value) FROM {measurement}", db)
        except httpx.HTTPError:
            return 0
        series = results[0].get("series") if results else None
        if not series:
            return 0
        return int(series[0]["values"][0][1])  # type: ignore[index]

    def written(self, db: str, measurement: str) -> int | None:
        """Points InfluxDB has accepted into the retention policy of ``measurement`` (all of the
        database's when it names none), from its own counters (``/debug/vars``, InfluxDB 1.x):
        cheap to ask at any size, where counting them costs InfluxDB a second per million
        points. A re-delivered point is counted again. None where the server does not serve them."""
        rp = measurement.split(".")[0].strip('"') if "." in measurement else None
        try:
            response = self.client.get(f"{self.url}/debug/vars")
            response.raise_for_status()
            stats = orjson.loads(response.content)
        except (httpx.HTTPError, orjson.JSONDecodeError):
            return None
        total = 0
        for key, stat in stats.items():
            if not key.startswith("shard:") or not isinstance(stat, dict):
                continue
            tags = stat.get("tags", {})
            if tags.get("database") == db and rp in (None, tags.get("retentionPolicy")):
                total += int(stat.get("values", {}).get("writePointsOk", 0))
        return total

    def write(self, db: str, body: bytes) -> None:
        response = self.client.post(f"{self.url}/write", params={"db": db, "precision": "ns"}, content=body)
        response.raise_for_status()


class Consumer:
    """A consumer process; ``ready`` and ``done`` are judged by the harness."""

    name = ""
    stores = False  # writes to InfluxDB (done when its points are there)
    db = ""  # where, if it stores
    measurement = ""
    root = ROOT  # the checkout it runs from
    reports_elapsed = False  # prints its own seconds from first to last message
    proc: subprocess.Popen[bytes] | None = None
    watch: RssWatch | None = None

    def prepare(self, port: int) -> None:
        raise NotImplementedError

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def start(self, port: int, count: int, log: Path) -> None:
        cmd, env = self.command(port, count)
        with log.open("ab") as fh:
            self.proc = subprocess.Popen(
                cmd,
                env={**os.environ, **env},
                stdout=subprocess.PIPE if self.reports_elapsed else subprocess.DEVNULL,
                stderr=fh,
                cwd=self.root,
            )
        self.watch = RssWatch(self.proc.pid)

    def cpu_s(self) -> float:
        """CPU seconds its process tree has used so far (the bridge's processor and workers
        included, while they run)."""
        if self.proc is None:
            return 0.0
        ticks = 0
        for pid in tree(self.proc.pid):
            try:
                ticks += stat_ticks(Path(f"/proc/{pid}/stat").read_text())
            except OSError:  # a child that just ended
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        """Stop the process (if still running); return its peak RSS in MB."""
        peak = self.watch.stop() if self.watch else 0.0
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return peak


class MosquittoSub(Consumer):
    name = "mosquitto_sub, QoS 1"

    def prepare(self, port: int) -> None:
        subprocess.run([*self._base(port), "-E"], check=True, timeout=30)

    def _base(self, port: int) -> list[str]:
        return [
            "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", "5", "-q", "1", "-c",
            "-x", "3600", "-i", "bench-mosquitto-sub", "-t", TOPIC,
        ]  # fmt: skip

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        return [*self._base(port), "-C", str(count)], {}


class PahoCounter(Consumer):
    name = "bare paho subscriber, count only"
    reports_elapsed = True

    def __init__(self, window: int) -> None:
        self.window = window

    def prepare(self, port: int) -> None:
        cmd = [sys.executable, "-m", "bench.counter", str(port), "0", "--prepare"]
        subprocess.run(cmd, check=True, timeout=30, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        cmd = [sys.executable, "-m", "bench.counter", str(port), str(count), f"--window={self.window}"]
        return cmd, {"PYTHONPATH": str(ROOT)}


class GmqttCounter(Consumer):
    """A count-only subscriber on gmqtt: bare (acks at once), or releve's ``MqttConsumer`` (acks
    in batches, as the bridge does after archiving)."""

    reports_elapsed = True

    def __init__(self, window: int, releve: bool = False) -> None:
        self.window = window
        self.flags = ["--releve"] if releve else []
        self.name = (
            "releve MqttConsumer (gmqtt), count only, batched acks"
            if releve
            else "bare gmqtt subscriber, count only"
        )

    def prepare(self, port: int) -> None:
        cmd = [sys.executable, "-m", "bench.gmqtt_counter", str(port), "0", "--prepare", *self.flags]
        subprocess.run(cmd, check=True, timeout=30, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        cmd = [
            sys.executable, "-m", "bench.gmqtt_counter", str(port), str(count),
            f"--window={self.window}", *self.flags,
        ]  # fmt: skip
        return cmd, {"PYTHONPATH": str(ROOT)}


class ReleveBridge(Consumer):
    """``releve bridge [--workers N]`` writing to InfluxDB, its archive in a SQLite registry."""

    stores = True

    def __init__(
        self, workers: int, influx_url: str, db: str, workdir: Path, window: int, root: Path | None = None
    ) -> None:
        self.workers = workers
        self.name = f"releve bridge, {workers} worker{'s' if workers > 1 else ''} -> InfluxDB"
        self.root = root or ROOT
        if root is not None:
            self.name += f" ({root.name})"
        self.influx_url = influx_url
        self.db = db
        self.measurement = '"raw"."reading"'
        self.workdir = workdir
        self.window = window

    @property
    def registry_url(self) -> str:
        return f"sqlite:///{self.workdir / 'registry.db'}"

    def prepare(self, port: int) -> None:
        if self.workers == 1:
            v5_session(port, "bench-bridge", BRIDGE_TOPIC, self.window)
        else:
            for i in range(self.workers):
                v5_session(port, f"bench-bridge-{i}", f"$share/releve/{BRIDGE_TOPIC}", self.window)

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        env = {
            "PYTHONPATH": str(self.root),
            "RELEVE_MQTT_URL": f"mqtt://127.0.0.1:{port}",
            "RELEVE_MQTT_CLIENT_ID": "bench-bridge",
            "RELEVE_STORE_URL": f"influxdb://{self.influx_url.split('://', 1)[1]}/{self.db}",
            "RELEVE_REGISTRY_URL": self.registry_url,
            "RELEVE_DATA_DIR": str(self.workdir),
            "RELEVE_BRIDGE_QUEUE_SIZE": str(self.window),
            "RELEVE_LOG_LEVEL": "WARNING",
        }
        cmd = [sys.executable, "-m", "releve", "bridge"]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        return cmd, env


def node_red_available() -> str | None:
    """Install Node-RED into NODE_RED_HOME when missing; None if ready, else why not."""
    red = NODE_RED_HOME / "node_modules" / "node-red" / "red.js"
    contrib = NODE_RED_HOME / "node_modules" / "node-red-contrib-influxdb"
    if red.exists() and contrib.exists():
        return None
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js and npm are not installed (Debian: apt-get install nodejs npm)"
    NODE_RED_HOME.mkdir(parents=True, exist_ok=True)
    if not (NODE_RED_HOME / "package.json").exists():
        (NODE_RED_HOME / "package.json").write_text('{"name": "releve-nodered-bench", "private": true}\n')
    print(f"installing {' and '.join(NODE_RED_PACKAGES)} into {NODE_RED_HOME} (npm)...", flush=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *NODE_RED_PACKAGES],
        cwd=NODE_RED_HOME,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        return f"npm install failed: {result.stderr.strip()[-500:]}"
    return None


class NodeRed(Consumer):
    """Node-RED 4 running bench/nodered/flow.json (MQTT in -> function -> join -> influxdb batch)."""

    name = "Node-RED 4 (function + join 2000 + influxdb batch)"
    stores = True

    def __init__(self, influx: Influx, db: str, workdir: Path) -> None:
        self.influx = influx
        self.db = db
        self.measurement = "reading"
        self.workdir = workdir

    def prepare(self, port: int) -> None:
        self.influx.query(f'CREATE DATABASE "{self.db}"')
        subprocess.run(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", "311", "-q", "1", "-c",
             "-i", "bench-nodered", "-t", TOPIC, "-E"],
            check=True,
            timeout=30,
        )  # fmt: skip
        user = self.workdir / "nodered"
        user.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "bench" / "nodered" / "flow.json", user / "flows.json")
        (user / "settings.js").write_text(
            "module.exports = {\n"
            "  flowFile: 'flows.json',\n"
            "  credentialSecret: false,\n"
            "  httpAdminRoot: false,\n"
            "  httpNodeRoot: false,\n"
            "  logging: { console: { level: 'warn', metrics: false, audit: false } },\n"
            "  functionGlobalContext: {},\n"
            "};\n"
        )

    def command(self, port: int, count: int) -> tuple[list[str], dict[str, str]]:
        red = NODE_RED_HOME / "node_modules" / "node-red" / "red.js"
        env = {
            "MQTT_PORT": str(port),
            "MQTT_CLIENT_ID": "bench-nodered",
            "INFLUX_PORT": self.influx.url.rsplit(":", 1)[1],
            "INFLUX_DB": self.db,
        }
        user = self.workdir / "nodered"
        return ["node", str(red), "--userDir", str(user), "--port", "0", "--settings",
                str(user / "settings.js")], env  # fmt: skip


def wait_exit(consumer: Consumer, timeout: float) -> tuple[bool, str]:
    """Wait for a self-counting consumer to finish; (finished, its stdout).

    Its peak RSS is what RssWatch sampled while it ran (wait4's ru_maxrss would count the
    forked bench process before the exec).
    """
    proc = consumer.proc
    assert proc is not None
    deadline = time.monotonic() + timeout
    out = b""
    while time.monotonic() < deadline:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.stdout is not None:
                out = proc.stdout.read()
            return proc.returncode == 0, out.decode()
        time.sleep(0.01)
    return False, ""


def wait_points(
    influx: Influx,
    db: str,
    measurement: str,
    expected: int,
    timeout: float,
    poll: float = 0.2,
    stall: float = 120.0,
) -> list[tuple[float, int]]:
    """Wait until ``expected`` points are readable, or until their count has not moved for
    ``stall`` seconds (some never arrive); returns the (perf_counter time, count) samples.

    The samples are InfluxDB's own count of points accepted (``Influx.written``), asked every
    ``poll`` seconds; once it reaches ``expected``, the points are counted (``SELECT count``)
    until they all are readable. Counting them at every poll took InfluxDB a second of CPU per
    million points: a quarter of its time in a backlog, and more of it the longer the consumer
    under test took. Where the server keeps no such count, every sample is a count, at most a
    quarter of the time."""
    samples: list[tuple[float, int]] = []
    deadline = time.perf_counter() + timeout
    moved = time.perf_counter()
    cheap = influx.written(db, measurement) is not None
    while time.perf_counter() < deadline:
        asked = time.perf_counter()
        n = influx.written(db, measurement) if cheap else None
        counted = n is None or n >= expected or time.perf_counter() - moved > stall
        if counted:
            n = influx.count(db, measurement)
        assert n is not None
        now = time.perf_counter()
        if not samples or n > samples[-1][1]:
            moved = now
        samples.append((now, n))
        if counted and (n >= expected or (n and now - moved > stall)):
            break
        # Counting millions of points takes InfluxDB a second: polling back to back would
        # take a core from the consumer under test. At most a quarter of its time goes to it.
        time.sleep(max(poll, 3 * (now - asked)) if counted else poll)
    return samples
