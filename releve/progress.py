"""Progress of the commands that can take minutes (reprocess, export, import): a bar on a
terminal (tqdm), on standard error, so that what a command prints on standard output stays
what a script reads; nothing but the final lines when standard error is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress(what: str, unit: str, total: int | None = None) -> Iterator[Callable[[int, int | None], None]]:
    """A bar for ``what``; the caller is given ``update(done, total)``."""
    from tqdm import tqdm  # here: the bridge's processes, which import the commands, draw no bar

    bar = tqdm(
        total=total, desc=what, unit=unit, file=sys.stderr, disable=None, leave=False, dynamic_ncols=True
    )

    def update(done: int, total: int | None = None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()
