"""Field readers shared by the network-server parsers; each failure becomes MalformedEnvelope."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from gateway_bridge.envelopes.errors import MalformedEnvelope
from kernel.types import normalize_eui

# A gateway whose GPS has no fix can stamp 1980: such a time is not a reception time.
EARLIEST_PLAUSIBLE = datetime(2015, 1, 1, tzinfo=UTC)
ZERO = timedelta(0)


def load_json(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedEnvelope(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedEnvelope(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def obj(doc: dict[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        if required:
            raise MalformedEnvelope(f"missing {key!r}")
        return {}
    if not isinstance(value, dict):
        raise MalformedEnvelope(f"{key!r} must be an object, got {type(value).__name__}")
    return value


def items(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedEnvelope(f"{key!r} must be a list of objects")
    for v in value:  # (a loop: a generator cost a tenth of the envelopes' time)
        if not isinstance(v, dict):
            raise MalformedEnvelope(f"{key!r} must be a list of objects")
    return value


def text(doc: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise MalformedEnvelope(f"missing {key!r}")
        return None
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def label(*parts: object) -> str | None:
    """An informative name (a device profile) from its parts, or None: never fails an uplink for
    it (a part that is not text is left out), bounded to 120 characters."""
    if len(parts) == 1 and type(parts[0]) is str:  # (one name: every ChirpStack v4 uplink's profile)
        return parts[0][:120] or None
    texts = [p for p in parts if isinstance(p, str) and p]
    return "/".join(texts)[:120] or None


U32_MAX = 2**32 - 1


def integer(
    doc: dict[str, Any], key: str, *, default: int | None = None, lo: int = 0, hi: int = U32_MAX
) -> int | None:
    value = doc.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.isascii() and value.isdigit():  # ("²".isdigit() too)
        value = int(value)  # 64-bit integers are strings in the protobuf JSON mapping
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEnvelope(f"{key!r} must be an integer, got {value!r}")
    return within(value, key, lo=lo, hi=hi)


def within(value: int, key: str, *, lo: int = 0, hi: int = U32_MAX) -> int:
    """An integer field's range check (``integer``'s, and the typed ChirpStack v4 path's)."""
    if not lo <= value <= hi:
        raise MalformedEnvelope(f"{key!r} out of range: {value}")
    return value


def number(doc: dict[str, Any], key: str) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedEnvelope(f"{key!r} must be a number, got {value!r}")
    return float(value)


def b64(value: object, what: str) -> bytes:
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedEnvelope(f"{what} is not valid base64") from exc


def eui(value: object, what: str = "DevEUI") -> str:
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{what} must be a string")
    try:
        return normalize_eui(value)
    except ValueError as exc:
        raise MalformedEnvelope(str(exc)) from exc


def eui_hex_or_b64(value: object, what: str = "DevEUI") -> str:
    """ChirpStack v3's ``json`` marshaler writes EUIs in base64, ``json_v3`` in hex."""
    if isinstance(value, str) and len(value) == 12 and value.endswith("="):
        return b64(value, what).hex()
    return eui(value, what)


def timestamp(value: object, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{what} must be an RFC 3339 string")
    try:  # RFC 3339 as network servers write it (Python 3.11 reads "Z" and any fraction)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _timestamp_slow(value, what)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed if parsed.utcoffset() == ZERO else parsed.astimezone(UTC)


def _timestamp_slow(value: str, what: str) -> datetime:
    raw = value.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    # Python reads at most microseconds: cut nanoseconds.
    if "." in raw:
        head, _, rest = raw.partition(".")
        n = 0
        while n < len(rest) and rest[n].isdigit():
            n += 1
        digits, zone = rest[:n], rest[n:]
        raw = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MalformedEnvelope(f"{what}: not a time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# A network server stamps an uplink by its own clock within a second of its reception: an event
# time (a gateway's GPS or clock) further than this from it is a gateway with a wrong clock.
GATEWAY_CLOCK_TOLERANCE = timedelta(seconds=60)


def uplink_time(now: datetime, *events: datetime | None, server: datetime | None = None) -> datetime:
    """When an uplink was received: the first plausible of the envelope's event times (a gateway's
    GPS time is precise), unless the network server's own clock (``server``) is known and differs
    from it by more than ``GATEWAY_CLOCK_TOLERANCE``: then the server's (a gateway clock in 2300
    or hours behind is not a reading time). With no plausible time at all, the envelope's own:
    the pipeline refuses its readings with the reason, visibly, rather than this bridge's clock
    placing them when it happens to drain them. With no time at all, ``now``."""
    event, trusted = plausible(*events), plausible(server)
    if event is not None and (trusted is None or abs(event - trusted) <= GATEWAY_CLOCK_TOLERANCE):
        return event
    if trusted is not None:
        return trusted
    return next((t for t in (*events, server) if t is not None), now)


def plausible(*candidates: datetime | None) -> datetime | None:
    """The first candidate time that is not a GPS-less 1980 stamp."""
    for value in candidates:
        if value is not None and value >= EARLIEST_PLAUSIBLE:
            return value
    return None
