"""annals-api's responses as dataclasses, one per schema of its OpenAPI document (``GET /openapi.json``).

Field names are the schema's in snake case (``documentID`` → ``document_id``); a property the schema does not
require is ``None`` when absent; times are timezone-aware ``datetime`` values in UTC. Each ``from_json`` checks
the shape and raises ``ResponseFormatError`` naming the property that does not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Union

from .errors import ResponseFormatError

#: Any JSON value, as a story event's payload holds.
JSON = Union[None, bool, int, float, str, list["JSON"], dict[str, "JSON"]]

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$")


def parse_time(text: str, where: str = "time") -> datetime:
    """An RFC 3339 time (``2026-03-01T08:00:07.000123Z``) as an aware datetime in UTC (Python 3.10's
    ``fromisoformat`` takes neither ``Z`` nor every fraction length)."""
    match = _RFC3339.match(text)
    if match is None:
        raise ResponseFormatError(f"{where}: {text!r} is not an RFC 3339 time")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    offset = timezone.utc
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, offset)
    except ValueError as error:
        raise ResponseFormatError(f"{where}: {text!r} is not a valid time: {error}") from None
    return value.astimezone(timezone.utc)


class _Reader:
    """Typed access to one JSON object, naming the property path in every error."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, Mapping):
            raise ResponseFormatError(f"{where}: expected a JSON object, got {type(value).__name__}")
        self.value: Mapping[str, Any] = value
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.value:
            if required:
                raise ResponseFormatError(f"{self.where}.{key}: required property missing")
            return None
        return self.value[key]

    def string(self, key: str) -> str:
        value = self._get(key, True)
        if not isinstance(value, str):
            raise ResponseFormatError(f"{self.where}.{key}: expected a string, got {type(value).__name__}")
        return value

    def optional_string(self, key: str) -> str | None:
        return self.string(key) if self._get(key, False) is not None else None

    def integer(self, key: str) -> int:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResponseFormatError(f"{self.where}.{key}: expected an integer, got {type(value).__name__}")
        return value

    def optional_integer(self, key: str) -> int | None:
        return self.integer(key) if self._get(key, False) is not None else None

    def number(self, key: str) -> float:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ResponseFormatError(f"{self.where}.{key}: expected a number, got {type(value).__name__}")
        return float(value)

    def optional_number(self, key: str) -> float | None:
        return self.number(key) if self._get(key, False) is not None else None

    def boolean(self, key: str) -> bool:
        value = self._get(key, True)
        if not isinstance(value, bool):
            raise ResponseFormatError(f"{self.where}.{key}: expected a boolean, got {type(value).__name__}")
        return value

    def time(self, key: str) -> datetime:
        return parse_time(self.string(key), f"{self.where}.{key}")

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, True)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ResponseFormatError(f"{self.where}.{key}: expected an array of strings")
        return tuple(value)

    def string_map(self, key: str) -> dict[str, str]:
        value = self._get(key, True)
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ResponseFormatError(f"{self.where}.{key}: expected an object of strings")
        return dict(value)

    def integer_map(self, key: str) -> dict[str, int]:
        value = self._get(key, True)
        if not isinstance(value, Mapping) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                     for v in value.values()):
            raise ResponseFormatError(f"{self.where}.{key}: expected an object of integers")
        return dict(value)

    def objects(self, key: str) -> list[_Reader]:
        value = self._get(key, True)
        if not isinstance(value, list):
            raise ResponseFormatError(f"{self.where}.{key}: expected an array, got {type(value).__name__}")
        return [_Reader(item, f"{self.where}.{key}[{index}]") for index, item in enumerate(value)]

    def object(self, key: str) -> _Reader:
        return _Reader(self._get(key, True), f"{self.where}.{key}")

    def any(self, key: str) -> JSON:
        value: JSON = self._get(key, True)
        return value


@dataclass(frozen=True)
class WorldOverview:
    """A world the knowledge base or the story knows (``WorldOverview``)."""

    world_id: str
    documents: int
    story_events: int
    last_sequence: int | None

    @classmethod
    def from_json(cls, value: object, where: str = "world") -> WorldOverview:
        r = _Reader(value, where)
        return cls(r.string("worldID"), r.integer("documents"), r.integer("storyEvents"),
                   r.optional_integer("lastSequence"))


@dataclass(frozen=True)
class SearchHit:
    """One chunk a search found (``SearchHit``): best first, with its fused score and the ranks behind it."""

    document_id: str
    version: int
    ordinal: int
    title: str
    heading_path: tuple[str, ...]
    text: str
    score: float
    world_id: str | None
    vector_rank: int | None
    cosine_similarity: float | None
    text_rank: int | None
    text_score: float | None

    @classmethod
    def from_json(cls, value: object, where: str = "hit") -> SearchHit:
        r = _Reader(value, where)
        return cls(r.string("documentID"), r.integer("version"), r.integer("ordinal"), r.string("title"),
                   r.strings("headingPath"), r.string("text"), r.number("score"), r.optional_string("worldID"),
                   r.optional_integer("vectorRank"), r.optional_number("cosineSimilarity"),
                   r.optional_integer("textRank"), r.optional_number("textScore"))


@dataclass(frozen=True)
class SearchResults:
    """A search's answer (``SearchResults``); iterating it gives the hits, best first."""

    q: str
    k: int
    world: str | None
    hits: tuple[SearchHit, ...]
    #: Whether annals-api answered from its cache (``X-Annals-Cache: hit``).
    cached: bool = False

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    @classmethod
    def from_json(cls, value: object, cached: bool = False) -> SearchResults:
        r = _Reader(value, "search")
        return cls(r.string("q"), r.integer("k"), r.optional_string("world"),
                   tuple(SearchHit.from_json(h.value, h.where) for h in r.objects("hits")), cached)


@dataclass(frozen=True)
class DocumentChunk:
    """One chunk of a stored document (``DocumentChunk``)."""

    ordinal: int
    heading_path: tuple[str, ...]
    text: str
    token_count: int


@dataclass(frozen=True)
class Document:
    """A document's stored version (``Document``): PII already replaced by placeholders."""

    document_id: str
    version: int
    world_id: str | None
    title: str
    source: str
    content_hash: str
    tags: tuple[str, ...]
    pii_counts: dict[str, int]
    occurred_at: datetime
    chunks: tuple[DocumentChunk, ...]

    @classmethod
    def from_json(cls, value: object) -> Document:
        r = _Reader(value, "document")
        chunks = tuple(DocumentChunk(c.integer("ordinal"), c.strings("headingPath"), c.string("text"),
                                     c.integer("tokenCount")) for c in r.objects("chunks"))
        return cls(r.string("documentID"), r.integer("version"), r.optional_string("worldID"), r.string("title"),
                   r.string("source"), r.string("contentHash"), r.strings("tags"), r.integer_map("piiCounts"),
                   r.time("occurredAt"), chunks)


@dataclass(frozen=True)
class StoryEvent:
    """One event of a world's story as stored (``StoryEvent``)."""

    event_id: str
    sequence: int
    kind: str
    actors: tuple[str, ...]
    summary: str
    payload: JSON
    occurred_at: datetime
    producer: str

    @classmethod
    def from_json(cls, value: object, where: str = "event") -> StoryEvent:
        r = _Reader(value, where)
        return cls(r.string("eventID"), r.integer("sequence"), r.string("kind"), r.strings("actors"),
                   r.string("summary"), r.any("payload"), r.time("occurredAt"), r.string("producer"))


@dataclass(frozen=True)
class StoryPage:
    """A page of a world's story, oldest first (``StoryPage``); ``next_after`` is None on the last page."""

    world_id: str
    events: tuple[StoryEvent, ...]
    next_after: int | None

    @classmethod
    def from_json(cls, value: object) -> StoryPage:
        r = _Reader(value, "story")
        return cls(r.string("worldID"), tuple(StoryEvent.from_json(e.value, e.where) for e in r.objects("events")),
                   r.optional_integer("nextAfter"))


@dataclass(frozen=True)
class ConceptChange:
    """One change to a concept (``ConceptChange``): a document's declaration or a story event's patch. ``name``,
    ``kind`` and ``description`` are None where the change left them as they were; ``world`` is None for a
    global (document) change."""

    event_id: str
    occurred_at: datetime
    source: str
    attributes: dict[str, str]
    world: str | None
    name: str | None
    kind: str | None
    description: str | None

    @classmethod
    def from_json(cls, value: object, where: str = "change") -> ConceptChange:
        r = _Reader(value, where)
        return cls(r.string("eventID"), r.time("occurredAt"), r.string("source"), r.string_map("attributes"),
                   r.optional_string("world"), r.optional_string("name"), r.optional_string("kind"),
                   r.optional_string("description"))


@dataclass(frozen=True)
class ConceptHistory:
    """What a concept is now in a world's view, and every change that made it so, oldest first
    (``ConceptHistory``)."""

    concept_id: str
    world: str | None
    name: str
    kind: str
    description: str
    attributes: dict[str, str]
    changes: tuple[ConceptChange, ...]

    @classmethod
    def from_json(cls, value: object) -> ConceptHistory:
        r = _Reader(value, "concept")
        return cls(r.string("conceptID"), r.optional_string("world"), r.string("name"), r.string("kind"),
                   r.string("description"), r.string_map("attributes"),
                   tuple(ConceptChange.from_json(c.value, c.where) for c in r.objects("changes")))


@dataclass(frozen=True)
class ConceptEdge:
    """A relationship between two concepts (``ConceptEdge``); ``world_id`` None for a global one."""

    from_concept_id: str
    to_concept_id: str
    kind: str
    weight: float
    world_id: str | None


@dataclass(frozen=True)
class RelatedConcept:
    """A concept ``depth`` hops away, reached through ``via`` (``RelatedConcept``)."""

    concept_id: str
    depth: int
    via: ConceptEdge
    name: str | None
    kind: str | None


@dataclass(frozen=True)
class RelatedConcepts:
    """The concepts within ``depth`` hops of ``concept_id``, nearest first (``RelatedConcepts``)."""

    concept_id: str
    world: str | None
    depth: int
    related: tuple[RelatedConcept, ...]

    def __iter__(self) -> Iterator[RelatedConcept]:
        return iter(self.related)

    def __len__(self) -> int:
        return len(self.related)

    @classmethod
    def from_json(cls, value: object) -> RelatedConcepts:
        r = _Reader(value, "related")
        related = []
        for item in r.objects("related"):
            via = item.object("via")
            edge = ConceptEdge(via.string("fromConceptID"), via.string("toConceptID"), via.string("kind"),
                               via.number("weight"), via.optional_string("worldID"))
            related.append(RelatedConcept(item.string("conceptID"), item.integer("depth"), edge,
                                          item.optional_string("name"), item.optional_string("kind")))
        return cls(r.string("conceptID"), r.optional_string("world"), r.integer("depth"), tuple(related))


@dataclass(frozen=True)
class TierCapacity:
    """A GPU tier's capacity from its newest scale decision (``TierCapacity``)."""

    tier: str
    desired_capacity: int
    desired_spot: int
    desired_on_demand: int
    current_capacity: int
    reason: str
    policy_version: str
    decision_id: str
    decided_at: datetime

    @classmethod
    def from_json(cls, value: object, where: str = "tier") -> TierCapacity:
        r = _Reader(value, where)
        return cls(r.string("tier"), r.integer("desiredCapacity"), r.integer("desiredSpot"),
                   r.integer("desiredOnDemand"), r.integer("currentCapacity"), r.string("reason"),
                   r.string("policyVersion"), r.string("decisionID"), r.time("decidedAt"))


@dataclass(frozen=True)
class ScaleDecision:
    """A scale decision (``ScaleDecision``), with the rollup it was decided on where known."""

    decision_id: str
    tier: str
    current_capacity: int
    desired_capacity: int
    desired_spot: int
    desired_on_demand: int
    reason: str
    policy_version: str
    decided_at: datetime
    superseded: bool
    samples: int | None
    mean_gpu_utilization: float | None
    queue_depth: int | None
    latency_p95_seconds: float | None
    active_players: int | None

    @classmethod
    def from_json(cls, value: object, where: str = "decision") -> ScaleDecision:
        r = _Reader(value, where)
        return cls(r.string("decisionID"), r.string("tier"), r.integer("currentCapacity"),
                   r.integer("desiredCapacity"), r.integer("desiredSpot"), r.integer("desiredOnDemand"),
                   r.string("reason"), r.string("policyVersion"), r.time("decidedAt"), r.boolean("superseded"),
                   r.optional_integer("samples"), r.optional_number("meanGPUUtilization"),
                   r.optional_integer("queueDepth"), r.optional_number("latencyP95Seconds"),
                   r.optional_integer("activePlayers"))


def worlds_from_json(value: object) -> list[WorldOverview]:
    """``Worlds``: every world, by id."""
    return [WorldOverview.from_json(w.value, w.where) for w in _Reader(value, "worlds").objects("worlds")]


def capacity_from_json(value: object) -> list[TierCapacity]:
    """``Capacity``: each tier's capacity."""
    return [TierCapacity.from_json(t.value, t.where) for t in _Reader(value, "capacity").objects("tiers")]


def decisions_from_json(value: object) -> list[ScaleDecision]:
    """``Decisions``: scale decisions, newest first."""
    return [ScaleDecision.from_json(d.value, d.where) for d in _Reader(value, "decisions").objects("decisions")]
