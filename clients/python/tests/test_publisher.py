"""Each publisher method round-trips through the Swift workers into their tables; keys, headers and ids are the
contract's; a delivery failure raises with the reason."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from annals_client import (Concept, ConceptUpdate, DeliveryError, Publisher, Relationship, RelationshipUpdate,
                           content_hash, document_event_id)
from conftest import REPO, Stack, wait_until


@pytest.fixture()
def publisher(stack: Stack) -> Iterator[Publisher]:
    with Publisher(brokers=stack.brokers, producer="python-tests") as publisher:
        yield publisher


Headers = list[tuple[str, "str | bytes | None"]]


def read_record(stack: Stack, topic: str, partition: int, offset: int) -> tuple[bytes, Headers]:
    """The key and headers of one Kafka record, read back from the broker."""
    consumer = Consumer({"bootstrap.servers": stack.brokers, "group.id": "python-tests-reader",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])

        def poll() -> tuple[bytes, Headers] | None:
            message = consumer.poll(0.5)
            if message is None or message.error():
                return None
            key = message.key()
            headers = message.headers() or []
            return key if isinstance(key, bytes) else b"", list(headers.items() if isinstance(headers, dict) else headers)

        return wait_until(poll, 30, f"{topic}[{partition}]@{offset}")
    finally:
        consumer.close()


def test_story_event_round_trips_into_the_story_and_knowledge_base_tables(stack: Stack, publisher: Publisher,
                                                                          unique: str) -> None:
    world = f"py-story-{unique}"
    occurred = datetime(2026, 3, 1, 8, 0, 7, 123456, tzinfo=timezone.utc)
    payload = {"place": "Slagholm", "wardens": 612, "ratio": 0.25, "tags": ["ash", "ember"], "nested": {"ok": True},
               "none": None, "word": "ünïcödé ✓"}
    span = NonRecordingSpan(SpanContext(trace_id=0x0AF7651916CD43DD8448EB211C80319C, span_id=0x00F067AA0BA902B7,
                                        is_remote=False, trace_flags=TraceFlags(1)))
    with trace.use_span(span):
        publication = publisher.story_event(
            world, 1, "wardens-mustered", "Tamsin musters the wardens.", actors=["tamsin-ashe", "the-wardens"],
            payload=payload, occurred_at=occurred,
            concept_updates=[ConceptUpdate("tamsin-ashe", name="Tamsin Ashe", kind="character",
                                           attributes={"status": "alive", "rank": "captain"})],
            relationship_updates=[RelationshipUpdate.upsert("tamsin-ashe", "the-wardens", "leads", 0.75)])
    delivered = publication.result()
    # The same event again (same id) is applied once.
    publisher.story_event(world, 1, "wardens-mustered", "Tamsin musters the wardens.", event_id=publication.event_id,
                          occurred_at=occurred).result()

    [row] = stack.wait_for_rows(
        "SELECT event_id, world_id, sequence, kind, actors, summary, payload, producer, trace_id, topic, partition,"
        " \"offset\", extract(epoch FROM occurred_at)::numeric AS occurred FROM story.events WHERE world_id = :'w'",
        1, w=world)
    assert row["event_id"] == publication.event_id == delivered.event_id
    assert (row["sequence"], row["kind"], row["summary"]) == (1, "wardens-mustered", "Tamsin musters the wardens.")
    assert row["actors"] == ["tamsin-ashe", "the-wardens"]
    assert row["payload"] == payload
    assert row["producer"] == "python-tests"
    assert row["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert float(row["occurred"]) == pytest.approx(occurred.timestamp(), abs=1e-6)
    assert (row["topic"], row["partition"], row["offset"]) == ("story-event", delivered.partition, delivered.offset)

    key, headers = read_record(stack, "story-event", delivered.partition, delivered.offset)
    assert key == world.encode()
    assert headers == [("annals-type", b"annals.v1.StoryEvent")]

    # The knowledge-base worker applies the story event's concept and relationship updates in its world.
    [concept] = stack.wait_for_rows(
        "SELECT name, kind, attributes, last_event_id FROM kb.concepts WHERE world_id = :'w' AND concept_id = 'tamsin-ashe'",
        1, w=world)
    assert concept == {"name": "Tamsin Ashe", "kind": "character", "attributes": {"status": "alive", "rank": "captain"},
                       "last_event_id": publication.event_id}
    [edge] = stack.wait_for_rows(
        "SELECT from_concept_id, to_concept_id, kind, weight, present FROM kb.relationships WHERE world_id = :'w'", 1,
        w=world)
    assert edge == {"from_concept_id": "tamsin-ashe", "to_concept_id": "the-wardens", "kind": "leads", "weight": 0.75,
                    "present": True}
    assert stack.sql("SELECT count(*) AS n FROM story.events WHERE world_id = :'w'", w=world) == [{"n": 1}]
    assert stack.sql("SELECT error FROM annals.dead_letters") == []


def test_document_round_trips_into_the_knowledge_base(stack: Stack, publisher: Publisher, unique: str) -> None:
    document_id = f"py-doc-{unique}"
    world = f"py-docworld-{unique}"
    content = ("# The Lamp Wardens\n\nThe wardens of Slagholm keep the Sun Lamp lit.\n\n"
               "## Their oath\n\nEvery warden swears on the Cinderblade. Ünïcödé ✓\n")
    publication = publisher.document(
        document_id, 1, "The Lamp Wardens", content, world_id=world, source="python-tests", tags=["faction", "lore"],
        concepts=[Concept("lamp-wardens", name="The Lamp Wardens", kind="faction", description="Keepers of the lamp",
                          attributes={"seat": "Slagholm"})],
        relationships=[Relationship("lamp-wardens", "sun-lamp", "guards")])
    publication.result()
    [row] = stack.wait_for_rows(
        "SELECT version, world_id, title, source, content_hash, tags, chunk_count, event_id FROM kb.documents"
        " WHERE document_id = :'d'", 1, d=document_id)
    assert row["content_hash"] == hashlib.sha256(content.encode()).hexdigest() == content_hash(content)
    assert row["event_id"] == publication.event_id == document_event_id(document_id, 1, row["content_hash"])
    assert (row["version"], row["world_id"], row["title"], row["source"]) == (1, world, "The Lamp Wardens",
                                                                             "python-tests")
    assert row["tags"] == ["faction", "lore"]
    assert row["chunk_count"] >= 1
    [concept] = stack.wait_for_rows(
        "SELECT name, kind, description, attributes FROM kb.concepts WHERE world_id = :'w' AND concept_id = 'lamp-wardens'",
        1, w=world)
    assert concept == {"name": "The Lamp Wardens", "kind": "faction", "description": "Keepers of the lamp",
                       "attributes": {"seat": "Slagholm"}}
    [edge] = stack.wait_for_rows("SELECT kind, weight FROM kb.relationships WHERE world_id = :'w'", 1, w=world)
    assert edge == {"kind": "guards", "weight": 1.0}

    # Version 2 replaces version 1's chunks.
    publisher.document(document_id, 2, "The Lamp Wardens", "# Disbanded\n\nThe wardens laid down the lamp.\n",
                       world_id=world).result()
    stack.wait_for_rows("SELECT 1 FROM kb.documents WHERE document_id = :'d' AND version = 2", 1, d=document_id)
    chunks = stack.sql("SELECT DISTINCT version FROM kb.chunks WHERE document_id = :'d'", d=document_id)
    assert chunks == [{"version": 2}]


def test_content_hash_and_event_id_are_the_ones_annals_ingest_computes(stack: Stack, publisher: Publisher,
                                                                        unique: str, tmp_path: Path) -> None:
    body = "# Ashes\n\nCafé crème at the Brazier Tower — 3 gold.\r\nLine with trailing spaces   \n\n✓ done\n"
    swift_id, python_id = f"py-ingest-swift-{unique}", f"py-ingest-python-{unique}"
    path = tmp_path / "ashes.md"
    path.write_bytes(f"---\nid: {swift_id}\nversion: 3\ntitle: Ashes\nconcepts:\n  - id: ash-{unique}\n"
                     f"    name: Ash\n    kind: item\n---\n{body}".encode())
    result = stack.annals("ingest", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    publisher.document(python_id, 3, "Ashes", body).result()
    rows = stack.wait_for_rows("SELECT document_id, content_hash, event_id FROM kb.documents"
                               " WHERE document_id IN (:'a', :'b') ORDER BY document_id", 2, a=python_id, b=swift_id)
    by_id = {row["document_id"]: row for row in rows}
    assert by_id[swift_id]["content_hash"] == by_id[python_id]["content_hash"] == content_hash(body)
    # The Swift producer's event id is the one this package derives for the same document, version and hash.
    assert by_id[swift_id]["event_id"] == document_event_id(swift_id, 3, content_hash(body))
    long_id = "x" * 190
    assert document_event_id(long_id, 1, content_hash(body)).startswith("doc-")
    assert len(document_event_id(long_id, 1, content_hash(body))) == 36


def test_metric_sample_round_trips_with_absent_readings_left_absent(stack: Stack, publisher: Publisher,
                                                                    unique: str) -> None:
    instance = f"py-gpu-{unique}"
    sampled = datetime.now(timezone.utc).replace(microsecond=250000) - timedelta(minutes=5)
    publication = publisher.metric_sample("Silver", instance, sampled, gpu_utilization=0.0, queue_depth=0,
                                          latency_p95_seconds=0.42, spot_interruption_notice=True)
    delivered = publication.result()
    assert publication.event_id == f"{instance}@{int(sampled.timestamp() * 1000)}"
    [row] = stack.wait_for_rows(
        "SELECT tier, instance_id, gpu_utilization, gpu_memory_utilization, queue_depth, latency_p95_seconds,"
        " active_players, spot_interruption_notice, producer, extract(epoch FROM sampled_at)::numeric AS sampled"
        " FROM metrics.samples WHERE event_id = :'e'", 1, e=publication.event_id)
    # Zeros that were read stay zeros; readings never given stay NULL.
    assert row == {"tier": "silver", "instance_id": instance, "gpu_utilization": 0.0, "gpu_memory_utilization": None,
                   "queue_depth": 0, "latency_p95_seconds": 0.42, "active_players": None,
                   "spot_interruption_notice": True, "producer": "python-tests",
                   "sampled": pytest.approx(sampled.timestamp(), abs=1e-6)}
    key, headers = read_record(stack, "metric-sample", delivered.partition, delivered.offset)
    assert (key, headers) == (b"silver", [("annals-type", b"annals.v1.MetricSample")])


def test_leaving_the_with_block_delivers_every_event(stack: Stack, unique: str) -> None:
    world = f"py-with-{unique}"
    with Publisher(brokers=stack.brokers, producer="python-tests", **{"linger.ms": 50}) as publisher:
        publications = [publisher.story_event(world, n, "tick", f"tick {n}") for n in range(1, 51)]
    assert all(p.done() for p in publications)
    rows = stack.wait_for_rows("SELECT sequence FROM story.events WHERE world_id = :'w' ORDER BY sequence", 50, w=world)
    assert [row["sequence"] for row in rows] == list(range(1, 51))
    assert stack.sql("SELECT gap_count FROM story.worlds WHERE world_id = :'w'", w=world) == [{"gap_count": 0}]


def test_a_delivery_failure_raises_with_the_reason(stack: Stack, unique: str, tmp_path: Path) -> None:
    """A broker that goes away: the events it never acknowledged raise DeliveryError with librdkafka's reason and
    the connection error behind it, from flush() and from Publication.result()."""
    bootstrap = tmp_path / "bootstrap.txt"
    broker = subprocess.Popen([str(stack.bin_dir / "annals"), "dev-broker", "--brokers", "1", "--topics-dir",
                               str(REPO / "Topics"), "--bootstrap-file", str(bootstrap)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        brokers = wait_until(lambda: bootstrap.exists() and bootstrap.read_text().strip() or None, 60,
                             "the second dev broker")
        # log_level 2: librdkafka would log every reconnect attempt to the stopped broker until the test ends.
        publisher = Publisher(brokers=brokers, producer="python-tests", log_level=2,
                              **{"message.timeout.ms": 3000})
        publisher.story_event(f"py-fail-{unique}", 1, "first", "delivered").result()
        broker.terminate()
        broker.wait(30)
        lost = publisher.story_event(f"py-fail-{unique}", 2, "second", "never delivered")
        with pytest.raises(DeliveryError) as failure:
            lost.result(timeout=30)
        assert [f.event_id for f in failure.value.failures] == [lost.event_id]
        assert "timed out" in failure.value.failures[0].reason.lower()
        assert failure.value.failures[0].code == "_MSG_TIMED_OUT"
        assert failure.value.broker_error, "the connection error behind the timeout is reported"
        assert "127.0.0.1" in str(failure.value)

        another = publisher.story_event(f"py-fail-{unique}", 3, "third", "never delivered either")
        with pytest.raises(DeliveryError) as flushed:
            publisher.flush(30)
        assert [f.event_id for f in flushed.value.failures] == [another.event_id]
        assert "1 event not delivered" in str(flushed.value)
    finally:
        if broker.poll() is None:
            broker.kill()
            broker.wait(10)


def test_events_the_workers_would_dead_letter_reach_no_topic_unsent(stack: Stack, publisher: Publisher,
                                                                     unique: str) -> None:
    """Refused before sending: the topic's high watermarks do not move."""
    def watermarks() -> list[int]:
        consumer = Consumer({"bootstrap.servers": stack.brokers, "group.id": "python-tests-watermarks"})
        try:
            return [consumer.get_watermark_offsets(TopicPartition("story-event", p), timeout=10)[1] for p in range(4)]
        finally:
            consumer.close()

    before = watermarks()
    for bad in ({"sequence": 0}, {"world_id": ""}, {"payload": {"x": float("nan")}}):
        arguments = {"world_id": f"py-refused-{unique}", "sequence": 1, "kind": "k", "summary": "s", **bad}
        with pytest.raises(ValueError):
            publisher.story_event(**arguments)  # type: ignore[arg-type]
    publisher.flush()
    assert watermarks() == before
