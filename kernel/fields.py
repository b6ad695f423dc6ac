"""Sizes and characters of what people type: names, free text, tags.

One set of rules for every write path (the API's schemas, the device CSV import, the import of
an export archive, the command line), so that a name the API refuses is refused by the CSV dry
run too, with the line and the reason. Text is one line of printable characters: control
characters (NUL, tab, line feeds, DEL...), unpaired surrogates, line and paragraph separators and
the bidirectional overrides that make a name read otherwise than it is stored are refused.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Final

# The lengths are the registry's columns (registry/schema.py): PostgreSQL enforces them.
NAME_MAX: Final = 200
"""A device's, a site's or a key's name; who operates a device."""
TEXT_MAX: Final = 300
"""An address, a device's purpose."""
NOTE_MAX: Final = 500
"""A note (a meter replacement's, an erasure's)."""
LABEL_MAX: Final = 120
"""A metering point."""
SHORT_MAX: Final = 64
"""A site's use."""
TAGS_MAX: Final = 50
TAG_KEY_MAX: Final = 64
TAG_VALUE_MAX: Final = 200
# A device's tags are written "key=value;key=value" in the CSV: those separators stay out.
TAG_KEY_FORBIDDEN: Final = "=;"
TAG_VALUE_FORBIDDEN: Final = ";"

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_characters(value: str) -> str:
    """``value`` if it is one line of printable text; ValueError naming the first bad character."""
    for position, char in enumerate(value, 1):
        if char in _BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise ValueError(
                f"character U+{ord(char):04X} ({unicodedata.name(char, 'control')}) at position "
                f"{position} is not allowed: text is one line of printable characters"
            )
    return value


def check_text(value: str, field: str, max_length: int) -> str:
    """``value`` if it fits ``max_length`` characters and ``check_characters``; else ValueError
    starting with the field's name."""
    if len(value) > max_length:
        raise ValueError(f"{field}: at most {max_length} characters, got {len(value)}")
    try:
        return check_characters(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """A device's tags, if there are at most ``TAGS_MAX`` of them with keys and values in bounds."""
    if len(tags) > TAGS_MAX:
        raise ValueError(f"tags: at most {TAGS_MAX} tags, got {len(tags)}")
    for key, value in tags.items():
        if not key:
            raise ValueError("tags: a tag needs a key")
        check_text(key, f"tags: key {key[:20]!r}", TAG_KEY_MAX)
        check_text(value, f"tags: value of {key!r}", TAG_VALUE_MAX)
        if any(c in TAG_KEY_FORBIDDEN for c in key):
            raise ValueError(f"tags: key {key!r} contains '=' or ';' (the CSV's separators)")
        if any(c in TAG_VALUE_FORBIDDEN for c in value):
            raise ValueError(f"tags: value of {key!r} contains ';' (the CSV's separator)")
    return dict(tags)
