"""Where the vendors' own codecs come from at test time, and how they are run (Node.js).

No vendor code is in this repository. Two sources, both read when the tests run:

- The npm registry, for vendors that publish their codec there: Adeunis's own library
  ``@adeunis/codecs`` (pinned below), installed with ``npm`` into a cache directory. The TTN
  Device Repository's Adeunis codecs are builds of this library.
- A checkout of the TTN Device Repository (``TheThingsNetwork/lorawan-devices`` or a fork), for
  every other vendor: it is on no package registry, so the tests cannot fetch it; they read it
  from the directory named by ``RELEVE_TTN_DEVICES`` (a work tree, or a bare git directory whose
  ``HEAD`` is read). Without it those models are skipped, and the skip says why.
- For nke Watteco, whose codecs are on no package registry either (neither npm nor PyPI carries
  the JavaScript drivers; PyPI's ``codec-Watteco`` is a 2022 Python codec of standard reports only,
  without batch reports), a checkout of the vendor's own repository ``Watteco/Codec-API-LoRaWAN``
  named by ``RELEVE_WATTECO_CODECS``: its ``devices/<product>/main.js`` is the build the TTN
  Device Repository publishes as ``vendor/watteco/<model>.js``. Without it, Watteco models are
  run from the TTN checkout, which has them when it is recent enough.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RUNNER = Path(__file__).with_name("run_codec.js")
TTN_ENV = "RELEVE_TTN_DEVICES"
WATTECO_ENV = "RELEVE_WATTECO_CODECS"
ADEUNIS_PACKAGE = "@adeunis/codecs"
ADEUNIS_VERSION = "1.6.1"
_NODE_TIMEOUT_S = 300


class SourceMissing(Exception):
    """A vendor codec's source cannot be had here; the message says what is missing."""


@dataclass(frozen=True)
class Example:
    """A vendor's own example frame (its output is not used: the codec is run on it)."""

    f_port: int
    payload: bytes
    where: str


@dataclass(frozen=True)
class Codec:
    """How to run one model's vendor codec: the runner's arguments, and the vendor's examples."""

    argv: tuple[str, ...]
    examples: tuple[Example, ...]
    origin: str


def node() -> str:
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        raise SourceMissing("Node.js is not installed (./scripts/test installs the Debian package nodejs)")
    return found


def run(codec: Codec, frames: list[tuple[int, bytes]]) -> list[Any]:
    """The codec's output for each frame, in order; ``{"exception": ...}`` where it threw."""
    lines = "".join(json.dumps({"fPort": port, "bytes": list(data)}) + "\n" for port, data in frames)
    done = subprocess.run(
        [node(), str(RUNNER), *codec.argv],
        env={**os.environ, "TZ": "UTC"},
        input=lines,
        capture_output=True,
        text=True,
        timeout=_NODE_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{codec.origin}: the codec runner failed: {done.stderr.strip()[-2000:]}")
    out = [json.loads(line) for line in done.stdout.split("\n") if line.strip()]
    if len(out) != len(frames):
        raise RuntimeError(f"{codec.origin}: {len(frames)} frames in, {len(out)} outputs")
    return out


# --- npm: @adeunis/codecs ------------------------------------------------------------------------


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "releve" / "vendor-codecs"


def adeunis_library() -> Path:
    """The vendor's library, installed from npm once into the user's cache (pinned version)."""
    target = _cache_dir() / f"adeunis-codecs-{ADEUNIS_VERSION}"
    package = target / "node_modules" / "@adeunis" / "codecs"
    if (package / "package.json").exists():
        return package
    npm = shutil.which("npm")
    if npm is None:
        raise SourceMissing("npm is not installed (./scripts/test installs the Debian package npm)")
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(target),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            f"{ADEUNIS_PACKAGE}@{ADEUNIS_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not (package / "package.json").exists():
        raise RuntimeError(f"npm install {ADEUNIS_PACKAGE}@{ADEUNIS_VERSION} failed: {done.stderr[-2000:]}")
    return package


_SPEC_FRAME = re.compile(r"payloadString\s*=\s*'([0-9A-Fa-f]+)'")


def adeunis_codec(device_type: str, spec_dirs: tuple[str, ...]) -> Codec:
    """The library configured for one product, with the frames of its own unit tests as examples."""
    package = adeunis_library()
    examples = []
    for spec_dir in spec_dirs:
        for spec in sorted((package / "src" / "products" / spec_dir).glob("*.spec.ts")):
            for hexa in _SPEC_FRAME.findall(spec.read_text(encoding="utf-8")):
                where = f"{ADEUNIS_PACKAGE} {spec_dir}/{spec.name}"
                examples.append(Example(1, bytes.fromhex(hexa), where))
    return Codec(
        argv=("adeunis", str(package), device_type),
        examples=tuple(examples),
        origin=f"{ADEUNIS_PACKAGE}@{ADEUNIS_VERSION} ({device_type})",
    )


# --- a checkout of the TTN Device Repository -----------------------------------------------------


class TtnCheckout:
    """Files of a TTN Device Repository checkout: a work tree, or a git directory's HEAD."""

    def __init__(self, root: Path, scratch: Path) -> None:
        self.root = root
        self.scratch = scratch
        self.bare = not (root / "vendor").is_dir()
        if self.bare and not (root / "HEAD").exists():
            raise SourceMissing(f"{TTN_ENV}={root} is neither a work tree nor a git directory")

    @classmethod
    def from_env(cls) -> TtnCheckout:
        value = os.environ.get(TTN_ENV)
        if not value:
            raise SourceMissing(
                f"the TTN Device Repository is on no package registry: set {TTN_ENV} to a checkout "
                "of TheThingsNetwork/lorawan-devices (or a fork) to run the vendors' codecs"
            )
        return cls(Path(value), Path(tempfile.mkdtemp(prefix="releve-ttn-")))

    def read(self, path: str) -> str | None:
        if not self.bare:
            file = self.root / path
            return file.read_text(encoding="utf-8") if file.is_file() else None
        done = subprocess.run(
            ["git", "--git-dir", str(self.root), "show", f"HEAD:{path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout if done.returncode == 0 else None

    def revision(self) -> str:
        git = ["git", "--git-dir", str(self.root if self.bare else self.root / ".git")]
        done = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() or "work tree"

    def codec(self, model_id: str) -> Codec | None:
        """The uplink codec that the model's device file names, or None if the checkout has none."""
        vendor, device = model_id.split("/")
        device_yaml = self.read(f"vendor/{vendor}/{device}.yaml")
        if device_yaml is None:
            return None
        found = set(re.findall(r"codec:\s*['\"]?([\w.-]+)", device_yaml))
        names = sorted(found, key=lambda name: (name != f"{device}-codec", name))
        for name in names:
            codec_yaml = self.read(f"vendor/{vendor}/{name}.yaml")
            if codec_yaml is None:
                continue
            doc = yaml.safe_load(codec_yaml) or {}
            uplink = doc.get("uplinkDecoder") or {}
            file_name = uplink.get("fileName")
            source = self.read(f"vendor/{vendor}/{file_name}") if file_name else None
            if source is None:
                continue
            local = self.scratch / vendor / str(file_name)
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(source, encoding="utf-8")
            examples = tuple(
                Example(
                    int(ex["input"]["fPort"]),
                    bytes(ex["input"]["bytes"]),
                    f"{name}.yaml: {ex.get('description', '')}",
                )
                for ex in uplink.get("examples") or []
                if isinstance(ex.get("input", {}).get("bytes"), list)
            )
            return Codec(
                ("script", str(local)), examples, f"TTN vendor/{vendor}/{file_name} ({self.revision()})"
            )
        return None


# --- nke Watteco's own codec repository -----------------------------------------------------------

# releve (TTN) model -> the product folder of Watteco/Codec-API-LoRaWAN whose driver it runs: the
# Vaqa'O family shares one driver, and so do the TH-based sensors.
WATTECO_DEVICES = {
    "watteco/atmo": "atm'o",
    "watteco/climo": "clim'o",
    "watteco/flasho": "flash'o",
    "watteco/hygrotempo": "hygrotemp'o",
    "watteco/hygrotempo-remote": "hygrotemp'o_remote",
    "watteco/indoor-temperature": "indoor_temperature",
    "watteco/indoor-temperature-humidity": "th",
    "watteco/intenso": "intens'o",
    "watteco/presso": "press'o",
    "watteco/pulse-senso": "pulse_sens'o",
    "watteco/pulse-senso-atex": "pulse_sens'o_atex",
    "watteco/smartplug": "smartplug",
    "watteco/tempo": "temp'o",
    "watteco/tempo-outdoor": "temp'o_outdoor",
    "watteco/tempo-remote-1-probe": "temp'o_remote_1_probe",
    "watteco/tempo-remote-2-probes": "temp'o_remote_2_probes",
    "watteco/th-sensor": "th",
    "watteco/ticso": "tics'o",
    "watteco/triphaso": "triphas'o",
    "watteco/vaqao": "vaqa'o_lite",
    "watteco/vaqao-lite": "vaqa'o_lite",
    "watteco/vaqao-multi-lite": "vaqa'o_lite",
    "watteco/vaqao-plus": "vaqa'o_lite",
    "watteco/vaqao-plus-lite": "vaqa'o_lite",
    "watteco/ventilo": "ventil'o",
}


def watteco_codec(model_id: str) -> Codec | None:
    """The vendor's driver for a Watteco model from the checkout named by RELEVE_WATTECO_CODECS,
    with its examples; None when the variable is not set."""
    value = os.environ.get(WATTECO_ENV)
    if not value:
        return None
    folder = Path(value) / "devices" / WATTECO_DEVICES[model_id]
    driver = folder / "main.js"
    if not driver.is_file():
        raise SourceMissing(f"{WATTECO_ENV}={value}: no {driver.relative_to(value)}")
    examples = tuple(
        Example(
            int(ex["input"]["fPort"]),
            bytes.fromhex(ex["input"]["bytes"]),
            f"{folder.name}: {ex['description']}",
        )
        for ex in json.loads((folder / "examples.json").read_text(encoding="utf-8"))
        if ex.get("type", "uplink") == "uplink" and isinstance(ex.get("input", {}).get("bytes"), str)
    )
    done = subprocess.run(
        ["git", "-C", value, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    revision = done.stdout.strip() or "work tree"
    return Codec(
        ("script", str(driver)), examples, f"Watteco/Codec-API-LoRaWAN {folder.name}/main.js ({revision})"
    )
