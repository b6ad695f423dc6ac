"""The reviewed list: where a vendor codec is wrong and releve is right, each with its reason.

An entry names the model, says why the vendor's output is wrong, and corrects that output for
exactly the frames it concerns (``correct`` returns None for any other frame). The differential
test counts a difference as the vendor's error only when the corrected output agrees with releve;
any other difference fails. Keep the list short: an entry is a reviewed finding, not a waiver.
One module per vendor; nke Watteco's entries also ask the codec itself (``Probe``).
"""

from __future__ import annotations

from tests.differential import sources
from tests.differential.vendor_wrong import (
    adeunis,
    aquascope,
    arwin,
    elsys,
    elv,
    elvaco,
    enless,
    imst,
    laird,
    milesight,
    netvox,
    strega,
    talkpool,
    tektelic,
    watteco,
)
from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused
from tests.differential.vendor_wrong.watteco import PROBE_RULES, Probe, ProbeRule

RULES: dict[str, tuple[Rule, ...]] = {}
for _vendor in (
    adeunis,
    aquascope,
    arwin,
    elsys,
    elv,
    elvaco,
    enless,
    imst,
    laird,
    milesight,
    netvox,
    strega,
    talkpool,
    tektelic,
):
    RULES.update(_vendor.RULES)
RULES.update(watteco.rules(sorted(sources.WATTECO_DEVICES)))
# Models whose reviewed list asks the codec itself about a frame (``Probe``).
PROBED = frozenset(sources.WATTECO_DEVICES)

__all__ = [
    "PROBED",
    "PROBE_RULES",
    "RULES",
    "Correct",
    "Probe",
    "ProbeRule",
    "Rule",
    "data_of",
    "refused",
    "watteco",
]
