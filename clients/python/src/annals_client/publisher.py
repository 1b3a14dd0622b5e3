"""Publishing Annals events to Kafka with confluent-kafka: story events, documents and metric samples."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

import confluent_kafka
from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.message import Message

from . import ids, validation
from .errors import DeliveryError, DeliveryFailure, Problem, PublisherClosedError, ValidationError
from .events import Concept, ConceptUpdate, Relationship, RelationshipUpdate
from .proto import document_ingested_pb2, meta_pb2, metric_sample_pb2, story_event_pb2
from .tracing import current_trace_id

#: Kafka header naming the message type; the workers dead-letter a message whose header names another type.
MESSAGE_TYPE_HEADER = "annals-type"
#: Topics, one message type each (Topics/*.yaml).
STORY_EVENT_TOPIC = "story-event"
DOCUMENT_INGESTED_TOPIC = "document-ingested"
METRIC_SAMPLE_TOPIC = "metric-sample"
#: ``meta.schema_version`` written: the version of Proto/annals/v1 this package was generated from.
SCHEMA_VERSION = 1

_TIERS = {
    "gold": metric_sample_pb2.TIER_GOLD,
    "silver": metric_sample_pb2.TIER_SILVER,
    "bronze": metric_sample_pb2.TIER_BRONZE,
}
_TIER_NAMES = {value: name for name, value in _TIERS.items()}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Delivered:
    """The broker acknowledged the event (with ``acks=all``: every in-sync replica has it)."""

    event_id: str
    topic: str
    key: str
    partition: int
    offset: int


class Publication:
    """An event handed to the producer. ``result()`` waits for the broker's acknowledgement."""

    def __init__(self, publisher: Publisher, event_id: str, topic: str, key: str) -> None:
        self.event_id = event_id
        self.topic = topic
        self.key = key
        self._publisher = publisher
        self._done = threading.Event()
        self._delivered: Delivered | None = None
        self._failure: DeliveryFailure | None = None

    def __repr__(self) -> str:
        state = "delivered" if self._delivered else "failed" if self._failure else "in flight"
        return f"Publication({self.topic}, key={self.key!r}, event_id={self.event_id!r}, {state})"

    def done(self) -> bool:
        """Whether the broker acknowledged or refused the event (serves pending delivery reports first)."""
        if not self._done.is_set():
            self._publisher._poll(0)
        return self._done.is_set()

    def result(self, timeout: float = 30.0) -> Delivered:
        """Waits up to ``timeout`` seconds for the acknowledgement; raises ``DeliveryError`` with the reason when
        the event was not delivered, or was not acknowledged in time."""
        deadline = time.monotonic() + timeout
        while not self._done.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeliveryError(f"event {self.event_id} on {self.topic} not acknowledged within {timeout} s "
                                    "(still queued: flush() or close() waits longer)", undelivered=1,
                                    broker_error=self._publisher.last_error)
            self._publisher._poll(min(remaining, 0.1))
        if self._failure is not None:
            self._publisher._mark_reported(self._failure)
            raise DeliveryError(f"event {self.event_id} was not delivered", [self._failure],
                                broker_error=self._publisher.last_error)
        if self._delivered is None:  # unreachable: the event is set after one of the two
            raise DeliveryError(f"event {self.event_id}: no delivery report")
        return self._delivered

    def _on_delivery(self, error: confluent_kafka.KafkaError | None, message: confluent_kafka.Message) -> None:
        if error is not None:
            self._failure = DeliveryFailure(self.event_id, self.topic, self.key, error.str(), error.name())
            self._publisher._record_failure(self._failure)
        else:
            self._delivered = Delivered(self.event_id, self.topic, self.key,
                                        message.partition() or 0, message.offset() or 0)
        self._done.set()


class Publisher:
    """Publishes Annals events: the right topic, key, ``annals-type`` header and ``EventMeta``, validated as the
    workers validate, through an idempotent producer with ``acks=all``.

    ``Publisher(brokers="kafka:9092", producer="narrative-generator")``; any librdkafka or confluent-kafka setting
    can follow, under its own name: ``**{"security.protocol": "SASL_SSL", "linger.ms": 20}``, ``log_level=3``.

    Sending is asynchronous: each method returns a ``Publication`` at once; ``flush()`` (or leaving a ``with``
    block) waits for every acknowledgement and raises ``DeliveryError`` with the broker's reason for any event
    not delivered. Thread-safe.
    """

    def __init__(self, brokers: str, producer: str, *, schema_version: int = SCHEMA_VERSION,
                 queue_full_timeout: float = 30.0, **kafka_config: Any) -> None:
        if not producer or not producer.strip():
            raise ValueError("producer: name the publishing service, e.g. producer=\"narrative-generator\"")
        if not brokers:
            raise ValueError("brokers: the Kafka bootstrap servers, e.g. \"kafka-1:9092,kafka-2:9092\"")
        self.producer = producer
        self.schema_version = schema_version
        self._queue_full_timeout = queue_full_timeout
        self._lock = threading.Lock()
        self._unreported: list[DeliveryFailure] = []
        self._last_error: str | None = None
        self._fatal: str | None = None
        self._closed = False
        self._released = False
        config = _librdkafka_config(brokers, kafka_config)
        user_error_cb: Callable[[confluent_kafka.KafkaError], None] | None = config.pop("error_cb", None)

        def on_error(error: confluent_kafka.KafkaError) -> None:
            with self._lock:
                self._last_error = f"{error.str()} ({error.name()})"
                if error.fatal():
                    self._fatal = self._last_error
            if user_error_cb is not None:
                user_error_cb(error)

        config["error_cb"] = on_error
        self._producer = confluent_kafka.Producer(config)

    # MARK: events

    def story_event(self, world_id: str, sequence: int, kind: str, summary: str, *,
                    actors: Sequence[str] = (), payload: Mapping[str, Any] | None = None,
                    concept_updates: Sequence[ConceptUpdate] = (),
                    relationship_updates: Sequence[RelationshipUpdate] = (),
                    occurred_at: datetime | None = None, event_id: str | None = None,
                    trace_id: str | None = None) -> Publication:
        """Publishes a ``StoryEvent`` to ``story-event``, keyed by ``world_id``.

        ``sequence`` is the world's next sequence (1, 2, 3…: see ``WorldSequence``); ``payload`` any JSON
        object; ``occurred_at`` defaults to now; ``event_id`` to a new UUID (pass the same one to retry the
        same event)."""
        problems: list[Problem] = []
        event = story_event_pb2.StoryEvent(world_id=_text(world_id, "world_id", problems),
                                           kind=_text(kind, "kind", problems),
                                           summary=_text(summary, "summary", problems))
        _set_uint64(event, "sequence", sequence, problems)
        event.actors.extend(_strings(actors, "actors", problems))
        if payload is not None:
            if isinstance(payload, Mapping):
                event.payload.CopyFrom(_struct(payload, "payload", problems))
            else:
                problems.append(Problem("payload", f"must be a JSON object (a mapping), got {type(payload).__name__}"))
        for i, concept in enumerate(concept_updates):
            event.concept_updates.append(_concept_update(concept, f"concept_updates[{i}]", problems))
        for i, update in enumerate(relationship_updates):
            event.relationship_updates.append(_relationship_update(update, f"relationship_updates[{i}]", problems))
        now = time.time()
        self._fill_meta(event.meta, event_id if event_id is not None else ids.new_event_id(), occurred_at, trace_id,
                        now, problems)
        problems += validation.story_event_problems(event, now, deep=False)
        return self._send(STORY_EVENT_TOPIC, world_id, event, problems)

    def document(self, document_id: str, version: int, title: str, content: str, *,
                 world_id: str | None = None, concepts: Sequence[Concept] = (),
                 relationships: Sequence[Relationship] = (), source: str = "", tags: Sequence[str] = (),
                 occurred_at: datetime | None = None, event_id: str | None = None,
                 trace_id: str | None = None) -> Publication:
        """Publishes a ``DocumentIngested`` to ``document-ingested``, keyed by ``document_id``.

        ``world_id`` None makes the document global (visible from every world). The content hash is the
        SHA-256 of ``content``, and the event id defaults to the one ``annals ingest`` gives the same document
        version, so publishing a version again changes nothing. A newer ``version`` replaces the older's chunks."""
        problems: list[Problem] = []
        content = _text(content, "content", problems)
        digest = ids.content_hash(content)
        event = document_ingested_pb2.DocumentIngested(
            document_id=_text(document_id, "document_id", problems),
            world_id=_text(world_id or "", "world_id", problems), title=_text(title, "title", problems),
            source=_text(source, "source", problems), content=content, content_hash=digest)
        _set_uint64(event, "version", version, problems)
        event.tags.extend(_strings(tags, "tags", problems))
        for i, concept in enumerate(concepts):
            event.concepts.append(_declared_concept(concept, f"concepts[{i}]", problems))
        for i, relationship in enumerate(relationships):
            event.relationships.append(_relationship(relationship, f"relationships[{i}]", problems))
        now = time.time()
        default_id = ids.document_event_id(document_id, event.version, digest)
        self._fill_meta(event.meta, event_id if event_id is not None else default_id, occurred_at, trace_id, now,
                        problems)
        problems += validation.document_problems(event, now, deep=False)
        return self._send(DOCUMENT_INGESTED_TOPIC, document_id, event, problems)

    def metric_sample(self, tier: str, instance_id: str, sampled_at: datetime | None = None, *,
                      gpu_utilization: float | None = None, gpu_memory_utilization: float | None = None,
                      queue_depth: int | None = None, latency_p95_seconds: float | None = None,
                      active_players: int | None = None, spot_interruption_notice: bool = False,
                      occurred_at: datetime | None = None, event_id: str | None = None,
                      trace_id: str | None = None) -> Publication:
        """Publishes a ``MetricSample`` to ``metric-sample``, keyed by tier (gold, silver or bronze).

        A reading left ``None`` is absent (unknown), never zero: the autoscaler ignores it rather than reading
        an idle GPU. ``sampled_at`` defaults to now, ``occurred_at`` to ``sampled_at``, and the event id to
        ``<instance>@<milliseconds>`` as annals-metrics-agent makes it, so re-sending a sample is the same event."""
        problems: list[Problem] = []
        tier_value = _TIERS.get(tier.lower()) if isinstance(tier, str) else None
        if tier_value is None:
            problems.append(Problem("tier", f"must be gold, silver or bronze, got {tier!r}"))
        sample = metric_sample_pb2.MetricSample(tier=tier_value or metric_sample_pb2.TIER_UNSPECIFIED,
                                                instance_id=_text(instance_id, "instance_id", problems),
                                                spot_interruption_notice=bool(spot_interruption_notice))
        now = time.time()
        sampled = sampled_at if sampled_at is not None else datetime.now(timezone.utc)
        _set_timestamp(sample.sampled_at, sampled, "sampled_at", problems)
        for name, reading in (("gpu_utilization", gpu_utilization), ("gpu_memory_utilization", gpu_memory_utilization),
                              ("latency_p95_seconds", latency_p95_seconds)):
            if reading is None:
                continue
            if isinstance(reading, bool) or not isinstance(reading, (int, float)):
                problems.append(Problem(name, f"must be a number or None, got {type(reading).__name__}"))
            else:
                setattr(sample, name, float(reading))
        for name, count in (("queue_depth", queue_depth), ("active_players", active_players)):
            if count is not None:
                _set_uint64(sample, name, count, problems)
        millis = int(sample.sampled_at.seconds) * 1000 + int(sample.sampled_at.nanos) // 1_000_000
        default_id = ids.metric_sample_event_id(instance_id, millis)
        self._fill_meta(sample.meta, event_id if event_id is not None else default_id,
                        occurred_at if occurred_at is not None else sampled, trace_id, now, problems)
        problems += validation.metric_sample_problems(sample, now, deep=False)
        return self._send(METRIC_SAMPLE_TOPIC, _TIER_NAMES.get(sample.tier, "unspecified"), sample, problems)

    # MARK: delivery

    @property
    def last_error(self) -> str | None:
        """The last error librdkafka reported for the connection (e.g. a broker it cannot reach), if any."""
        with self._lock:
            return self._last_error

    def flush(self, timeout: float = 30.0) -> None:
        """Waits up to ``timeout`` seconds for every event sent so far to be acknowledged. Raises
        ``DeliveryError`` naming each event not delivered since the last flush (and how many are still in
        flight), with the broker's reasons."""
        remaining = 0 if self._released else self._producer.flush(timeout)
        with self._lock:
            failures, self._unreported = self._unreported, []
        if failures or remaining:
            what = []
            if failures:
                what.append(f"{len(failures)} event{'s' if len(failures) != 1 else ''} not delivered")
            if remaining:
                what.append(f"{remaining} still unacknowledged after {timeout} s")
            raise DeliveryError(", ".join(what), failures, undelivered=remaining, broker_error=self.last_error)

    def close(self, timeout: float = 30.0) -> None:
        """Flushes (raising as ``flush`` does), then releases librdkafka's handle; later events are refused."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush(timeout)
        finally:
            self._release()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if error is None:
            self.close()
        else:
            # Already failing: deliver what can be delivered, without hiding the original error.
            self._closed = True
            self._producer.flush(5.0)
            self._release()

    # MARK: internals

    def _fill_meta(self, meta: meta_pb2.EventMeta, event_id: str, occurred_at: datetime | None,
                   trace_id: str | None, now: float, problems: list[Problem]) -> None:
        meta.event_id = _text(event_id, "meta.event_id", problems)
        meta.producer = self.producer
        meta.schema_version = self.schema_version
        meta.trace_id = _text(trace_id, "meta.trace_id", problems) if trace_id is not None else current_trace_id()
        if occurred_at is None:
            seconds = int(now // 1)
            meta.occurred_at.seconds = seconds
            meta.occurred_at.nanos = int((now - seconds) * 1_000_000) * 1000
        else:
            _set_timestamp(meta.occurred_at, occurred_at, "meta.occurred_at", problems)

    def _send(self, topic: str, key: str, event: Message, problems: list[Problem]) -> Publication:
        message_type = event.DESCRIPTOR.full_name
        if problems:
            raise ValidationError(message_type, _deduplicated(problems))
        value = event.SerializeToString()
        size = validation.size_problems(value)
        if size:
            raise ValidationError(message_type, size)
        with self._lock:
            if self._closed:
                raise PublisherClosedError("this Publisher is closed: make a new one")
            if self._fatal is not None:
                raise PublisherClosedError(f"librdkafka reported a fatal error, the producer cannot send any more: "
                                           f"{self._fatal}; make a new Publisher (events not acknowledged before "
                                           "can be published again with the same event ids)")
        event_id: str = getattr(event, "meta").event_id
        publication = Publication(self, event_id, topic, key)
        deadline = time.monotonic() + self._queue_full_timeout
        while True:
            try:
                self._producer.produce(topic, value=value, key=key.encode("utf-8"),
                                       headers=[(MESSAGE_TYPE_HEADER, message_type.encode("ascii"))],
                                       on_delivery=publication._on_delivery)
                break
            except BufferError:
                # librdkafka's local queue is full (queue.buffering.max.messages/kbytes): serve delivery reports.
                if time.monotonic() >= deadline:
                    raise DeliveryError(f"event {event_id} not sent: the local queue stayed full for "
                                        f"{self._queue_full_timeout} s (the broker is not taking events)",
                                        undelivered=1, broker_error=self.last_error) from None
                self._producer.poll(0.05)
            except confluent_kafka.KafkaException as error:
                raise DeliveryError(f"event {event_id} not sent: {error}", broker_error=self.last_error) from error
        self._producer.poll(0)
        return publication

    def _poll(self, timeout: float) -> None:
        if not self._released:
            self._producer.poll(timeout)

    def _release(self) -> None:
        # Producer.close() (confluent-kafka 2.10+) frees the handle now; older versions free it when collected.
        close = getattr(self._producer, "close", None)
        if not self._released and callable(close):
            self._released = True
            close()

    def _record_failure(self, failure: DeliveryFailure) -> None:
        with self._lock:
            self._unreported.append(failure)

    def _mark_reported(self, failure: DeliveryFailure) -> None:
        with self._lock:
            if failure in self._unreported:
                self._unreported.remove(failure)


def _librdkafka_config(brokers: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    # Passed as given: librdkafka's names mostly use dots, but some use underscores (log_level, enabled_events).
    config.update(extra)
    for name, required in (("enable.idempotence", True), ("acks", "all")):
        given = config.get(name)
        if given is not None and str(given).lower() not in {str(required).lower(), "-1" if name == "acks" else "true"}:
            raise ValueError(f"{name}={given!r}: Annals producers send with enable.idempotence=true and acks=all "
                             "(an acknowledged event must survive losing a broker; retries must not duplicate)")
    config.update({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all"})
    # Annals topics are created by `annals topics apply` with their partitions and replication; never by a producer.
    config.setdefault("allow.auto.create.topics", False)
    return config


def _text(value: object, field: str, problems: list[Problem]) -> str:
    """``value`` if it is a string PostgreSQL can store; else a problem, and ``""``."""
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(Problem(field, validation.NUL_PROBLEM))
        return value
    problems.append(Problem(field, f"must be a string, got {type(value).__name__}"))
    return ""


def _set_uint64(message: Message, name: str, value: object, problems: list[Problem]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(name, f"must be an integer, got {type(value).__name__}"))
    elif value < 0:
        problems.append(Problem(name, f"must be 0 or more, got {value}"))
    elif value > validation.MAX_UINT64:
        problems.append(Problem(name, f"must be at most {validation.MAX_UINT64}"))
    else:
        setattr(message, name, value)


def _set_timestamp(target: timestamp_pb2.Timestamp, value: object, field: str, problems: list[Problem]) -> None:
    if not isinstance(value, datetime):
        problems.append(Problem(field, f"must be a datetime, got {type(value).__name__}"))
        return
    if value.tzinfo is None or value.utcoffset() is None:
        problems.append(Problem(field, "must be a timezone-aware datetime (e.g. datetime.now(timezone.utc))"))
        return
    delta = value - _EPOCH
    target.seconds = delta.days * 86_400 + delta.seconds
    target.nanos = delta.microseconds * 1000


def _strings(values: Iterable[object], field: str, problems: list[Problem]) -> list[str]:
    if isinstance(values, (str, bytes)):
        problems.append(Problem(field, "must be a list of strings, not a single string"))
        return []
    out: list[str] = []
    for index, value in enumerate(values):
        out.append(_text(value, f"{field}[{index}]", problems))
    return out


def _attributes(values: object, field: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(values, Mapping):
        problems.append(Problem(field, f"must be a mapping of strings to strings, got {type(values).__name__}"))
        return {}
    out: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not isinstance(value, str):
            problems.append(Problem(f"{field}[{key!r}]", "keys and values must be strings"))
        else:
            out[_text(key, f"{field}[{key!r}]", problems)] = _text(value, f"{field}[{key!r}]", problems)
    return out


def _declared_concept(concept: Concept, field: str, problems: list[Problem]) -> document_ingested_pb2.DeclaredConcept:
    if not isinstance(concept, Concept):
        problems.append(Problem(field, f"must be an annals_client.Concept, got {type(concept).__name__}"))
        return document_ingested_pb2.DeclaredConcept()
    return document_ingested_pb2.DeclaredConcept(
        concept_id=_text(concept.concept_id, f"{field}.concept_id", problems),
        name=_text(concept.name, f"{field}.name", problems), kind=_text(concept.kind, f"{field}.kind", problems),
        description=_text(concept.description, f"{field}.description", problems),
        attributes=_attributes(concept.attributes, f"{field}.attributes", problems))


def _concept_update(update: ConceptUpdate, field: str, problems: list[Problem]) -> story_event_pb2.ConceptUpdate:
    if not isinstance(update, (ConceptUpdate, Concept)):
        problems.append(Problem(field, f"must be an annals_client.ConceptUpdate, got {type(update).__name__}"))
        return story_event_pb2.ConceptUpdate()
    return story_event_pb2.ConceptUpdate(
        concept_id=_text(update.concept_id, f"{field}.concept_id", problems),
        name=_text(update.name, f"{field}.name", problems), kind=_text(update.kind, f"{field}.kind", problems),
        description=_text(update.description, f"{field}.description", problems),
        attributes=_attributes(update.attributes, f"{field}.attributes", problems))


def _relationship(relationship: Relationship, field: str,
                  problems: list[Problem]) -> document_ingested_pb2.DeclaredRelationship:
    if not isinstance(relationship, Relationship):
        problems.append(Problem(field, f"must be an annals_client.Relationship, got {type(relationship).__name__}"))
        return document_ingested_pb2.DeclaredRelationship()
    weight = relationship.weight
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        problems.append(Problem(f"{field}.weight", f"must be a number, got {type(weight).__name__}"))
        weight = 0.0
    return document_ingested_pb2.DeclaredRelationship(
        from_concept_id=_text(relationship.from_concept_id, f"{field}.from_concept_id", problems),
        to_concept_id=_text(relationship.to_concept_id, f"{field}.to_concept_id", problems),
        kind=_text(relationship.kind, f"{field}.kind", problems), weight=float(weight))


def _relationship_update(update: RelationshipUpdate, field: str,
                         problems: list[Problem]) -> story_event_pb2.RelationshipUpdate:
    if not isinstance(update, RelationshipUpdate):
        problems.append(Problem(field, f"must be an annals_client.RelationshipUpdate, got {type(update).__name__}"))
        return story_event_pb2.RelationshipUpdate()
    changes = {"upsert": story_event_pb2.RelationshipUpdate.CHANGE_UPSERT,
               "remove": story_event_pb2.RelationshipUpdate.CHANGE_REMOVE}
    change = changes.get(update.change, story_event_pb2.RelationshipUpdate.CHANGE_UNSPECIFIED)
    return story_event_pb2.RelationshipUpdate(
        relationship=_relationship(update.relationship, f"{field}.relationship", problems), change=change)


def _struct(values: Mapping[Any, Any], path: str, problems: list[Problem]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    for key, item in values.items():
        if not isinstance(key, str):
            problems.append(Problem(f"{path}[{key!r}]", "JSON object keys must be strings"))
            continue
        _text(key, f"{path}[{key!r}]", problems)
        struct.fields[key].CopyFrom(_value(item, f"{path}.{key}", problems))
    return struct


def _value(item: object, path: str, problems: list[Problem]) -> struct_pb2.Value:
    value = struct_pb2.Value()
    if item is None:
        value.null_value = struct_pb2.NULL_VALUE
    elif isinstance(item, bool):
        value.bool_value = item
    elif isinstance(item, int):
        if abs(item) > 2**53:
            problems.append(Problem(path, f"{item} is not exactly representable as a JSON number (a double): "
                                          "send it as a string"))
        value.number_value = float(item)
    elif isinstance(item, float):
        if not math.isfinite(item):
            problems.append(Problem(path, "must be a finite number (JSON has no NaN or infinity)"))
        value.number_value = item
    elif isinstance(item, str):
        value.string_value = _text(item, path, problems)
    elif isinstance(item, Mapping):
        value.struct_value.CopyFrom(_struct(item, path, problems))
    elif isinstance(item, (list, tuple)):
        value.list_value.SetInParent()
        for index, element in enumerate(item):
            value.list_value.values.append(_value(element, f"{path}[{index}]", problems))
    else:
        problems.append(Problem(path, f"a {type(item).__name__} is not JSON (use str, int, float, bool, None, "
                                      "lists and dicts)"))
    return value


def _deduplicated(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
