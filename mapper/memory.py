"""Pause Python's cyclic garbage collector while building large graphs, then freeze them.

Building a snapshot or an actor graph allocates millions of dicts, lists and tuples, none of them
garbage. Each allocation burst triggers collections that walk every live object, which roughly
doubles the build time at 100k actors (bench/RESULTS.md). Reference counting still frees memory
while the collector is paused; it runs again when the outermost pause ends.

What was built is kept (the cached snapshot and analyses), so when the outermost pause ends after
a large build (FREEZE_AT objects), every live object is moved to the permanent generation
(`gc.freeze`): later full collections skip it.
Without that, each full collection walks the whole cached graph: 7.5 s at 100k actors, with the
server stalled, at random moments between writes. Frozen objects are still freed by reference
counting, but a frozen reference cycle is never freed, and a networkx graph is one (its cached
views point back at it). So whoever drops cached graphs calls `thaw()` first or right after: the
end of the next pause collects them before freezing again (once per write, not once per read).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "FREEZE_AT",
    "paused_gc",
    "thaw",
]

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_thawed = False  # since the last freeze: collect before freezing again
_freeze = False  # a pause asked to freeze what it built, whatever its size

# Freeze only after building this many objects in one pause (gc.get_count()[0]): small graphs
# cost the collector little, and freezing them would only add collections (once per write).
FREEZE_AT = 200_000


@contextmanager
def paused_gc(*, freeze: bool = False) -> Iterator[None]:
    """Disable the cyclic collector inside the block; nested and concurrent pauses share one.
    With `freeze`, the outermost pause freezes whatever it built, however little (what is built
    to be kept for long: a server's search index, the server itself once started).

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _depth, _was_enabled, _thawed, _freeze
    with _lock:
        _freeze = _freeze or freeze
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                built = gc.get_count()[0]
                if _thawed:  # dropped graphs wait as garbage: free them, don't freeze them
                    gc.collect()
                    _thawed = False
                if built >= FREEZE_AT or _freeze:
                    gc.freeze()
                _freeze = False
                if _was_enabled:
                    gc.enable()


def thaw() -> None:
    """Return frozen objects to the collector, so that dropped cached graphs are freed.

    >>> with paused_gc():
    ...     pass
    >>> thaw()
    >>> gc.get_freeze_count()
    0
    """
    global _thawed
    with _lock:
        if gc.get_freeze_count():
            gc.unfreeze()
            _thawed = True
