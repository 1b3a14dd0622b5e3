"""Validation names the field and sends nothing, and refuses exactly what the Swift workers dead-letter."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from confluent_kafka import Producer

from annals_client import (Concept, ConceptUpdate, Problem, Publisher, Relationship, RelationshipUpdate,
                           ValidationError, validation)
from annals_client.proto import document_ingested_pb2, metric_sample_pb2, story_event_pb2
from conftest import Stack

NOW = datetime.now(timezone.utc)
LATER = NOW + timedelta(hours=2)


@pytest.fixture(scope="module")
def publisher(stack: Stack) -> Iterator[Publisher]:
    with Publisher(brokers=stack.brokers, producer="python-tests") as publisher:
        yield publisher


def story(**changes: Any) -> Callable[[Publisher], object]:
    arguments: dict[str, Any] = {"world_id": "w", "sequence": 1, "kind": "k", "summary": "s", **changes}
    return lambda p: p.story_event(**arguments)


def document(**changes: Any) -> Callable[[Publisher], object]:
    arguments: dict[str, Any] = {"document_id": "d", "version": 1, "title": "t", "content": "c", **changes}
    return lambda p: p.document(**arguments)


def sample(**changes: Any) -> Callable[[Publisher], object]:
    arguments: dict[str, Any] = {"tier": "gold", "instance_id": "i", **changes}
    return lambda p: p.metric_sample(**arguments)


CASES: list[tuple[str, Callable[[Publisher], object], str]] = [
    ("empty world", story(world_id=""), "world_id"),
    ("world with a newline", story(world_id="a\nb"), "world_id"),
    ("world with a C1 control", story(world_id="a\x85b"), "world_id"),
    ("world of 201 bytes", story(world_id="é" * 100 + "x"), "world_id"),
    ("sequence 0", story(sequence=0), "sequence"),
    ("negative sequence", story(sequence=-1), "sequence"),
    ("sequence past bigint", story(sequence=2**63), "sequence"),
    ("sequence not an integer", story(sequence=1.5), "sequence"),
    ("empty kind", story(kind=""), "kind"),
    ("NUL in the summary", story(summary="a\x00b"), "summary"),
    ("actors as one string", story(actors="tamsin"), "actors"),
    ("NaN in the payload", story(payload={"x": math.nan}), "payload.x"),
    ("infinity deep in the payload", story(payload={"a": [1, {"b": math.inf}]}), "payload.a[1].b"),
    ("integer a double cannot hold", story(payload={"big": 2**60}), "payload.big"),
    ("a set in the payload", story(payload={"s": {1, 2}}), "payload.s"),
    ("payload not an object", story(payload=[1, 2]), "payload"),
    ("empty concept id", story(concept_updates=[ConceptUpdate("")]), "concept_updates[0].concept_id"),
    ("NUL in an attribute", story(concept_updates=[ConceptUpdate("c", attributes={"k": "\x00"})]),
     "concept_updates[0].attributes['k']"),
    ("NaN weight", story(relationship_updates=[RelationshipUpdate.upsert("a", "b", "knows", math.nan)]),
     "relationship_updates[0].relationship.weight"),
    ("empty relationship kind", story(relationship_updates=[RelationshipUpdate.remove("a", "b", "")]),
     "relationship_updates[0].relationship.kind"),
    ("unknown change", story(relationship_updates=[RelationshipUpdate(Relationship("a", "b", "k"), "bogus")]),  # type: ignore[arg-type]
     "relationship_updates[0].change"),
    ("naive occurred_at", story(occurred_at=datetime(2026, 1, 1)), "meta.occurred_at"),
    ("occurred_at two hours ahead", story(occurred_at=LATER), "meta.occurred_at"),
    ("empty event id", story(event_id=""), "meta.event_id"),
    ("empty document id", document(document_id=""), "document_id"),
    ("version 0", document(version=0), "version"),
    ("version past bigint", document(version=2**63), "version"),
    ("world with a tab", document(world_id="a\tb"), "world_id"),
    ("empty declared concept", document(concepts=[Concept("")]), "concepts[0].concept_id"),
    ("relationship to nowhere", document(relationships=[Relationship("a", "", "k")]), "relationships[0].to_concept_id"),
    ("infinite weight", document(relationships=[Relationship("a", "b", "k", math.inf)]), "relationships[0].weight"),
    ("content over 1 MiB", document(content="x" * 1_048_577), "event"),
    ("NUL in the title", document(title="\x00"), "title"),
    ("unknown tier", sample(tier="platinum"), "tier"),
    ("empty instance", sample(instance_id=""), "instance_id"),
    ("GPU above 1", sample(gpu_utilization=1.5), "gpu_utilization"),
    ("GPU memory NaN", sample(gpu_memory_utilization=math.nan), "gpu_memory_utilization"),
    ("negative latency", sample(latency_p95_seconds=-0.1), "latency_p95_seconds"),
    ("infinite latency", sample(latency_p95_seconds=math.inf), "latency_p95_seconds"),
    ("negative queue", sample(queue_depth=-1), "queue_depth"),
    ("players as text", sample(active_players="12"), "active_players"),
    ("sampled two hours ahead", sample(sampled_at=LATER, occurred_at=NOW), "sampled_at"),
]


@pytest.mark.parametrize(("case", "publish", "field"), CASES, ids=[case[0] for case in CASES])
def test_an_invalid_event_is_refused_naming_the_field(publisher: Publisher, case: str,
                                                      publish: Callable[[Publisher], object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        publish(publisher)
    assert refused.value.field == field, refused.value.problems
    assert field in str(refused.value) and "nothing was sent" in str(refused.value)


def test_every_problem_is_listed_not_only_the_first(publisher: Publisher) -> None:
    with pytest.raises(ValidationError) as refused:
        publisher.story_event("", 0, "", "s", payload={"x": math.nan})
    assert sorted(p.field for p in refused.value.problems) == ["kind", "payload.x", "sequence", "world_id"]


def test_refusing_leaves_nothing_to_flush(publisher: Publisher) -> None:
    with pytest.raises(ValidationError):
        publisher.document("d", 0, "t", "c")
    publisher.flush(5)  # nothing was queued, so nothing can fail


# What the client refuses, sent raw with confluent-kafka: the workers dead-letter each one (naming the same field
# for contract rules).
def _meta(event: Any, event_id: str, occurred: datetime = NOW) -> None:
    event.meta.event_id = event_id
    event.meta.producer = "python-tests-raw"
    event.meta.occurred_at.FromDatetime(occurred)


def _raw_cases(unique: str) -> list[tuple[str, Any, str, str, str]]:
    """(topic, event, key, the field the client names, what the worker's dead letter says). The workers name the
    field for contract rules; PostgreSQL's refusals name a COPY column instead."""
    cases: list[tuple[str, Any, str, str, str]] = []
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-seq", sequence=0, kind="k", summary="s")
    _meta(e, f"raw-{unique}-1")
    cases.append(("story-event", e, e.world_id, "sequence", "sequence"))
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-\x07", sequence=1, kind="k", summary="s")
    _meta(e, f"raw-{unique}-2")
    cases.append(("story-event", e, e.world_id, "world_id", "world_id"))
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-time", sequence=1, kind="k", summary="s")
    _meta(e, f"raw-{unique}-3", NOW + timedelta(hours=3))
    cases.append(("story-event", e, e.world_id, "meta.occurred_at", "meta.occurred_at"))
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-weight", sequence=1, kind="k", summary="s")
    e.relationship_updates.add(change=story_event_pb2.RelationshipUpdate.CHANGE_UPSERT,
                               relationship=document_ingested_pb2.DeclaredRelationship(
                                   from_concept_id="a", to_concept_id="b", kind="k", weight=math.nan))
    _meta(e, f"raw-{unique}-4")
    cases.append(("story-event", e, e.world_id, 
                  "relationship_updates[0].relationship.weight", "relationship_updates[0].relationship.weight"))
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-nul", sequence=1, kind="k", summary="a\x00b")
    _meta(e, f"raw-{unique}-7")
    cases.append(("story-event", e, e.world_id, "summary", "NUL byte"))
    e = story_event_pb2.StoryEvent(world_id=f"raw-{unique}-nan", sequence=1, kind="k", summary="s")
    e.payload.update({"x": math.nan})
    _meta(e, f"raw-{unique}-8")
    cases.append(("story-event", e, e.world_id, "payload.x", "valueNumberNotFinite"))
    d = document_ingested_pb2.DocumentIngested(document_id=f"raw-{unique}-doc", version=0, title="t", content="c")
    _meta(d, f"raw-{unique}-5")
    cases.append(("document-ingested", d, d.document_id, "version", "version"))
    m = metric_sample_pb2.MetricSample(tier=metric_sample_pb2.TIER_BRONZE, instance_id=f"raw-{unique}",
                                       gpu_utilization=1.5)
    m.sampled_at.FromDatetime(NOW)
    _meta(m, f"raw-{unique}-6")
    cases.append(("metric-sample", m, "bronze", "gpu_utilization", "gpu_utilization"))
    return cases


def test_what_the_client_refuses_the_workers_dead_letter(stack: Stack, unique: str) -> None:
    cases = _raw_cases(unique)
    producer = Producer({"bootstrap.servers": stack.brokers, "enable.idempotence": True})
    offsets: dict[int, tuple[int, int]] = {}

    def delivered(index: int) -> Callable[[Any, Any], None]:
        def record(error: Any, message: Any) -> None:
            assert error is None, error
            offsets[index] = (message.partition(), message.offset())
        return record

    now = time.time()
    for index, (topic, event, key, field, _) in enumerate(cases):
        checkers: dict[str, Callable[[Any, float], list[Problem]]] = {
            "story-event": validation.story_event_problems, "document-ingested": validation.document_problems,
            "metric-sample": validation.metric_sample_problems}
        assert [p.field for p in checkers[topic](event, now)] == [field]
        producer.produce(topic, value=event.SerializeToString(), key=key.encode(),
                         headers=[("annals-type", f"annals.v1.{type(event).__name__}".encode())],
                         on_delivery=delivered(index))
    assert producer.flush(30) == 0 and len(offsets) == len(cases)

    projection = {"story-event": "story", "document-ingested": "kb", "metric-sample": "metrics"}
    for index, (topic, _, _, _, worker_says) in enumerate(cases):
        partition, offset = offsets[index]
        [letter] = stack.wait_for_rows(
            "SELECT error FROM annals.dead_letters WHERE projection = :'p' AND topic = :'t' AND partition = :'n'::int"
            " AND \"offset\" = :'o'::bigint", 1, p=projection[topic], t=topic, n=str(partition), o=str(offset))
        assert worker_says in letter["error"], letter["error"]
