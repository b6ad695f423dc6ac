"""nke Watteco sensors: metering interfaces (Flash'O, Pulse Sens'O, Intens'O, Press'O,
Triphas'O, Smart Plug) and comfort sensors (TH, Clim'O, Hygro/Temp'O, Atm'O, Vaqa'O, Ventil'O).

Formats: nke Watteco's public support documentation (support.watteco.com: "ZCL frame format",
"batch", one page per cluster and per product) and the TTN Device Repository codecs
``vendor/watteco/<model>.js`` with their per-model batch parameters (also published by the vendor
as Watteco/Codec-API-LoRaWAN ``devices/<model>/<model>.js``). Every uplink uses port 125. Bit 0
of the first byte tells a *standard* report (one ZCL attribute, ``_zcl``) from a compressed
*batch* report (several series of samples, each sample with its own age, ``_watteco_batch``).
What each cluster measures is in ``_watteco_clusters``.

Per model, a batch report's labels are the firmware's (``BatchPoint``): label number, sample type,
resolution of the differences, and the divisor from the raw value to releve's unit (0.01 degC
temperatures: 100; mV battery voltages: 1000). A batch sample's age becomes the reading's
``offset_s``; the sample taken as the frame left has none.

The Flash'O and Pulse Sens'O count pulses (LED flashes of an electricity meter, reed or
open-collector pulses of water and gas meters): the count is ``pulse_count``, the pulse weight
(1 Wh per flash on a meter marked 1000 imp/kWh, as Linky and most French electronic meters are;
10 L per pulse on many water meters) is each device's registry setting, never assumed here.

A report sent with the alarm command (0x8A) whose cause is a threshold configured as an alarm
becomes a releve alarm where one fits (temperature high/low, over/under current or voltage, low
battery); every report's causes are kept in the frame's info.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from decoders.model import Frame, Quantity
from decoders.spec import DecodeFn, EncodeFn, ModelSpec
from decoders.vendors._watteco_batch import Label, SampleType
from decoders.vendors._watteco_clusters import Point, Points
from decoders.vendors._watteco_codec import PORT, BatchPoint, Profile, decode_profile, encode_profile

Q = Quantity
T = SampleType


# --- models --------------------------------------------------------------------------------------

COUNT, INPUT, MULTI_INPUT, ANALOG = (0x000F, 0x0402), (0x000F, 0x0055), (0x8005, 0x0000), (0x000C, 0x0055)
TEMP, HUM, PRESS, LUX, OCC = (0x0402, 0), (0x0405, 0), (0x0403, 0), (0x0400, 0), (0x0406, 0)
CONC, DIFF, ON_OFF = (0x800C, 0), (0x8008, 0), (0x0006, 0)
METERING, QUALITY, ENERGY_POWER, VOLT_AMP = (0x0052, 0), (0x8052, 0), (0x800A, 0), (0x800B, 0)
MULTI_ENERGY, MULTI_POWER, MULTI_VOLT_AMP = (0x8010, 0), (0x8010, 1), (0x800D, 0)
_ENERGIES = (Q.ENERGY_IMPORT, Q.ENERGY_EXPORT, Q.REACTIVE_ENERGY_IMPORT, Q.REACTIVE_ENERGY_EXPORT)
# What the clusters of several values add beyond their Point's quantity.
_CLUSTER_QUANTITIES: Mapping[int, frozenset[Quantity]] = {
    0x800A: frozenset({*_ENERGIES, Q.POWER}),
    0x800B: frozenset({Q.VOLTAGE, Q.CURRENT}),
    0x800D: frozenset({Q.VOLTAGE, Q.CURRENT}),
    0x0052: frozenset({Q.ENERGY_IMPORT, Q.POWER}),
    0x8052: frozenset({Q.FREQUENCY, Q.VOLTAGE}),
    0x0054: frozenset({Q.ENERGY_IMPORT, Q.CURRENT, Q.APPARENT_POWER}),
    0x0056: frozenset({Q.ENERGY_IMPORT, Q.ENERGY_EXPORT, Q.CURRENT, Q.VOLTAGE, Q.APPARENT_POWER}),
}
CASE = Point(Q.DIGITAL_INPUT, "case", "case_open")
PointEntry = tuple[tuple[int, int], int, Point]


def _pt(
    key: tuple[int, int], endpoint: int, quantity: Quantity | None, channel: str = "", **kw: Any
) -> PointEntry:
    return key, endpoint, Point(quantity, channel, **kw)


def _points(*entries: PointEntry) -> Points:
    return {(key[0], key[1], endpoint): point for key, endpoint, point in entries}


def _lb(
    number: int,
    kind: SampleType,
    resolution: float,
    quantity: Quantity | None,
    channel: str = "",
    divide: float = 1,
    name: str = "",
) -> BatchPoint:
    return BatchPoint(Label(number, kind, resolution), Point(quantity, channel, name), divide)


def _labels(*entries: BatchPoint) -> dict[int, BatchPoint]:
    return {b.label.number: b for b in entries}


def _battery(number: int, resolution: float = 100) -> BatchPoint:
    return _lb(number, T.U16, resolution, Q.BATTERY_VOLTAGE, divide=1000)


def _source(product: str, ttn_model: str) -> str:
    return f"nke Watteco {product} user guide (support.watteco.com); TTN vendor/watteco/{ttn_model}.js"


def _pulse_senso(model: str, name: str, product: str) -> Profile:
    inputs = ("1", "2", "3")
    points = _points(
        *(_pt(COUNT, i, Q.PULSE_COUNT, ch) for i, ch in enumerate(inputs)),
        *(_pt(INPUT, i, Q.DIGITAL_INPUT, ch) for i, ch in enumerate(inputs)),
        _pt(MULTI_INPUT, 0, Q.DIGITAL_INPUT, inputs=3),
    )
    labels = _labels(
        *(_lb(i, T.U32, 1, Q.PULSE_COUNT, ch) for i, ch in enumerate(inputs)),
        *(_lb(3 + i, T.BOOL, 1, Q.DIGITAL_INPUT, ch) for i, ch in enumerate(inputs)),
        _battery(6),
        _lb(7, T.U16, 1, None, divide=100, name="multi_state"),
    )
    return Profile(model, name, _source(product, model.split("/")[1]), points, 4, labels)


def _th(model: str, name: str, product: str) -> Profile:
    """The temperature and humidity sensors of TH's firmware (a case switch on input 0)."""
    points = _points(
        _pt(TEMP, 0, Q.TEMPERATURE),
        _pt(HUM, 0, Q.HUMIDITY),
        (INPUT, 0, CASE),
        _pt(COUNT, 0, None, name="case_openings"),
    )
    labels = _labels(
        _lb(0, T.I16, 10, Q.TEMPERATURE, divide=100),
        _lb(1, T.U16, 100, Q.HUMIDITY, divide=100),
        _lb(2, T.U16, 1, Q.BATTERY_VOLTAGE, divide=1000),
        BatchPoint(Label(3, T.BOOL), CASE),
    )
    return Profile(model, name, _source(product, model.split("/")[1]), points, 2, labels)


def _temperature(
    model: str, name: str, product: str, tag_bits: int, battery: BatchPoint | None, probes: int = 1
) -> Profile:
    """Temperature sensors; the Temp'O alone has TH's case switch on input 0."""
    channels = ("1", "2") if probes == 2 else ("",)
    case = [(INPUT, 0, CASE)] if model == "watteco/tempo" else []
    points = _points(*(_pt(TEMP, i, Q.TEMPERATURE, ch) for i, ch in enumerate(channels)), *case)
    labels = _labels(*(_lb(i, T.I16, 10, Q.TEMPERATURE, ch, divide=100) for i, ch in enumerate(channels)))
    if battery is not None:
        labels[battery.label.number] = battery
    return Profile(model, name, _source(product, model.split("/")[1]), points, tag_bits, labels)


def _vaqao(model: str, name: str) -> Profile:
    points = _points(
        _pt(OCC, 0, Q.OCCUPANCY),
        _pt(TEMP, 0, Q.TEMPERATURE),
        _pt(TEMP, 1, Q.TEMPERATURE, "2"),
        _pt(HUM, 0, Q.HUMIDITY),
        _pt(HUM, 1, Q.HUMIDITY, "2"),
        _pt(CONC, 0, None, name="air_quality_index"),
        _pt(CONC, 1, Q.CO2),
        _pt(LUX, 0, Q.ILLUMINANCE),
        _pt(PRESS, 0, Q.PRESSURE),
        (INPUT, 0, CASE),
    )
    labels = _labels(
        _lb(0, T.U8, 1, Q.OCCUPANCY),
        _lb(1, T.I16, 10, Q.TEMPERATURE, divide=100),
        _lb(2, T.U16, 100, Q.HUMIDITY, divide=100),
        _lb(3, T.U16, 10, Q.CO2),
        _lb(4, T.U16, 10, None, name="air_quality_index"),
        _lb(5, T.U16, 10, Q.ILLUMINANCE),
        _lb(6, T.U16, 10, Q.PRESSURE, divide=10),
    )
    source = _source("Vaqa'O / Vaqa'O Lite", "vaqao-lite") + " (the codec of every Vaqa'O model)"
    return Profile(model, name, source, points, 3, labels)


_PHASES = ("L1", "L2", "L3")
_PROFILES: tuple[Profile, ...] = (
    Profile(
        "watteco/flasho",
        "nke Watteco Flash'O optical pulse reader (meter LED)",
        _source("Flash'O (50-70-071)", "flasho"),
        _points(_pt(COUNT, 0, Q.PULSE_COUNT), _pt(INPUT, 0, Q.DIGITAL_INPUT)),
        1,
        _labels(_lb(0, T.U32, 1, Q.PULSE_COUNT), _battery(1)),
    ),
    _pulse_senso(
        "watteco/pulse-senso",
        "nke Watteco Pulse Sens'O pulse interface (3 inputs: water, gas, electricity meters)",
        "Pulse Sens'O (50-70-014)",
    ),
    _pulse_senso(
        "watteco/pulse-senso-atex",
        "nke Watteco Pulse Sens'O ATEX pulse interface (gas meters)",
        "Pulse Sens'O ATEX",
    ),
    Profile(
        "watteco/intenso",
        "nke Watteco Intens'O current sensor (clamp, Irms)",
        _source("Intens'O", "intenso"),
        _points(_pt(ANALOG, 0, Q.CURRENT)),
        2,
        _labels(_lb(0, T.FLOAT, 0.1, Q.CURRENT), _battery(1)),
    ),
    Profile(
        "watteco/presso",
        "nke Watteco Press'O analog interface (4-20 mA and 0-10 V inputs, pulse input)",
        _source("Press'O", "presso"),
        _points(
            _pt(ANALOG, 0, Q.CURRENT, "4-20mA", scale=0.001),
            _pt(ANALOG, 1, Q.VOLTAGE, "0-10V"),
            _pt(COUNT, 0, Q.PULSE_COUNT),
            _pt(INPUT, 0, Q.DIGITAL_INPUT),
        ),
        3,
        _labels(
            _lb(0, T.FLOAT, 0.004, Q.CURRENT, "4-20mA", divide=1000),
            _lb(1, T.FLOAT, 1, Q.VOLTAGE, "0-10V"),
            _battery(2),
            _lb(3, T.U16, 100, None, divide=1000, name="external_power_voltage"),
            _lb(4, T.U32, 1, Q.PULSE_COUNT),
        ),
    ),
    Profile(
        "watteco/triphaso",
        "nke Watteco Triphas'O three-phase energy meter (current transformers)",
        _source("Triphas'O", "triphaso"),
        _points(
            *(_pt(ENERGY_POWER, i, None, ch) for i, ch in enumerate((*_PHASES, ""))),
            *(_pt(VOLT_AMP, i, None, ch) for i, ch in enumerate(_PHASES)),
            _pt(MULTI_ENERGY, 0, None),
            _pt(MULTI_POWER, 0, None),
            _pt(MULTI_VOLT_AMP, 0, None),
            _pt(ON_OFF, 0, Q.SWITCH_STATE),
            _pt(COUNT, 0, Q.PULSE_COUNT),
            _pt(INPUT, 0, Q.DIGITAL_INPUT),
        ),
    ),
    Profile(
        "watteco/smartplug",
        "nke Watteco Smart Plug (relay with energy and voltage metering)",
        _source("Smart Plug", "smartplug"),
        _points(
            _pt(ON_OFF, 0, Q.SWITCH_STATE),
            *(_pt(cluster, endpoint, None) for cluster in (METERING, QUALITY) for endpoint in (0, 1)),
        ),
        1,
        _labels(_lb(0, T.I24, 1, Q.ENERGY_IMPORT, divide=1000)),
    ),
    Profile(
        "watteco/ticso",
        "nke Watteco TIC'O teleinformation reader (CBE, Linky historical and standard TIC)",
        _source("TIC'O", "ticso") + "; nke Watteco TIC application layer description 1.2",
        _points(
            *(_pt(METERING, endpoint, None) for endpoint in (0, 1)),
            *(_pt((cluster, 0), 0, None) for cluster in (0x0053, 0x0054, 0x0055, 0x0056, 0x0057)),
        ),
    ),
    _th("watteco/th-sensor", "nke Watteco TH indoor temperature and humidity sensor", "TH (50-70-053)"),
    _th("watteco/indoor-temperature-humidity", "nke Watteco indoor temperature and humidity sensor", "TH"),
    _th("watteco/climo", "nke Watteco Clim'O indoor temperature and humidity sensor", "Clim'O (50-70-247)"),
    _th("watteco/hygrotempo", "nke Watteco Hygro Temp'O temperature and humidity sensor", "HygroTemp'O"),
    _th(
        "watteco/hygrotempo-remote",
        "nke Watteco Hygro Temp'O with a remote temperature and humidity probe",
        "HygroTemp'O remote probe",
    ),
    _temperature(
        "watteco/indoor-temperature",
        "nke Watteco T indoor temperature sensor",
        "T (50-70-085)",
        2,
        _lb(2, T.U16, 1, Q.BATTERY_VOLTAGE, divide=1000),
    ),
    _temperature("watteco/tempo", "nke Watteco Temp'O temperature sensor", "Temp'O (50-70-231)", 2, None),
    _temperature(
        "watteco/tempo-remote-1-probe",
        "nke Watteco Remote T temperature sensor (1 remote probe)",
        "Remote T",
        1,
        _battery(1),
    ),
    _temperature(
        "watteco/tempo-remote-2-probes",
        "nke Watteco Remote T temperature sensor (2 remote probes)",
        "Remote T (2 probes)",
        3,
        _battery(5),
        probes=2,
    ),
    _temperature(
        "watteco/tempo-outdoor",
        "nke Watteco Temp'O outdoor temperature sensor",
        "Temp'O Outdoor",
        3,
        _battery(5),
    ),
    Profile(
        "watteco/atmo",
        "nke Watteco Atm'O temperature, humidity and pressure sensor (2 pulse inputs)",
        _source("Atm'O", "atmo"),
        _points(
            _pt(TEMP, 0, Q.TEMPERATURE),
            _pt(HUM, 0, Q.HUMIDITY),
            _pt(PRESS, 0, Q.PRESSURE),
            *(_pt(COUNT, i, Q.PULSE_COUNT, ch) for i, ch in enumerate(("1", "2"))),
            *(_pt(INPUT, i, Q.DIGITAL_INPUT, ch) for i, ch in enumerate(("1", "2"))),
        ),
        3,
        _labels(
            _lb(0, T.I16, 1, Q.TEMPERATURE, divide=100),
            _lb(1, T.U16, 1, Q.HUMIDITY, divide=100),
            _lb(2, T.I16, 1, Q.PRESSURE),
            _lb(3, T.U32, 1, Q.PULSE_COUNT, "1"),
            _lb(4, T.U32, 1, Q.PULSE_COUNT, "2"),
            _lb(5, T.U16, 1, Q.BATTERY_VOLTAGE, divide=1000),
        ),
    ),
    _vaqao("watteco/vaqao", "nke Watteco Vaqa'O indoor air quality sensor (CO2, temperature, humidity)"),
    _vaqao("watteco/vaqao-lite", "nke Watteco Vaqa'O Lite indoor air quality sensor"),
    _vaqao(
        "watteco/vaqao-plus", "nke Watteco Vaqa'O Plus indoor air quality sensor (CO2, IAQ, light, motion)"
    ),
    _vaqao("watteco/vaqao-plus-lite", "nke Watteco Vaqa'O Plus Lite indoor air quality sensor"),
    _vaqao("watteco/vaqao-multi-lite", "nke Watteco Vaqa'O Multi Lite indoor air quality sensor"),
    Profile(
        "watteco/ventilo",
        "nke Watteco Ventil'O ventilation monitor (differential pressure, temperature)",
        _source("Ventil'O (50-70-101)", "ventilo"),
        _points(
            _pt(TEMP, 0, Q.TEMPERATURE),
            _pt(DIFF, 0, Q.PRESSURE, "differential", scale=0.01),
            _pt(COUNT, 0, Q.PULSE_COUNT),
            _pt(INPUT, 0, Q.DIGITAL_INPUT),
        ),
        3,
        _labels(
            _lb(0, T.I16, 1, Q.PRESSURE, "differential_mean", divide=100),
            _lb(1, T.I16, 1, Q.PRESSURE, "differential_min", divide=100),
            _lb(2, T.I16, 1, Q.PRESSURE, "differential_max", divide=100),
            _lb(3, T.U16, 1, Q.BATTERY_VOLTAGE, divide=1000),
            _lb(4, T.I16, 10, Q.TEMPERATURE, divide=100),
            _lb(5, T.I16, 1, Q.PRESSURE, "differential", divide=100),
            _lb(6, T.U32, 1, Q.PULSE_COUNT),
            _lb(7, T.BOOL, 1, Q.DIGITAL_INPUT),
        ),
    ),
)
_ENCODABLE = frozenset({"watteco/flasho", "watteco/pulse-senso", "watteco/pulse-senso-atex"})


def _quantities(profile: Profile) -> frozenset[Quantity]:
    found = {p.quantity for p in profile.points.values() if p.quantity is not None}
    found |= {b.point.quantity for b in profile.batch.values() if b.point.quantity is not None}
    for cluster, _attribute, _endpoint in profile.points:
        found |= _CLUSTER_QUANTITIES.get(cluster, frozenset())
    found.add(Q.BATTERY_VOLTAGE)  # the configuration cluster's power descriptor, on every model
    return frozenset(found)


def _spec(profile: Profile) -> ModelSpec:
    def decode(f_port: int, payload: bytes) -> Frame:
        return decode_profile(profile, f_port, payload)

    def encode(frame: Frame) -> tuple[int, bytes]:
        return encode_profile(profile, frame)

    encoder: EncodeFn | None = encode if profile.model_id in _ENCODABLE else None
    decoder: DecodeFn = decode
    return ModelSpec(
        model_id=profile.model_id,
        name=profile.name,
        decode=decoder,
        encode=encoder,
        quantities=_quantities(profile),
        datasheet=profile.datasheet,
        ports=frozenset({PORT}),
        # 2: a type of another layout than the attribute's, an on/off byte other than 0/1, a
        # second sample block of a label refused; occupancy is bit 0; TIC values in descriptor order
        version="2",
    )


PROFILES: Mapping[str, Profile] = {p.model_id: p for p in _PROFILES}
MODELS: tuple[ModelSpec, ...] = tuple(_spec(p) for p in _PROFILES)
