"""Keeping a world's story sequence: 1, 2, 3… with no gap and no repeat."""

from __future__ import annotations

import threading

from .knowledge_base import KnowledgeBase
from .validation import MAX_INT64


class WorldSequence:
    """Hands out the next sequence numbers of one world's story; thread-safe, no I/O after it is seeded.

    The contract: a world's sequence increases by one per event. The story worker stores every event whatever its
    sequence, but counts each gap or repeat in ``story.worlds.gap_count`` and records it in
    ``story.sequence_gaps``. So **one writer per world at a time**: the process publishing a world's events owns
    its counter. Seed it once when taking the world over (``WorldSequence.from_api``, after the previous writer's
    events are applied: the API shows only applied events), then count locally. Two processes must never each
    keep a counter for the same world; route a world's actions to one owner instead (by hashing the world id
    over the instances, as Kafka does with keys), or hand the world over with a lease and re-seed after taking it.

    A sequence handed out whose event then failed validation can be given back with ``release`` so the next
    event takes it; one whose event was sent but not delivered should be re-published with the same event id.
    """

    def __init__(self, world_id: str, last: int = 0) -> None:
        if last < 0 or last > MAX_INT64:
            raise ValueError(f"last must be between 0 and {MAX_INT64}, got {last}")
        self.world_id = world_id
        self._last = last
        self._lock = threading.Lock()

    @classmethod
    def from_api(cls, knowledge_base: KnowledgeBase, world_id: str) -> WorldSequence:
        """Seeded with the world's last applied sequence from annals-api (0 for a world with no story yet)."""
        overview = knowledge_base.world(world_id)
        last = overview.last_sequence if overview is not None and overview.last_sequence is not None else 0
        return cls(world_id, last)

    @property
    def last(self) -> int:
        """The last sequence handed out (or seeded)."""
        with self._lock:
            return self._last

    def next(self) -> int:
        """The next sequence: the last one plus one."""
        with self._lock:
            if self._last >= MAX_INT64:
                raise OverflowError(f"world {self.world_id} has used every sequence up to {MAX_INT64}")
            self._last += 1
            return self._last

    def release(self, sequence: int) -> bool:
        """Gives ``sequence`` back if it is the last one handed out (its event was never sent); returns whether
        it was."""
        with self._lock:
            if sequence == self._last and sequence > 0:
                self._last -= 1
                return True
            return False

    def observe(self, sequence: int) -> None:
        """Moves past ``sequence`` if it is ahead (an event of this world seen elsewhere); never moves back."""
        with self._lock:
            self._last = max(self._last, sequence)

    def __repr__(self) -> str:
        return f"WorldSequence({self.world_id!r}, last={self.last})"
