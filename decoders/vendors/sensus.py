"""Sensus iPERL water meter with its LoRaWAN module (OMS frames, ports 20-22).

Format: the TTN Device Repository codec ``vendor/sensus/iperl-oms.js`` and its example
(``iperl-codec.yaml``, an alarm frame on port 20): an unencrypted OMS application frame,
optionally after an extended-link-layer block (0x90, length, bytes), with the short transport
header (access number, status, configuration) and M-Bus records read by ``_mbus``. The meter
sends its volume index (litres) with the date of the log it belongs to (storage 8 in the
published frame) and an inverse compact profile of the hourly indexes before it. The status
byte gives the alarms (power low, permanent and temporary errors); non-zero error flags
(VIF 0xFD 0x17) become a meter error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from decoders._bytes import Reader
from decoders.errors import EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec
from decoders.vendors import _mbus
from decoders.vendors._mbus import Family

MODEL = "sensus/iperl"
PORTS = frozenset({20, 21, 22})
PORT = 20
WATER = {
    Family.VOLUME: Quantity.WATER_VOLUME,
    Family.FLOW: Quantity.FLOW,
    Family.FLOW_TEMPERATURE: Quantity.WATER_TEMPERATURE,
    Family.EXTERNAL_TEMPERATURE: Quantity.TEMPERATURE,
}
_STATUS_BITS = ((AlarmKind.LOW_BATTERY, 0x04), (AlarmKind.METER_ERROR, 0x08))


def decode_iperl(f_port: int, payload: bytes) -> Frame:
    if f_port not in PORTS:
        raise UnsupportedPort(MODEL, f_port)
    if payload[:1] == b"\x90":
        r = Reader(payload, MODEL)
        r.take(1)
        r.take(r.u8())
        payload = payload[r.pos :]
    status, body, info = _mbus.split_transport(payload, MODEL)
    records = _mbus.parse_records(body, MODEL)
    if not records:
        raise UnknownFrameType(f"{MODEL}: a frame without any record")
    return _mbus.to_frame(records, WATER, MODEL, alarms=_mbus.status_alarms(status), info=info)


def encode_iperl(frame: Frame) -> tuple[int, bytes]:
    """The hourly log frame: the newest index (litres) with its time, the older hourly indexes as
    signed differences, and the status bits of low-battery and meter-error alarms."""
    points = sorted(
        (r for r in frame.readings if r.quantity is Quantity.WATER_VOLUME), key=_time, reverse=True
    )
    if not points or len(points) != len(frame.readings) or len(points) > 16:
        raise EncodeError("an iPERL frame holds 1 to 16 hourly volume indexes")
    if any(r.kind is not Kind.CUMULATIVE or r.channel for r in points):
        raise EncodeError("an iPERL frame holds volume indexes")
    newest = _time(points[0])
    if any(_time(r) != newest - timedelta(hours=i) for i, r in enumerate(points)):
        raise EncodeError("indexes must be one hour apart")
    litres = [round(r.value * 1000) for r in points]
    if any(abs(n / 1000 - r.value) > 1e-9 for n, r in zip(litres, points, strict=True)):
        raise EncodeError("indexes must be whole litres")
    diffs = [a - b for a, b in pairwise(litres)]
    if not 0 <= litres[0] < 2**31 or any(not -0x7FFF <= d <= 0x7FFF for d in diffs):
        raise EncodeError("index or hourly difference out of the frame's range")
    status = 0
    for alarm in frame.alarms:
        bits = [b for kind, b in _STATUS_BITS if kind is alarm.kind]
        if not bits or alarm.channel:
            raise EncodeError(f"{alarm.kind} is not an iPERL status bit")
        status |= bits[0]
    body = bytes([0x7A, 0x00, status, 0x00, 0x00])
    body += bytes([0x84, 0x04, 0x13]) + litres[0].to_bytes(4, "little")
    body += bytes([0x84, 0x04, 0x6D]) + _mbus.encode_datetime(newest)
    if diffs:
        profile = bytes([0xD2, 60]) + b"".join(d.to_bytes(2, "little", signed=True) for d in diffs)
        body += bytes([0x8D, 0x04, 0x93, 0x13, len(profile)]) + profile
    return PORT, body


def _time(reading: DecodedReading) -> datetime:
    if reading.at is None:
        raise EncodeError("volume indexes need their time")
    return reading.at


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Sensus iPERL water meter (OMS over LoRaWAN)",
        decode=decode_iperl,
        encode=encode_iperl,
        quantities=frozenset(WATER.values()),
        datasheet="Sensus iPERL LoRaWAN OMS frames; TTN vendor/sensus/iperl-oms",
        ports=PORTS,
    ),
)
