"""The rules the Annals workers enforce on an event, checked before it is sent; pure.

They mirror the workers: the contract rules of ``EventValidator`` (identifiers, sequence, version, tier,
readings), the event-time horizon of ``EventTimeBound`` (an event time more than an hour ahead of the record's
timestamp, which librdkafka sets to the producer's clock, is dead-lettered), the 1 MiB value limit of the
projection runner (``--max-event-bytes``), and what PostgreSQL refuses to store (a NUL character in text, a
non-finite number in the JSON payload). An event breaking any of them would be dead-lettered, so it is refused
here with the field named, and nothing is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .errors import Problem
from .proto import document_ingested_pb2, meta_pb2, metric_sample_pb2, story_event_pb2

#: Longest identifier (event, document, world, concept ids; relationship kinds), in UTF-8 bytes.
MAX_IDENTIFIER_BYTES = 200
#: Largest event value the workers decode (``--max-event-bytes``, default 1 MiB); larger ones are dead-lettered.
MAX_EVENT_BYTES = 1_048_576
#: How far ahead of the record's timestamp an event time may be (``--event-time-horizon-seconds``).
EVENT_TIME_HORIZON_SECONDS = 3_600
#: Largest sequence or version the tables hold (bigint).
MAX_INT64 = 2**63 - 1
MAX_UINT64 = 2**64 - 1
#: proto3 Timestamp's range, years 1 to 9999, in seconds since the epoch.
_VALID_SECONDS = range(-62_135_596_800, 253_402_300_800)
#: Integers beyond this lose precision as a JSON number (a double).
_MAX_EXACT_JSON_INTEGER = 2**53
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The problem of a string PostgreSQL cannot store.
NUL_PROBLEM = "contains a NUL character (U+0000), which PostgreSQL text cannot hold"


def identifier_problems(value: str, field: str) -> list[Problem]:
    """Non-empty, at most 200 UTF-8 bytes, no C0 or C1 control characters (EventValidator.identifier)."""
    if not value:
        return [Problem(field, "is empty")]
    if len(value.encode("utf-8", "surrogatepass")) > MAX_IDENTIFIER_BYTES:
        return [Problem(field, f"is longer than {MAX_IDENTIFIER_BYTES} bytes")]
    if _CONTROL.search(value):
        return [Problem(field, "contains control characters")]
    return []


def _timestamp_problems(message: Message, field: str, now_seconds: float | None) -> list[Problem]:
    seconds: int = getattr(message, "seconds")
    nanos: int = getattr(message, "nanos")
    if not 0 <= nanos < 1_000_000_000:
        return [Problem(field, f"is not a valid timestamp: nanos {nanos} outside 0 to 999,999,999")]
    if seconds not in _VALID_SECONDS:
        return [Problem(field, f"is not a valid timestamp: {seconds} s since the epoch is outside years 1 to 9999")]
    if now_seconds is not None and seconds + nanos / 1e9 > now_seconds + EVENT_TIME_HORIZON_SECONDS:
        ahead = int(seconds + nanos / 1e9 - now_seconds)
        return [Problem(field, f"is {ahead} s ahead of now, more than the workers' {EVENT_TIME_HORIZON_SECONDS} s "
                               "horizon (a clock or unit wrong? milliseconds sent as seconds?)")]
    return []


def _meta_problems(event: Message, now_seconds: float | None) -> list[Problem]:
    if not event.HasField("meta"):
        return [Problem("meta", "is missing")]
    meta: meta_pb2.EventMeta = getattr(event, "meta")
    problems = identifier_problems(meta.event_id, "meta.event_id")
    if not meta.HasField("occurred_at"):
        problems.append(Problem("meta.occurred_at", "is missing"))
    else:
        problems += _timestamp_problems(meta.occurred_at, "meta.occurred_at", now_seconds)
    return problems


def _relationship_problems(relationship: document_ingested_pb2.DeclaredRelationship, field: str) -> list[Problem]:
    problems = identifier_problems(relationship.from_concept_id, f"{field}.from_concept_id")
    problems += identifier_problems(relationship.to_concept_id, f"{field}.to_concept_id")
    problems += identifier_problems(relationship.kind, f"{field}.kind")
    if not math.isfinite(relationship.weight):
        problems.append(Problem(f"{field}.weight", "must be a finite number"))
    return problems


def story_event_problems(event: story_event_pb2.StoryEvent, now_seconds: float | None = None, *,
                         deep: bool = True) -> list[Problem]:
    """Every rule ``event`` breaks; ``now_seconds`` (Unix time) also checks the event-time horizon, ``deep``
    every string for NUL characters and every payload number (the publisher checks those as it builds the event)."""
    problems = _meta_problems(event, now_seconds)
    problems += identifier_problems(event.world_id, "world_id")
    if event.sequence == 0:
        problems.append(Problem("sequence", "must be 1 or more"))
    elif event.sequence > MAX_INT64:
        problems.append(Problem("sequence", f"must be at most {MAX_INT64}"))
    if not event.kind:
        problems.append(Problem("kind", "is empty"))
    for i, concept in enumerate(event.concept_updates):
        problems += identifier_problems(concept.concept_id, f"concept_updates[{i}].concept_id")
    for i, update in enumerate(event.relationship_updates):
        problems += _relationship_problems(update.relationship, f"relationship_updates[{i}].relationship")
        if update.change not in (story_event_pb2.RelationshipUpdate.CHANGE_UPSERT,
                                 story_event_pb2.RelationshipUpdate.CHANGE_REMOVE):
            problems.append(Problem(f"relationship_updates[{i}].change", "must be CHANGE_UPSERT or CHANGE_REMOVE"))
    if deep and event.HasField("payload"):
        problems += _json_problems(event.payload, "payload")
    if deep:
        problems += _storage_problems(event)
    return problems


def document_problems(event: document_ingested_pb2.DocumentIngested,
                      now_seconds: float | None = None, *, deep: bool = True) -> list[Problem]:
    """Every rule ``event`` breaks; ``now_seconds`` (Unix time) also checks the event-time horizon, ``deep``
    every string for NUL characters and every payload number (the publisher checks those as it builds the event)."""
    problems = _meta_problems(event, now_seconds)
    problems += identifier_problems(event.document_id, "document_id")
    if event.version == 0:
        problems.append(Problem("version", "must be 1 or more"))
    elif event.version > MAX_INT64:
        # The worker would clamp it to the largest bigint: refuse what cannot be stored as sent.
        problems.append(Problem("version", f"must be at most {MAX_INT64}"))
    if event.world_id:
        problems += identifier_problems(event.world_id, "world_id")
    for i, concept in enumerate(event.concepts):
        problems += identifier_problems(concept.concept_id, f"concepts[{i}].concept_id")
    for i, relationship in enumerate(event.relationships):
        problems += _relationship_problems(relationship, f"relationships[{i}]")
    if deep:
        problems += _storage_problems(event)
    return problems


def metric_sample_problems(sample: metric_sample_pb2.MetricSample,
                           now_seconds: float | None = None, *, deep: bool = True) -> list[Problem]:
    """Every rule ``sample`` breaks; ``now_seconds`` (Unix time) also checks the event-time horizon, ``deep``
    every string for NUL characters and every payload number (the publisher checks those as it builds the event)."""
    problems = _meta_problems(sample, now_seconds)
    if sample.tier not in (metric_sample_pb2.TIER_GOLD, metric_sample_pb2.TIER_SILVER, metric_sample_pb2.TIER_BRONZE):
        problems.append(Problem("tier", "must be gold, silver or bronze"))
    if not sample.HasField("sampled_at"):
        problems.append(Problem("sampled_at", "is missing"))
    else:
        problems += _timestamp_problems(sample.sampled_at, "sampled_at", now_seconds)
    if not sample.instance_id:
        problems.append(Problem("instance_id", "is empty"))
    for name in ("gpu_utilization", "gpu_memory_utilization"):
        value: float = getattr(sample, name)
        if not 0.0 <= value <= 1.0:  # NaN fails too
            problems.append(Problem(name, f"must be between 0 and 1, got {value}"))
    if not math.isfinite(sample.latency_p95_seconds) or sample.latency_p95_seconds < 0:
        problems.append(Problem("latency_p95_seconds", "must be a finite number ≥ 0"))
    if deep:
        problems += _storage_problems(sample)
    return problems


def size_problems(value: bytes) -> list[Problem]:
    """The encoded event must fit the workers' 1 MiB limit."""
    if len(value) > MAX_EVENT_BYTES:
        return [Problem("event", f"is {len(value):,} bytes encoded, over the workers' {MAX_EVENT_BYTES:,}-byte limit "
                                 "(--max-event-bytes): split the content")]
    return []


def _json_problems(value: Message, path: str) -> list[Problem]:
    """Numbers in a google.protobuf.Struct/Value/ListValue that JSON (and so jsonb) cannot hold."""
    problems: list[Problem] = []
    kind = value.DESCRIPTOR.full_name
    if kind == "google.protobuf.Struct":
        for key, item in getattr(value, "fields").items():
            problems += _json_problems(item, f"{path}.{key}")
    elif kind == "google.protobuf.ListValue":
        for index, item in enumerate(getattr(value, "values")):
            problems += _json_problems(item, f"{path}[{index}]")
    elif kind == "google.protobuf.Value":
        which = value.WhichOneof("kind")
        if which == "number_value" and not math.isfinite(getattr(value, "number_value")):
            problems.append(Problem(path, "must be a finite number (JSON has no NaN or infinity)"))
        elif which in ("struct_value", "list_value"):
            problems += _json_problems(getattr(value, which), path)
    return problems


def _storage_problems(event: Message) -> list[Problem]:
    """Text PostgreSQL refuses: a NUL character in any string field (text and jsonb cannot hold U+0000)."""
    return [Problem(field, NUL_PROBLEM) for field, text in _strings(event, "") if "\x00" in text]


def _is_repeated(descriptor: FieldDescriptor) -> bool:
    # protobuf 6.31 added `is_repeated` and 7.0 removed `label`; the package supports runtimes on both sides.
    repeated = getattr(descriptor, "is_repeated", None)
    if isinstance(repeated, bool):
        return repeated
    return bool(getattr(descriptor, "label") == 3)  # LABEL_REPEATED


def _strings(message: Message, prefix: str) -> Iterator[tuple[str, str]]:
    """Every string in ``message`` (map keys and values included), with its field path."""
    for descriptor, value in message.ListFields():
        name = f"{prefix}{descriptor.name}"
        if descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry:
            for key, item in value.items():
                yield f"{name}[{key!r}]", str(key)
                if isinstance(item, str):
                    yield f"{name}[{key!r}]", item
                elif isinstance(item, Message):
                    yield from _strings(item, f"{name}[{key!r}].")
        elif _is_repeated(descriptor):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield f"{name}[{index}]", item
                elif isinstance(item, Message):
                    yield from _strings(item, f"{name}[{index}].")
        elif isinstance(value, str):
            yield name, value
        elif isinstance(value, Message):
            yield from _strings(value, f"{name}.")
