"""Network-server envelopes around simulated frames: what ChirpStack v4 publishes on MQTT."""

from __future__ import annotations

import base64
import math
import uuid
from datetime import datetime

import orjson

from simulator.fleet import DeviceSpec, Fleet, GatewaySpec, SiteSpec
from simulator.profiles import noise


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * 111_320
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def receptions(fleet: Fleet, site: SiteSpec, device: DeviceSpec, f_cnt: int) -> list[dict[str, object]]:
    """Gateways that hear the device, with RSSI/SNR falling with distance (log-distance model)."""
    heard: list[tuple[float, GatewaySpec]] = []
    for gw in fleet.gateways:
        lat, lon = site.latitude or gw.latitude, site.longitude or gw.longitude
        d = _distance_m(lat, lon, gw.latitude, gw.longitude)
        fading = (noise(fleet.seed, device.dev_eui + gw.id, f_cnt) - 0.5) * 8
        # Log-distance path loss at 868 MHz, plus ~8 dB for a meter in a basement or a cupboard.
        heard.append((-20 - 26 * math.log10(max(d, 10.0)) - 8 + fading, gw))
    heard.sort(key=lambda item: -item[0])
    # Gateways below the SF7 sensitivity miss the frame; the LNS only publishes frames someone heard.
    kept = [item for item in heard if item[0] >= -125] or heard[:1]
    return [_rx(gw, max(rssi, -125.0), max(-20.0, min(10.0, (rssi + 115) / 2))) for rssi, gw in kept]


def _rx(gw: GatewaySpec, rssi: float, snr: float) -> dict[str, object]:
    return {
        "gatewayId": gw.id,
        "uplinkId": 1,
        "rssi": round(rssi),
        "snr": round(snr, 1),
        "location": {"latitude": gw.latitude, "longitude": gw.longitude},
    }


def spreading_factor(rx: list[dict[str, object]]) -> int:
    """The data rate ADR would settle on for the best reception's RSSI."""
    best = max((float(r["rssi"]) for r in rx), default=-120.0)  # type: ignore[arg-type]
    return 7 if best > -105 else 9 if best > -112 else 12


def chirpstack_v4_up(
    fleet: Fleet,
    site: SiteSpec,
    device: DeviceSpec,
    *,
    ts: datetime,
    f_cnt: int,
    f_port: int,
    payload: bytes,
    dev_addr: str | None = None,
) -> tuple[str, bytes]:
    """Topic and JSON body of a ChirpStack v4 ``up`` event (pbjson style: camelCase, base64 data)."""
    rx = receptions(fleet, site, device, f_cnt)
    dedup = uuid.UUID(int=int.from_bytes(bytes.fromhex(device.dev_eui) + f_cnt.to_bytes(8, "big"), "big"))
    body = {
        "deduplicationId": str(dedup),
        "time": ts.isoformat(),
        "deviceInfo": {
            "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
            "tenantName": "Commune",
            "applicationId": fleet.application_id,
            "applicationName": "compteurs",
            "deviceProfileId": "b4f2a6b8-6a4a-4d8c-8d5e-3f2a1c9e0b11",
            "deviceProfileName": device.model,
            "deviceName": device.name,
            "devEui": device.dev_eui,
            "deviceClassEnabled": "CLASS_A",
            "tags": {},
        },
        "devAddr": dev_addr or device.dev_eui[-8:],
        "adr": True,
        "dr": 12 - spreading_factor(rx),
        "fCnt": f_cnt,
        "fPort": f_port,
        "confirmed": False,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": rx,
        "txInfo": {
            "frequency": 868100000,
            "modulation": {
                "lora": {"bandwidth": 125000, "spreadingFactor": spreading_factor(rx), "codeRate": "CR_4_5"}
            },
        },
        "regionConfigId": "eu868",
    }
    topic = f"application/{fleet.application_id}/device/{device.dev_eui}/event/up"
    return topic, orjson.dumps(body)


def chirpstack_v4_protobuf(topic: str, json_body: bytes) -> tuple[str, bytes]:
    """The same uplink with ChirpStack's Protobuf marshaler (``json=false``)."""
    from chirpstack_api import integration
    from google.protobuf import json_format

    message = json_format.Parse(json_body, integration.UplinkEvent(), ignore_unknown_fields=True)
    body: bytes = message.SerializeToString()
    return topic, body


def chirpstack_v3_up(
    fleet: Fleet,
    site: SiteSpec,
    device: DeviceSpec,
    *,
    ts: datetime,
    f_cnt: int,
    f_port: int,
    payload: bytes,
    dev_addr: str | None = None,
) -> tuple[str, bytes]:
    """A ChirpStack v3 application-server ``up`` event (json_v3 marshaler: hex identifiers)."""
    rx = receptions(fleet, site, device, f_cnt)
    body = {
        "applicationID": "1",
        "applicationName": "compteurs",
        "deviceName": device.name,
        "devEUI": device.dev_eui,
        "rxInfo": [
            {
                "gatewayID": r["gatewayId"],
                "time": ts.isoformat(),
                "rssi": r["rssi"],
                "loRaSNR": r["snr"],
                "location": {"latitude": r["location"]["latitude"], "longitude": r["location"]["longitude"]},  # type: ignore[index]
            }
            for r in rx
        ],
        "txInfo": {"frequency": 868100000, "dr": 12 - spreading_factor(rx)},
        "adr": True,
        "fCnt": f_cnt,
        "fPort": f_port,
        "data": base64.b64encode(payload).decode(),
        "devAddr": dev_addr or device.dev_eui[-8:],
        "publishedAt": ts.isoformat(),
    }
    return f"application/1/device/{device.dev_eui}/event/up", orjson.dumps(body)


def tts_v3_up(
    fleet: Fleet,
    site: SiteSpec,
    device: DeviceSpec,
    *,
    ts: datetime,
    f_cnt: int,
    f_port: int,
    payload: bytes,
    dev_addr: str | None = None,
) -> tuple[str, bytes]:
    """A The Things Stack v3 ``up`` message (zero values omitted, as TTS does)."""
    rx = receptions(fleet, site, device, f_cnt)
    uplink: dict[str, object] = {
        "frm_payload": base64.b64encode(payload).decode(),
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": f"eui-{r['gatewayId']}", "eui": str(r["gatewayId"]).upper()},
                "time": ts.isoformat(),
                "rssi": r["rssi"],
                "snr": r["snr"],
            }
            for r in rx
        ],
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
            "frequency": "868100000",
        },
        "received_at": ts.isoformat(),
    }
    if f_port:
        uplink["f_port"] = f_port
    if f_cnt:
        uplink["f_cnt"] = f_cnt
    body = {
        "end_device_ids": {
            "device_id": f"eui-{device.dev_eui}",
            "application_ids": {"application_id": "compteurs"},
            "dev_eui": device.dev_eui.upper(),
            "dev_addr": (dev_addr or device.dev_eui[-8:]).upper(),
        },
        "correlation_ids": [f"as:up:{device.dev_eui}{f_cnt:010d}"],
        "received_at": ts.isoformat(),
        "uplink_message": uplink,
    }
    return f"v3/compteurs@ttn/devices/eui-{device.dev_eui}/up", orjson.dumps(body)
