"""Make the next batch of a bulk write while the database writes this one.

psycopg releases the GIL while it waits for the server, so a thread that
builds batch *n + 1* in Python while PostgreSQL stores batch *n* makes a bulk
load take about the longer of the two instead of their sum. The items are the
same and come in the same order; only one is made ahead.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")
_DONE = object()


def prefetched(items: Iterator[T], *, name: str = "citizencare-prefetch") -> Iterator[T]:
    """``items``, each made one ahead in a thread named ``name``.

    An exception of the producer is raised again here, at the item it failed
    on; leaving the loop early (an error in the consumer, a ``break``) stops
    the producer and waits for it.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Hand over ``item`` unless the consumer has gone; False if it has."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # raised again in the consumer
            offer(exc)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
