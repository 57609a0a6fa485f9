"""The cyclic garbage collector paused while one document is read and checked.

A tree is millions of small objects for a large Bundle (every `Node` points at its parent, so
trees are cycles). Python's collector, left running, re-traverses the growing tree again and
again while it is built and walked: at 10,000 Bundle entries about 40 % of the CPU time went to
it, and the share grows with the Bundle. Nothing in reading or validating one document needs
the collector (the tree is alive until the document is done), so it is paused per document and
resumed between documents, where it runs at its usual thresholds and frees the previous tree (or
finds nothing to do: `validate` and `check` release each finished tree, see `Node.release`).

Pauses nest and are counted, so threads of one process (Dask runs tasks on several) never leave
the collector off: it is resumed when the last pause ends, and only if it was on before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


def pause() -> None:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume() -> None:
    global _pauses
    with _lock:
        if _pauses == 0:
            return
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()


def per_document(documents: Iterable[T]) -> Iterator[T]:
    """Yield each document with the collector paused from the start of its reading until the
    consumer asks for the next one (or stops)."""
    it = iter(documents)
    while True:
        pause()
        try:
            try:
                item = next(it)
            except StopIteration:
                return
            yield item
        finally:
            resume()
