"""The ``releve`` command line: run the system or one part of it, decode, provision, manage keys."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from kernel.fields import NAME_MAX, NOTE_MAX, SHORT_MAX, check_text
from kernel.settings import Settings, SettingsError
from releve import ops_commands
from releve.commands import (
    cmd_devices_erase_data,
    cmd_devices_import,
    cmd_devices_list,
    cmd_devices_set_model,
    cmd_export,
    cmd_grafana,
    cmd_import,
    cmd_keys_create,
    cmd_keys_revoke,
    cmd_reprocess,
    parse_time,
    settings_from,
)


def _text(field: str, max_length: int) -> Callable[[str], str]:
    """An argparse type: text by the rules of every write path (kernel.fields)."""

    def check(value: str) -> str:
        try:
            return check_text(value, field, max_length)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


def cmd_run(args: argparse.Namespace) -> int:
    from releve.runtime import run_all
    from simulator.fleet import load_fleet

    settings = settings_from(args)
    fleet = None if args.no_simulator else load_fleet(args.fleet)
    # uvicorn re-raises the signal that stopped it once it has shut down. SIGTERM's default
    # action would then end the process before run_all stops the embedded broker (left running,
    # orphaned): SIGTERM stops it as Ctrl-C does (the handler raises KeyboardInterrupt).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run_all(settings, fleet, announce=print)
    except KeyboardInterrupt:  # run_all has cleaned up
        print("stopped")
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    from releve.services import web_app

    settings = settings_from(args)
    if args.workers > 1:  # each worker process builds its app from the environment
        from releve.services import close_state, open_state

        close_state(open_state(settings))  # migrate the registry and store once, not in every worker
        if args.config:
            os.environ["RELEVE_CONFIG"] = str(args.config.resolve())
        uvicorn.run(
            "releve.services:app_from_environment",
            factory=True,
            workers=args.workers,
            host=settings.api_host,
            port=settings.api_port,
            log_level="info",
        )
        return 0
    uvicorn.run(web_app(settings), host=settings.api_host, port=settings.api_port, log_level="info")
    return 0


def cmd_bridge(args: argparse.Namespace) -> int:
    from releve.bridge import (
        IntakeState,
        close_bridge_state,
        mqtt_target_or_exit,
        open_bridge_state,
        open_intake_state,
        separate_processor,
        start_bridge,
        start_intake,
    )
    from releve.workers import ProcessorChild

    settings = settings_from(args)
    if not all(source.mqtt_url for source in settings.sources):
        mqtt_target_or_exit(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.workers > 1:
        from releve.workers import run_workers

        try:
            return run_workers(settings, args.workers, args.config, stop)
        except KeyboardInterrupt:
            return 0
    if args.processor_of is not None:
        return processor_main(settings, args.processor_of, stop, args.wake_fd)
    processor = ProcessorChild(args.config) if separate_processor(settings) else None
    state: IntakeState
    if processor is None:
        state = bridge_state = open_bridge_state(settings)
        consumers, threads = start_bridge(settings, bridge_state, stop)
    else:
        state = open_intake_state(settings)
        consumers, threads = start_intake(settings, state, stop, processor.notify)
    try:
        while all(t.is_alive() for t in threads) and not stop.wait(1.0):
            if processor is not None:
                processor.keep_running()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        for consumer in consumers:
            consumer.stop()
        if processor is not None:
            processor.stop()
        close_bridge_state(state)
    return 0


def processor_main(settings: Settings, parent: int, stop: threading.Event, wake_fd: int | None) -> int:
    """``releve bridge``'s processor process (started by the bridge itself)."""
    from gateway_bridge.processor import die_with_parent
    from registry.errors import DatabaseUnavailable
    from releve.bridge import close_bridge_state, open_bridge_state
    from releve.processing import run_processor
    from store.errors import StoreError

    die_with_parent(parent)
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    delay = 1.0
    while not stop.is_set():
        try:
            state = open_bridge_state(settings)
        except (StoreError, DatabaseUnavailable) as exc:
            # The intake goes on archiving meanwhile; what it archives waits as pending.
            logging.getLogger("releve.bridge").warning("store unavailable at start (%s); retrying", exc)
            stop.wait(delay)
            delay = min(delay * 2, 30.0)
            continue
        logging.getLogger("releve.bridge").info("bridge processor ready: the store is open")
        try:
            run_processor(settings, state, stop, wake_fd)
        finally:
            close_bridge_state(state)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from gateway_bridge.mqtt import MqttPublisher
    from kernel.settings import MqttTarget
    from simulator.faults import FaultCounts, Faults
    from simulator.fleet import load_fleet
    from simulator.player import FileSink, Sink, play

    settings = settings_from(args)
    fleet = load_fleet(args.fleet)
    end = args.end or datetime.now(UTC)
    start = args.start or end - timedelta(days=args.days)
    speed = None if args.mode == "backfill" else (1.0 if args.mode == "realtime" else args.speed)
    truth = args.truth.open("wb") if args.truth else None
    sink: Sink
    publisher = None
    out = None
    if args.out:
        out = args.out.open("wb")
        sink = FileSink(out)
    else:
        url = args.mqtt_url or settings.mqtt_url
        if not url:
            print("give --mqtt-url (or RELEVE_MQTT_URL) or --out FILE", file=sys.stderr)
            return 2
        publisher = MqttPublisher(
            MqttTarget.parse(url),
            client_id="releve-simulator",
            ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
            protocol=settings.mqtt_protocol,
        )
        publisher.connect()
        sink = publisher

    def progress(summary: object) -> None:
        print(f"\r{summary}", end="", file=sys.stderr, flush=True)

    faults = Faults.parse(args.faults) if args.faults else None
    counts = FaultCounts()
    try:
        summary = play(
            fleet,
            sink,
            start,
            end,
            speed=speed,
            truth=truth,
            progress=progress,
            lns=args.lns,
            faults=faults,
            fault_counts=counts,
        )
    finally:
        if publisher:
            publisher.close()
        for fh in (truth, out):
            if fh:
                fh.close()
    print(f"\nsent {summary}", file=sys.stderr)
    if faults is not None:
        print(f"faults injected: {counts}", file=sys.stderr)
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    from decoders import DecodeError, decode

    try:
        payload = bytes.fromhex(args.hex.replace(" ", ""))
    except ValueError:
        print(f"not hexadecimal: {args.hex!r}", file=sys.stderr)
        return 2
    try:
        frame = decode(args.model, args.port, payload)
    except DecodeError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    doc = {
        "model": args.model,
        "port": args.port,
        "readings": [
            {
                "quantity": r.quantity.value,
                "value": r.value,
                "unit": r.unit,
                "kind": r.kind.value,
                "channel": r.channel,
                "offset_s": r.offset_s,
                "at": r.at.isoformat() if r.at else None,
            }
            for r in frame.readings
        ],
        "alarms": [{"kind": a.kind.value, "channel": a.channel, "detail": a.detail} for a in frame.alarms],
        "info": frame.info_dict(),
    }
    print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
    return 0


def cmd_decoders(args: argparse.Namespace) -> int:
    from decoders import MODELS
    from decoders.catalog import models_markdown

    if args.markdown:
        print(models_markdown(), end="")
        return 0
    for spec in MODELS.values():
        ports = ",".join(str(p) for p in sorted(spec.ports)) or "any"
        quantities = ", ".join(sorted(q.value for q in spec.quantities))
        print(f"{spec.model_id:45} ports {ports:10} {quantities}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="releve", description="LoRaWAN metering that towns own.")
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file (else RELEVE_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="everything on this machine: broker, bridge, simulator, API and dashboard")
    p.add_argument("--no-simulator", action="store_true", help="do not play the demo fleet")
    p.add_argument("--fleet", type=Path, default=None, help="fleet TOML (default: the built-in village)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("api", help="the API and dashboard only")
    p.add_argument("--workers", type=int, default=1, help="API worker processes (see docs/scaling.md)")
    p.set_defaults(func=cmd_api)
    p = sub.add_parser("bridge", help="the bridge (MQTT -> archive -> store)")
    p.add_argument(
        "--workers", type=int, default=1, help="worker processes on a shared subscription (default 1)"
    )
    # The bridge starts its own processor process with this (the bridge's process id).
    p.add_argument("--processor-of", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--wake-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_bridge)

    p = sub.add_parser("simulate", help="play a simulated fleet to a broker or a file")
    p.add_argument("--fleet", type=Path, default=None)
    p.add_argument("--mode", choices=["backfill", "realtime", "accelerated"], default="backfill")
    p.add_argument("--speed", type=float, default=2880.0, help="accelerated: simulated s per real s")
    p.add_argument("--days", type=float, default=7.0, help="span ending at --end (default now)")
    p.add_argument("--start", default=None, type=parse_time, help="time (default: --end minus --days)")
    p.add_argument("--end", default=None, type=parse_time, help="ISO time or 28/11/2026 (default: now)")
    p.add_argument("--mqtt-url", default=None)
    p.add_argument("--out", type=Path, default=None, help="write envelopes to this JSONL file instead")
    p.add_argument("--truth", type=Path, default=None, help="write the ground truth (JSONL) here")
    p.add_argument(
        "--lns",
        choices=["chirpstack_v4", "chirpstack_v4_protobuf", "chirpstack_v3", "tts_v3"],
        default="chirpstack_v4",
        help="the network server whose envelopes to publish",
    )
    p.add_argument(
        "--faults",
        default=None,
        help="e.g. duplicate=0.01,late=0.01,truncate=0.001,unknown_device=0.001,malformed=0.001",
    )
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("decode", help="decode one payload and print the frame as JSON")
    p.add_argument("--model", required=True, help="e.g. netvox/r718h (see `releve decoders`)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hex", required=True)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("decoders", help="list supported models")
    p.add_argument("--markdown", action="store_true", help="print the docs page (docs/models.md)")
    p.set_defaults(func=cmd_decoders)

    devices = sub.add_parser("devices", help="provisioning").add_subparsers(dest="devices_cmd", required=True)
    p = devices.add_parser("import", help="import devices from CSV (dev_eui,name,model,site,...)")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="validate and report, import nothing")
    p.add_argument(
        "--tenant",
        default=None,
        type=_text("tenant", SHORT_MAX),
        help="tenant slug (default: the network owner)",
    )
    p.set_defaults(func=cmd_devices_import)
    devices.add_parser("list", help="list devices").set_defaults(func=cmd_devices_list)

    p = devices.add_parser("set-model", help="change a device's model (then reprocess)")
    p.add_argument("dev_eui")
    p.add_argument("model")
    p.set_defaults(func=cmd_devices_set_model)

    p = devices.add_parser("erase-data", help="erase a device's data on request (leaves an audit entry)")
    p.add_argument("dev_eui")
    p.add_argument(
        "--note", default="", type=_text("note", NOTE_MAX), help="why (e.g. the request's reference)"
    )
    p.set_defaults(func=cmd_devices_erase_data)

    p = sub.add_parser("export", help="a tenant's full export (registry, raw archive, readings, rollups)")
    p.add_argument("--tenant", required=True, help="tenant slug")
    p.add_argument("--out", type=Path, required=True, help="archive to write (.tar.gz)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", help="restore a tenant's export into this instance (idempotent)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("grafana", help="Grafana's data source and boards for this town's InfluxDB")
    p.add_argument(
        "--out", type=Path, required=True, help="Grafana's provisioning directory (/etc/grafana/provisioning)"
    )
    p.add_argument("--influx-url", default=None, help="InfluxDB as Grafana reaches it (default: the store's)")
    p.set_defaults(func=cmd_grafana)

    p = sub.add_parser("reprocess", help="re-decode archived uplinks after a decoder fix or a model change")
    p.add_argument("--device", default=None, help="DevEUI")
    p.add_argument("--model", default=None, help="every device of this model")
    p.add_argument(
        "--since",
        required=True,
        type=parse_time,
        help="2026-11-28, 28/11/2026 or 28/11/2026 06:00 (UTC if no offset)",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    p.set_defaults(func=cmd_reprocess)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_cmd", required=True)
    p = keys.add_parser("create", help="create a key and print it (shown once)")
    p.add_argument("--role", choices=["viewer", "technician", "operator", "admin"], required=True)
    p.add_argument(
        "--tenant",
        default=None,
        type=_text("tenant", SHORT_MAX),
        help="tenant slug (default: the network owner)",
    )
    p.add_argument("--name", default="", type=_text("name", NAME_MAX))
    p.set_defaults(func=cmd_keys_create)
    p = keys.add_parser("revoke", help="revoke a key by its prefix")
    p.add_argument("prefix")
    p.set_defaults(func=cmd_keys_revoke)
    ops_commands.add_parsers(sub, devices, keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from registry.errors import DatabaseUnavailable, RegistryError

    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``releve devices list | head``): stop quietly, and let nothing
        # write to the closed pipe again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (DatabaseUnavailable, OSError) as exc:
        print(f"releve: {exc}", file=sys.stderr)
        return 1
    except RegistryError as exc:  # a user's mistake: no such device, site or tenant; a refused change
        print(f"releve: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:  # a RELEVE_* variable or a line of the TOML file that does not fit
        print(f"releve: invalid settings: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
