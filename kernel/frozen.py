"""A faster ``__init__`` for the frozen, slotted dataclasses the bridge makes per uplink and reading.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``,
looked up again for every field: 2.1 us for a ten-field ``Reading`` against 0.8 us through each
slot's own descriptor. The bridge makes several such objects per uplink (the uplink as parsed
and as read back from the archive, each reading before and after its consumption delta), so
this was a tenth of its processor's time. ``quick_init`` replaces the generated ``__init__``
with one that sets the slots directly: same parameters, defaults and ``__post_init__``; the
class stays frozen (assignment still raises), and equality, hashing and ``replace`` are the
dataclass's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Give a ``@dataclass(frozen=True, slots=True)`` class the faster ``__init__`` (decorator,
    applied above ``@dataclass``). Fields with a ``default_factory`` or ``init=False`` are not
    supported (a ``TypeError``)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen, slotted dataclass")
    namespace: dict[str, Any] = {}
    args, body = [], []
    for n, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        if not f.init or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: quick_init takes plain fields and defaults")
        namespace[f"_set{n}"] = getattr(cls, f.name).__set__
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            namespace[f"_default{n}"] = f.default
            args.append(f"{f.name}=_default{n}")
        body.append(f"_set{n}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)  # from the class's own field names, as dataclasses builds its own
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
