"""bench.city's figures: one run's measures, as text and as its BENCHMARKS.md section.

The steady run writes ``<!-- bench:city -->``, the outage run ``<!-- bench:city-outage -->``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
from dataclasses import dataclass, field

from bench.city_stats import CpuSample, cpu_share, quantiles, server_share
from bench.report import machine_line, write_section

CPU_TARGET = 0.05  # of a core
P99_TARGET = 2.0  # seconds, publish to readable
RSS_TARGET = 300.0  # MB, the backlog target's bound


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


@dataclass
class CityRun:
    """What one run of bench.city measured (times on the monotonic clock)."""

    args: argparse.Namespace
    uplinks: int
    readings: int
    load_before: tuple[float, float, float] = field(default_factory=os.getloadavg)
    sent: list[float] = field(default_factory=list)
    readable: list[float] = field(default_factory=list)  # NaN: never seen readable
    late: list[float] = field(default_factory=list)
    samples: list[CpuSample] = field(default_factory=list)
    hz: int = 100
    steady: tuple[CpuSample, CpuSample] | None = None  # start and end of the paced traffic
    outage: tuple[float, float] | None = None  # InfluxDB down, back
    queries: list[float] = field(default_factory=list)
    poll_failures: int = 0
    acked: int = 0
    broker_received: int = 0
    peak_rss: float = 0.0
    checks: list[str] = field(default_factory=list)
    intact: bool = False  # nothing lost or doubled, in the archive and in InfluxDB
    log: list[str] = field(default_factory=list)

    def command(self) -> str:
        a = self.args
        cmd = f"python -m bench.city --rate {a.rate:g} --minutes {a.minutes:g}"
        if a.devices != 10_000:
            cmd += f" --devices {a.devices}"
        if a.outage_minutes:
            cmd += f" --outage-minutes {a.outage_minutes:g} --outage-at {a.outage_at:g}"
            cmd += f" --outage-mode {a.outage_mode}" if a.outage_mode != "stop" else ""
        return cmd + " --write"

    def delays(self, start: float = -math.inf, end: float = math.inf) -> list[float]:
        """Publish-to-readable delays of the uplinks published in [start, end)."""
        return [r - s for s, r in zip(self.sent, self.readable, strict=True) if start <= s < end]

    def unseen(self) -> int:
        return sum(1 for r in self.readable if math.isnan(r))

    def cpu(self) -> float:
        return cpu_share(*self.steady, self.hz) if self.steady else math.nan

    def catch_up(self) -> float:
        """From InfluxDB back until every uplink published before that was readable."""
        if self.outage is None or math.isnan(self.outage[1]):
            return math.nan
        back = self.outage[1]
        before = [r for s, r in zip(self.sent, self.readable, strict=True) if s < back]
        return max(before) - back if before and not any(math.isnan(r) for r in before) else math.nan

    def live_again(self) -> float:
        """From InfluxDB back until the bridge was live again: the readable time of the first
        uplink published after it from which on every delay is under the p99 target."""
        if self.outage is None or math.isnan(self.outage[1]):
            return math.nan
        back = self.outage[1]
        since = math.nan
        for s, r in zip(self.sent, self.readable, strict=True):
            if s < back:
                continue
            if math.isnan(r) or r - s >= P99_TARGET:
                since = math.nan
            elif math.isnan(since):
                since = r
        return since - back

    def markdown(self) -> str:
        a = self.args
        title = (
            f"## City traffic through a {a.outage_minutes:g}-minute InfluxDB outage"
            if a.outage_minutes
            else "## Steady city traffic"
        )
        p50, p99, top = quantiles(self.delays())
        late = quantiles(self.late)
        q = quantiles(self.queries)
        lines = [
            title,
            "",
            machine_line(self.command()),
            "Load average before the run: {:.1f} {:.1f} {:.1f}.".format(*self.load_before),
            "releve's bridge (1 worker, `releve bridge` in its own process, archive in SQLite) between a",
            f"private Mosquitto and a private InfluxDB 1.x. Workload: {self.uplinks:,} ChirpStack v4 uplinks",
            f"of {a.devices:,} devices (bench.workload's town: water, electricity, comfort; each with its",
            f"fCnt and time; {self.readings:,} readings), published at QoS 1 at {a.rate:g}/s for",
            f"{a.minutes:g} minutes on a fixed schedule (monotonic clock) after a warm-up of "
            f"{a.warm} uplinks; publisher late by p99 {ms(late[1])}, max {ms(late[2])}. Each device reports",
            f"every {a.devices / a.rate:,.0f} s of wall time, its data times 15 minutes apart (a city of",
            f"{a.rate * 900:,.0f} such meters would report every 900 s);",
            f"{self.acked:,} acknowledged, broker's `$SYS` received count {self.broker_received:,}"
            f" (warm-up included).",
            "",
            "CPU: utime + stime of the bridge process (all its threads) from `/proc/<pid>/stat`, over",
            f"the wall time. Latency: every {a.poll:g} s (or three times its last query's time, if longer:",
            "the harness then takes at most a quarter of InfluxDB's time) the harness asks InfluxDB for",
            "the readings of the devices of the 200 oldest uplinks not yet seen readable, between the",
            "earliest and latest of their data times (one statement on a few hundred series); an uplink",
            "is readable at the end of the first answer that holds all its readings: an upper bound, late",
            f"by at most a period plus a query ({len(self.queries):,} queries, "
            f"p50 {ms(q[0])}, max {ms(q[2])}).",
            "",
            "| measure | value | target |",
            "|---|---:|---|",
        ]
        cpu = self.cpu()
        server = server_share(*self.steady, self.hz) if self.steady else math.nan
        if not math.isnan(server):
            lines.append(
                f"| InfluxDB CPU, same window (not the bridge's; for comparison) | {server:.1%} of a core | |"
            )
        if not a.outage_minutes:
            lines.append(
                f"| bridge CPU, whole window | {cpu:.1%} of a core | "
                f"{'meets' if cpu < CPU_TARGET else 'misses'} < {CPU_TARGET:.0%} |"
            )
            lines.append(
                f"| publish to readable p50 / p99 / max | {ms(p50)} / {ms(p99)} / {ms(top)} | "
                f"{'meets' if p99 < P99_TARGET else 'misses'} p99 < {P99_TARGET:g} s |"
            )
        else:
            lines += self._outage_rows(cpu)
        lines.append(
            f"| bridge peak RSS (VmHWM) | {self.peak_rss:,.0f} MB | "
            f"{'meets' if self.peak_rss < RSS_TARGET else 'misses'} < {RSS_TARGET:g} MB |"
        )
        if self.unseen():
            lines.append(f"| uplinks never seen readable | {self.unseen():,} | |")
        lines += ["", "Per interval (CPU share of a core, resident set at the end of the interval):", ""]
        lines += self._intervals()
        lines += ["", "Checks:", ""] + [f"- {c}" for c in self.checks]
        lines += ["", f"Bridge log: {len(self.log)} lines at WARNING and above."]
        lines += [f"    {ln}" for ln in _notable(self.log)]
        return "\n".join(lines) + "\n"

    def _outage_rows(self, cpu: float) -> list[str]:
        assert self.outage is not None
        began, back = self.outage
        live = self.live_again()
        before, during, after = (
            quantiles(self.delays(end=began)),
            quantiles(self.delays(began, back)),
            quantiles(self.delays(start=back + live) if not math.isnan(live) else []),
        )
        ok = "meets" if self.intact else "misses"
        return [
            f"| bridge CPU, whole traffic window (outage and catch-up included) | {cpu:.1%} of a core | |",
            f"| publish to readable before the outage, p50 / p99 / max | {ms(before[0])} / {ms(before[1])} / "
            f"{ms(before[2])} | |",
            f"| published during the outage, p50 / max | {ms(during[0])} / {ms(during[2])} | |",
            f"| InfluxDB down for | {ms(back - began)} | |",
            f"| InfluxDB back until all published before is readable | {ms(self.catch_up())} | |",
            f"| InfluxDB back until live again (every later delay < {P99_TARGET:g} s) | "
            f"{ms(live) if not math.isnan(live) else 'not before the traffic ended'} | |",
            f"| once live again, p50 / p99 / max | {ms(after[0])} / {ms(after[1])} / {ms(after[2])} | |",
            f"| every uplink archived once, every reading readable once | {'yes' if self.intact else 'no'} | "
            f"{ok} nothing lost or doubled |",
        ]

    def _intervals(self) -> list[str]:
        if not self.steady:
            return []
        t0 = self.steady[0].wall
        out = [
            "| from | to | bridge CPU | VmRSS | VmHWM | InfluxDB CPU | event |",
            "|---:|---:|---:|---:|---:|---:|---|",
        ]
        kept: list[CpuSample] = []
        for sample in self.samples:  # an event just after a periodic sample replaces it
            if kept and sample.wall - kept[-1].wall < 1.0 and not (sample.label and kept[-1].label):
                if sample.label:
                    kept[-1] = sample
                continue
            kept.append(sample)
        for prev, cur in itertools.pairwise(kept):
            share, server = cpu_share(prev, cur, self.hz), server_share(prev, cur, self.hz)
            out.append(
                f"| {prev.wall - t0:,.0f} s | {cur.wall - t0:,.0f} s | {share:.1%} | {cur.rss_mb:,.0f} MB | "
                f"{cur.hwm_mb:,.0f} MB | {'n/a' if math.isnan(server) else f'{server:.1%}'} | {cur.label} |"
            )
        return out


def _notable(log: list[str], limit: int = 12) -> list[str]:
    """The bridge's state changes (store down and back, reconnects), not its tracebacks."""
    keep = [ln for ln in log if " - " in ln or "WARNING" in ln or "ERROR" in ln]
    return keep[:limit] + ([f"... {len(keep) - limit} more"] if len(keep) > limit else [])


def write_city(run: CityRun, text: str) -> None:
    write_section("city-outage" if run.args.outage_minutes else "city", text)
