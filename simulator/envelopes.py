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
    out: list[dict[str, object]] = []
    for gw in fleet.gateways:
        d = _distance_m(
            site.latitude or gw.latitude, site.longitude or gw.longitude, gw.latitude, gw.longitude
        )
        fading = (noise(fleet.seed, device.dev_eui + gw.id, f_cnt) - 0.5) * 8
        rssi = -40 - 27 * math.log10(max(d, 10.0)) + fading - 15  # indoor meter rooms cost ~15 dB
        if rssi < -125:
            continue
        out.append(_rx(gw, rssi, min(10.0, (rssi + 120) / 3)))
    return out


def _rx(gw: GatewaySpec, rssi: float, snr: float) -> dict[str, object]:
    return {
        "gatewayId": gw.id,
        "uplinkId": 1,
        "rssi": round(rssi),
        "snr": round(snr, 1),
        "location": {"latitude": gw.latitude, "longitude": gw.longitude},
    }


def chirpstack_v4_up(
    fleet: Fleet,
    site: SiteSpec,
    device: DeviceSpec,
    *,
    ts: datetime,
    f_cnt: int,
    f_port: int,
    payload: bytes,
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
        "devAddr": device.dev_eui[-8:],
        "adr": True,
        "dr": 5,
        "fCnt": f_cnt,
        "fPort": f_port,
        "confirmed": False,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": rx,
        "txInfo": {
            "frequency": 868100000,
            "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}},
        },
        "regionConfigId": "eu868",
    }
    topic = f"application/{fleet.application_id}/device/{device.dev_eui}/event/up"
    return topic, orjson.dumps(body)
