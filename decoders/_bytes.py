"""A bounds-checked reader over a frame's bytes: a short frame raises BadLength, never IndexError."""

from __future__ import annotations

from decoders.errors import BadLength


class Reader:
    """Sequential reader; every read checks that the frame still holds the bytes it needs."""

    __slots__ = ("_data", "_pos", "_what")

    def __init__(self, data: bytes, what: str = "frame") -> None:
        self._data = data
        self._pos = 0
        self._what = what

    @property
    def pos(self) -> int:
        return self._pos

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise BadLength(
                f"{self._what}: needs {n} more byte(s) at offset {self._pos}, has {self.remaining}"
            )
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def uint(self, n: int, *, little: bool = False) -> int:
        return int.from_bytes(self.take(n), "little" if little else "big", signed=False)

    def sint(self, n: int, *, little: bool = False) -> int:
        return int.from_bytes(self.take(n), "little" if little else "big", signed=True)

    # The one- and two-byte reads, most of a frame's, index the bytes directly (a third of the
    # calls of ``uint``, ``take`` and ``int.from_bytes``); a short frame still raises in ``take``.

    def u8(self) -> int:
        pos = self._pos
        if pos >= len(self._data):
            self.take(1)
        self._pos = pos + 1
        return self._data[pos]

    def s8(self) -> int:
        value = self.u8()
        return value - 0x100 if value & 0x80 else value

    def u16be(self) -> int:
        pos, data = self._pos, self._data
        if pos + 2 > len(data):
            self.take(2)
        self._pos = pos + 2
        return data[pos] << 8 | data[pos + 1]

    def s16be(self) -> int:
        value = self.u16be()
        return value - 0x10000 if value & 0x8000 else value

    def u16le(self) -> int:
        pos, data = self._pos, self._data
        if pos + 2 > len(data):
            self.take(2)
        self._pos = pos + 2
        return data[pos + 1] << 8 | data[pos]

    def s16le(self) -> int:
        value = self.u16le()
        return value - 0x10000 if value & 0x8000 else value

    def u32be(self) -> int:
        return self.uint(4)

    def s32be(self) -> int:
        return self.sint(4)

    def u32le(self) -> int:
        return self.uint(4, little=True)

    def s32le(self) -> int:
        return self.sint(4, little=True)


def require_length(data: bytes, what: str, *, exact: int | None = None, minimum: int | None = None) -> None:
    """Raise BadLength unless ``data`` has exactly ``exact`` or at least ``minimum`` bytes."""
    if exact is not None and len(data) != exact:
        raise BadLength(f"{what}: expected {exact} bytes, got {len(data)}")
    if minimum is not None and len(data) < minimum:
        raise BadLength(f"{what}: expected at least {minimum} bytes, got {len(data)}")
