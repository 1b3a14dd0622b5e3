"""What a producer declares about concepts and their relationships, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Concept:
    """A concept a document declares (a character, place, faction, item…), as of that document version."""

    concept_id: str
    name: str = ""
    kind: str = ""
    description: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConceptUpdate:
    """A story event's change to a concept in its world: a patch. Empty fields keep their value, and an attribute
    set to ``""`` is removed (e.g. ``ConceptUpdate("tamsin-ashe", attributes={"status": "dead", "rank": ""})``)."""

    concept_id: str
    name: str = ""
    kind: str = ""
    description: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Relationship:
    """A typed edge between two concepts (``weight`` 1.0 unless given, as ``annals ingest`` defaults it)."""

    from_concept_id: str
    to_concept_id: str
    kind: str
    weight: float = 1.0


@dataclass(frozen=True)
class RelationshipUpdate:
    """A story event's change to a relationship in its world: added (or re-weighted), or removed."""

    relationship: Relationship
    change: Literal["upsert", "remove"] = "upsert"

    @classmethod
    def upsert(cls, from_concept_id: str, to_concept_id: str, kind: str, weight: float = 1.0) -> RelationshipUpdate:
        """The relationship holds from now on in this world (with this weight)."""
        return cls(Relationship(from_concept_id, to_concept_id, kind, weight), "upsert")

    @classmethod
    def remove(cls, from_concept_id: str, to_concept_id: str, kind: str) -> RelationshipUpdate:
        """The relationship no longer holds in this world (hiding a global one there too)."""
        return cls(Relationship(from_concept_id, to_concept_id, kind), "remove")
