"""What each model's frame holds when a simulated device reports, encoded with the model's encoder.

A builder turns a Snapshot into the Frame the real device would send; the model's encoder (from
``decoders``) makes the bytes, so the simulator speaks each vendor's real format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from decoders import MODELS, Alarm, AlarmKind, DecodedReading, EncodeError, Frame, Kind, Quantity
from decoders.vendors import laird
from simulator.engine import Snapshot
from simulator.errors import NoEncoder

Builder = Callable[[Snapshot], Frame]


def _r(
    quantity: Quantity, value: float, kind: Kind = Kind.INSTANTANEOUS, channel: str = ""
) -> DecodedReading:
    return DecodedReading(quantity=quantity, value=value, kind=kind, channel=channel)


def _netvox_r718h(s: Snapshot) -> Frame:
    assert s.pulses is not None and s.battery_v is not None
    return Frame(
        readings=(
            _r(Quantity.BATTERY_VOLTAGE, s.battery_v),
            _r(Quantity.PULSE_COUNT, float(s.pulses), Kind.CUMULATIVE),
        )
    )


def _milesight_em300_di(s: Snapshot) -> Frame:
    assert s.pulses is not None and s.battery_pct is not None
    readings = [
        _r(Quantity.BATTERY_LEVEL, s.battery_pct),
        _r(Quantity.PULSE_COUNT, float(s.pulses), Kind.CUMULATIVE),
    ]
    if s.temperature is not None and s.humidity is not None:
        readings += [_r(Quantity.TEMPERATURE, s.temperature), _r(Quantity.HUMIDITY, s.humidity)]
    return Frame(readings=tuple(readings))


def _elsys_ers_co2(s: Snapshot) -> Frame:
    assert s.temperature is not None and s.humidity is not None and s.co2 is not None
    assert s.battery_v is not None
    readings = [
        _r(Quantity.TEMPERATURE, s.temperature),
        _r(Quantity.HUMIDITY, s.humidity),
        _r(Quantity.ILLUMINANCE, float(s.illuminance or 0)),
        _r(Quantity.MOTION_COUNT, float(s.motion or 0), Kind.DELTA),
        _r(Quantity.CO2, s.co2),
        _r(Quantity.BATTERY_VOLTAGE, s.battery_v),
    ]
    return Frame(readings=tuple(readings))


def _milesight_am107(s: Snapshot) -> Frame:
    assert s.temperature is not None and s.humidity is not None and s.co2 is not None
    assert s.battery_pct is not None
    readings = [
        _r(Quantity.BATTERY_LEVEL, s.battery_pct),
        _r(Quantity.TEMPERATURE, s.temperature),
        _r(Quantity.HUMIDITY, s.humidity),
        _r(Quantity.CO2, s.co2),
    ]
    return Frame(readings=tuple(readings))


def _laird_rs1xx(s: Snapshot) -> Frame:
    """An outdoor temperature/humidity sensor: the battery as the protocol's bracket (lower bound)."""
    assert s.temperature is not None and s.humidity is not None and s.battery_pct is not None
    bracket = max(low for low, _ in laird.BATTERY_BRACKETS if low <= s.battery_pct)
    return Frame(
        readings=(
            _r(Quantity.TEMPERATURE, s.temperature),
            _r(Quantity.HUMIDITY, s.humidity),
            _r(Quantity.BATTERY_LEVEL, float(bracket)),
        )
    )


def _axioma_w1(s: Snapshot) -> Frame:
    """The daily frame: the index at the log time (23 hours ago) and every hour since."""
    return Frame(
        readings=tuple(
            DecodedReading(Quantity.WATER_VOLUME, shown, Kind.CUMULATIVE, at=t)
            for t, _index, shown in s.history
        )
    )


def _elvaco_cmi4140(s: Snapshot) -> Frame:
    """A heat meter: index (kWh), the carrier's volume, power, flow and both temperatures.

    The water carries heat with a 20 K difference between flow and return (1 m3 = 23 kWh).
    """
    assert s.shown is not None and s.rate is not None
    power_kw = round(s.rate, 1)
    flow = round(power_kw / 23.2, 2)
    supply = round(55.0 + 15.0 * min(1.0, power_kw / 50), 2) if power_kw else 40.0
    volume = round(s.shown / 23.2, 2)
    return Frame(
        readings=(
            DecodedReading(Quantity.HEAT_ENERGY, float(s.shown), Kind.CUMULATIVE),
            DecodedReading(Quantity.HEAT_VOLUME, volume, Kind.CUMULATIVE),
            DecodedReading(Quantity.POWER, round(power_kw * 1000, 1), Kind.INSTANTANEOUS),
            DecodedReading(Quantity.FLOW, flow, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.FLOW_TEMPERATURE, supply, Kind.INSTANTANEOUS),
            DecodedReading(
                Quantity.RETURN_TEMPERATURE,
                round(supply - (20.0 if power_kw else 0.0), 2),
                Kind.INSTANTANEOUS,
            ),
        )
    )


def _watteco_batch(channel: str) -> Builder:
    """An nke Watteco pulse counter's batch report: the pulse register at each sample, aged from
    the report, and the battery at the report."""

    def build(s: Snapshot) -> Frame:
        assert s.pulse_history and s.battery_v is not None
        readings = [
            DecodedReading(
                Quantity.PULSE_COUNT,
                float(pulses),
                Kind.CUMULATIVE,
                channel,
                offset_s=round((t - s.ts).total_seconds()) or None,
            )
            for t, pulses in s.pulse_history
        ]
        readings.append(_r(Quantity.BATTERY_VOLTAGE, s.battery_v))
        return Frame(readings=tuple(readings))

    return build


def _adeunis_pulse4(s: Snapshot) -> Frame:
    assert s.pulses is not None
    return Frame(
        readings=(
            DecodedReading(Quantity.PULSE_COUNT, float(s.pulses), Kind.CUMULATIVE, "A", at=s.ts),
            DecodedReading(Quantity.PULSE_COUNT, 0.0, Kind.CUMULATIVE, "B", at=s.ts),
        )
    )


BUILDERS: Mapping[str, Builder] = MappingProxyType(
    {
        "netvox/r718h": _netvox_r718h,
        "milesight-iot/em300-di": _milesight_em300_di,
        "elsys/ers-co2": _elsys_ers_co2,
        "milesight-iot/am107": _milesight_am107,
        "adeunis/pulse-4": _adeunis_pulse4,
        "axioma/qalcosonic-w1": _axioma_w1,
        "elvaco/cmi4140": _elvaco_cmi4140,
        "laird/rs1xx-temp-rh-sensor": _laird_rs1xx,
        "watteco/flasho": _watteco_batch(""),
        "watteco/pulse-senso": _watteco_batch("1"),
    }
)

# Models that can report a tamper alarm, and the channel it is reported on.
TAMPER_CHANNELS: Mapping[str, str] = MappingProxyType({"adeunis/pulse-4": "A"})


def encode_tamper(model: str) -> tuple[int, bytes]:
    """The frame a device of ``model`` sends when it is tampered with."""
    spec = MODELS.get(model)
    channel = TAMPER_CHANNELS.get(model)
    if spec is None or spec.encode is None or channel is None:
        raise NoEncoder(f"the simulator cannot produce tamper alarms of model {model!r}")
    return spec.encode(Frame(alarms=(Alarm(AlarmKind.TAMPER, channel, "tamper"),)))


def encode_report(model: str, snapshot: Snapshot) -> tuple[int, bytes]:
    """The (port, payload) a device of ``model`` sends for this snapshot."""
    builder = BUILDERS.get(model)
    spec = MODELS.get(model)
    if builder is None or spec is None or spec.encode is None:
        raise NoEncoder(f"the simulator cannot produce frames of model {model!r}")
    try:
        return spec.encode(builder(snapshot))
    except EncodeError as exc:
        raise NoEncoder(f"{model}: {exc}") from exc
