"""Kamstrup flowIQ 2200 water meter, OMS over LoRaWAN (configuration 02K73A).

Format: Kamstrup's "flowIQ 2200 OMS over LoRaWAN" integration guide and the codec of the TTN
Device Repository ``vendor/kamstrup/mbusparser.js`` with its examples (``mbusparser.yaml``).
The frame is an OMS application frame (no, short or long transport header, unencrypted) of
M-Bus records read by ``_mbus``: the volume index and the date of the log it belongs to, an
inverse compact profile of hourly indexes back from it, and Kamstrup's own records: info codes
(VIF 0xFF 0x25), acoustic leak detection levels (0xFF 0x1B / 0x1C) and the module's
configuration number (0xFF 0x16). Info code bits: 0 dry, 1 reverse flow, 2 leak, 3 burst,
4 tamper, 5 low battery, 6 low and 7 high ambient temperature. Daily minimum and maximum of
flow and water temperature are facts (``info``), not readings. The vendor codec ignores the
port; the module's examples use port 1, and every port is accepted here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from decoders.errors import EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec
from decoders.vendors import _mbus
from decoders.vendors._mbus import Family, Info, Record

MODEL = "kamstrup/flowiq2200-02k73a"
PORT = 1
WATER = {
    Family.VOLUME: Quantity.WATER_VOLUME,
    Family.FLOW: Quantity.FLOW,
    Family.FLOW_TEMPERATURE: Quantity.WATER_TEMPERATURE,
    Family.EXTERNAL_TEMPERATURE: Quantity.TEMPERATURE,
}
INFO_CODES = (
    (AlarmKind.DRY, "dry"),
    (AlarmKind.BACKFLOW, "reverse flow"),
    (AlarmKind.LEAK, "leak"),
    (AlarmKind.BURST, "burst"),
    (AlarmKind.TAMPER, "tamper"),
    (AlarmKind.LOW_BATTERY, "low battery"),
    (AlarmKind.LOW_TEMPERATURE, "low ambient temperature"),
    (AlarmKind.HIGH_TEMPERATURE, "high ambient temperature"),
)
_ALD_INVALID = 4095


def _kamstrup_record(rec: Record) -> tuple[tuple[Alarm, ...], Info]:
    value = int.from_bytes(rec.raw, "little")
    code = rec.code & 0xFF
    if rec.extensions or not rec.raw:
        raise UnknownFrameType(f"{MODEL}: manufacturer record 0x{code:02x} with VIFE {rec.extensions}")
    if code == 0x25:
        alarms = tuple(
            Alarm(kind, detail=f"info code: {text}")
            for bit, (kind, text) in enumerate(INFO_CODES)
            if value >> bit & 1
        )
        return alarms, (("info_codes", value),)
    if code in (0x1B, 0x1C):
        key = "ald" if code == 0x1B else "ald_last_day"
        if value == _ALD_INVALID:
            return (Alarm(AlarmKind.SENSOR_FAULT, detail="acoustic leak detection level invalid"),), ()
        return (), ((key, value),)
    if code == 0x16:
        return (), (("config_number", value),)
    raise UnknownFrameType(f"{MODEL}: Kamstrup record 0xFF 0x{code:02x} is not supported")


def decode_flowiq2200(f_port: int, payload: bytes) -> Frame:
    status, body, info = _mbus.split_transport(payload, MODEL)
    records = _mbus.parse_records(body, MODEL)
    if not records:
        raise UnknownFrameType(f"{MODEL}: a frame without any record")
    return _mbus.to_frame(
        records, WATER, MODEL, manufacturer=_kamstrup_record, alarms=_mbus.status_alarms(status), info=info
    )


def encode_flowiq2200(frame: Frame) -> tuple[int, bytes]:
    """The hourly log frame: the newest index with its time, older hourly indexes as a profile
    (whole litres, at most 65,534 L an hour), and the info codes of the alarms."""
    points = sorted(
        (r for r in frame.readings if r.quantity is Quantity.WATER_VOLUME), key=_time, reverse=True
    )
    if not points or len(points) != len(frame.readings) or len(points) > 24:
        raise EncodeError("a flowIQ 2200 frame holds 1 to 24 hourly volume indexes")
    if any(r.kind is not Kind.CUMULATIVE or r.at is None or r.channel for r in points):
        raise EncodeError("volume indexes need their time")
    newest = _time(points[0])
    if any(_time(r) != newest - timedelta(hours=i) for i, r in enumerate(points)):
        raise EncodeError("indexes must be one hour apart")
    litres = [round(r.value * 1000) for r in points]
    if any(abs(n / 1000 - r.value) > 1e-9 for n, r in zip(litres, points, strict=True)):
        raise EncodeError("indexes must be whole litres")
    steps = [a - b for a, b in pairwise(litres)]
    if not 0 <= litres[0] < 2**31 or any(not 0 <= s < 0xFFFF for s in steps):
        raise EncodeError("index or hourly consumption out of the frame's range")
    codes = 0
    for alarm in frame.alarms:
        bits = [bit for bit, (kind, _text) in enumerate(INFO_CODES) if kind is alarm.kind]
        if not bits or alarm.channel:
            raise EncodeError(f"{alarm.kind} is not a flowIQ info code")
        codes |= 1 << bits[0]
    body = bytes([0x7A, 0x00, 0x00, 0x00, 0x00])
    body += bytes([0x44, 0x6D]) + _mbus.encode_datetime(newest)
    body += bytes([0x44, 0x13]) + litres[0].to_bytes(4, "little")
    if steps:
        profile = bytes([0x62, 0x01]) + b"".join(s.to_bytes(2, "little") for s in steps)
        body += bytes([0x4D, 0x93, 0x13, len(profile)]) + profile
    body += bytes([0x02, 0xFF, 0x25]) + codes.to_bytes(2, "little")
    return PORT, body


def _time(reading: DecodedReading) -> datetime:
    if reading.at is None:
        raise EncodeError("volume indexes need their time")
    return reading.at


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Kamstrup flowIQ 2200 water meter (OMS over LoRaWAN, 02K73A)",
        decode=decode_flowiq2200,
        encode=encode_flowiq2200,
        quantities=frozenset(WATER.values()),
        datasheet="Kamstrup flowIQ 2200 OMS over LoRaWAN integration guide; TTN vendor/kamstrup/mbusparser",
    ),
)
