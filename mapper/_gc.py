"""Pause Python's cyclic garbage collector while building large graphs.

Building a snapshot or an actor graph allocates millions of dicts, lists and tuples, none of them
garbage. Each allocation burst triggers collections that walk every live object, which roughly
doubles the build time at 100k actors (bench/RESULTS.md). Reference counting still frees memory
while the collector is paused; it runs again when the outermost pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block; nested and concurrent pauses share one.

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
