"""The read client against a live annals-api: search is world-scoped, the story pages, concepts have history and
relationships, scaling shows what the metrics and scaling workers decided, 429 is retried after Retry-After, and
errors carry the API's code and message."""

from __future__ import annotations

import json
import secrets
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from annals_client import (APIConnectionError, Concept, ConceptUpdate, InvalidParameterError, KnowledgeBase,
                           NotFoundError, Publisher, RateLimitedError, Relationship, RelationshipUpdate,
                           WorldSequence)
from conftest import REPO, Stack, free_port

STORY_EVENTS = 7


@dataclass
class Corpus:
    """What the module published: two worlds' documents and a global one, each with a word of its own, a story,
    and a concept changed by a story event."""

    world_a: str
    world_b: str
    word_a: str
    word_b: str
    word_global: str
    concept: str
    story_event_ids: list[str]


@pytest.fixture(scope="module")
def kb(stack: Stack) -> Iterator[KnowledgeBase]:
    with KnowledgeBase(stack.api_url, timeout=10, retries=2) as kb:
        yield kb


@pytest.fixture(scope="module")
def corpus(stack: Stack, kb: KnowledgeBase) -> Corpus:
    unique = secrets.token_hex(4)
    # Two worlds, one with characters a path must escape.
    c = Corpus(world_a=f"kb-a {unique}/é", world_b=f"kb-b-{unique}", word_a=f"zorblax{unique}",
               word_b=f"quenfir{unique}", word_global=f"ulmarth{unique}", concept=f"keeper-{unique}", story_event_ids=[])
    occurred = datetime(2026, 5, 1, tzinfo=timezone.utc)
    with Publisher(brokers=stack.brokers, producer="python-tests") as publisher:
        publisher.document(f"doc-a-{unique}", 1, "The Keeper of the Lamp",
                           f"# The keeper\n\nThe keeper tends the {c.word_a} lamp of the tower every night.\n",
                           world_id=c.world_a, occurred_at=occurred,
                           concepts=[Concept(c.concept, name="The Keeper", kind="character",
                                             attributes={"status": "awake", "post": "tower"}),
                                     Concept(f"tower-{unique}", name="The Tower", kind="place"),
                                     Concept(f"lamp-{unique}", name="The Lamp", kind="item")],
                           relationships=[Relationship(c.concept, f"tower-{unique}", "guards"),
                                          Relationship(f"tower-{unique}", f"lamp-{unique}", "holds")])
        publisher.document(f"doc-b-{unique}", 1, "Another World",
                           f"# Elsewhere\n\nIn this world the {c.word_b} river floods the keeper's tower.\n",
                           world_id=c.world_b, occurred_at=occurred)
        publisher.document(f"doc-g-{unique}", 1, "Common Lore",
                           f"# Everywhere\n\nEvery world remembers the {c.word_global} comet.\n", occurred_at=occurred)
        sequence = WorldSequence(c.world_a)
        for n in range(STORY_EVENTS):
            updates = [ConceptUpdate(c.concept, attributes={"status": "asleep", "post": ""})] if n == 3 else []
            edges = [RelationshipUpdate.remove(c.concept, f"tower-{unique}", "guards")] if n == 3 else []
            publication = publisher.story_event(c.world_a, sequence.next(), "watch", f"Night {n + 1} passes.",
                                                occurred_at=occurred + timedelta(days=1, hours=n),
                                                concept_updates=updates, relationship_updates=edges)
            c.story_event_ids.append(publication.event_id)
    kb.wait_for_story_event(c.world_a, c.story_event_ids[-1], STORY_EVENTS)
    kb.wait_for_concept_change(c.world_a, c.concept, c.story_event_ids[3])
    stack.wait_for_rows("SELECT 1 FROM kb.documents WHERE document_id LIKE :'p'", 3, p=f"doc-%-{unique}")
    return c


def test_search_is_world_scoped(kb: KnowledgeBase, corpus: Corpus) -> None:
    in_a = kb.search(corpus.world_a, f"{corpus.word_a} lamp", k=5)
    assert in_a.world == corpus.world_a and in_a.k == 5
    assert in_a.hits[0].document_id.startswith("doc-a-")
    assert in_a.hits[0].world_id == corpus.world_a
    assert corpus.word_a in in_a.hits[0].text
    # World B's own document is not visible from world A, the global one is.
    assert not any(corpus.word_b in hit.text for hit in kb.search(corpus.world_a, corpus.word_b, k=20))
    assert any(corpus.word_global in hit.text for hit in kb.search(corpus.world_a, corpus.word_global, k=20))
    from_b = kb.search(corpus.world_b, f"{corpus.word_b} river", k=5)
    assert from_b.hits[0].world_id == corpus.world_b
    assert not any(corpus.word_a in hit.text for hit in kb.search(corpus.world_b, corpus.word_a, k=20))
    # No world: global documents only.
    global_hits = list(kb.search(None, corpus.word_global, k=20))
    assert global_hits and all(hit.world_id is None for hit in global_hits)
    assert global_hits[0].title == "Common Lore"
    # The same search again comes from the API's cache.
    assert kb.search(corpus.world_a, f"{corpus.word_a} lamp", k=5).cached


def test_story_pages_through_every_event_in_order(kb: KnowledgeBase, corpus: Corpus) -> None:
    events = list(kb.story(corpus.world_a, limit=3))
    assert [e.event_id for e in events] == corpus.story_event_ids
    assert [e.sequence for e in events] == list(range(1, STORY_EVENTS + 1))
    assert events[0].summary == "Night 1 passes." and events[0].producer == "python-tests"
    assert events[0].occurred_at == datetime(2026, 5, 2, tzinfo=timezone.utc)
    first = kb.story_page(corpus.world_a, limit=3)
    assert [e.sequence for e in first.events] == [1, 2, 3] and first.next_after == 3
    last = kb.story_page(corpus.world_a, after=6, limit=3)
    assert [e.sequence for e in last.events] == [7] and last.next_after is None
    assert [e.sequence for e in kb.story(corpus.world_a, after=4, limit=2)] == [5, 6, 7]
    assert [e.sequence for e in kb.recent_story(corpus.world_a, 2)] == [6, 7]
    overview = kb.world(corpus.world_a)
    assert overview is not None and overview.last_sequence == STORY_EVENTS and overview.story_events == STORY_EVENTS
    assert WorldSequence.from_api(kb, corpus.world_a).next() == STORY_EVENTS + 1
    assert WorldSequence.from_api(kb, f"never-{corpus.world_b}").next() == 1


def test_concept_history_and_relationships_as_a_world_sees_them(kb: KnowledgeBase, corpus: Corpus) -> None:
    history = kb.concept_history(corpus.world_a, corpus.concept)
    assert (history.name, history.kind) == ("The Keeper", "character")
    # The story event's patch: status changed, post removed (an empty value removes an attribute).
    assert history.attributes == {"status": "asleep"}
    assert [change.event_id for change in history.changes][-1] == corpus.story_event_ids[3]
    assert history.changes[0].attributes == {"status": "awake", "post": "tower"}
    assert len(history.changes) == 2

    related = kb.related(corpus.world_a, f"tower-{corpus.concept.split('-', 1)[1]}", depth=2)
    assert [r.concept_id for r in related] == [f"lamp-{corpus.concept.split('-', 1)[1]}"]
    assert related.related[0].via.kind == "holds" and related.related[0].depth == 1
    # The guards edge was removed by the story event, so the keeper reaches nothing.
    assert len(kb.related(corpus.world_a, corpus.concept, depth=3)) == 0


def test_unknown_things_are_not_found_errors_with_the_apis_message(kb: KnowledgeBase, corpus: Corpus) -> None:
    with pytest.raises(NotFoundError) as missing:
        kb.concept_history(corpus.world_b, corpus.concept)
    assert missing.value.status == 404 and missing.value.code == "not_found"
    assert corpus.concept in missing.value.message and corpus.world_b in missing.value.message
    with pytest.raises(NotFoundError) as no_story:
        list(kb.story(f"nowhere-{corpus.world_b}"))
    assert "has no story events" in str(no_story.value)
    with pytest.raises(NotFoundError):
        kb.document(f"no-such-document-{corpus.world_b}")


def test_a_bad_parameter_names_the_parameter(kb: KnowledgeBase, corpus: Corpus) -> None:
    with pytest.raises(InvalidParameterError) as bad:
        kb.search(corpus.world_a, "lamp", k=0)
    assert bad.value.parameter == "k" and bad.value.code == "invalid_parameter" and bad.value.status == 400
    with pytest.raises(InvalidParameterError) as deep:
        kb.related(corpus.world_a, corpus.concept, depth=9)
    assert deep.value.parameter == "depth"


def test_documents_read_back_as_stored(kb: KnowledgeBase, corpus: Corpus) -> None:
    document = kb.document(f"doc-a-{corpus.concept.split('-', 1)[1]}")
    assert document.world_id == corpus.world_a and document.version == 1
    assert document.occurred_at == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert any(corpus.word_a in chunk.text for chunk in document.chunks)


def test_rate_limited_requests_are_retried_after_retry_after(stack: Stack) -> None:
    api = stack.start(f"api-limited-{secrets.token_hex(2)}", "annals-api", "--rate-limit", "0.25", "--rate-burst", "1")
    try:
        stack.wait_ready(api)
        url = f"http://127.0.0.1:{api.port}"
        with KnowledgeBase(url, retries=0) as impatient:
            impatient.worlds()
            with pytest.raises(RateLimitedError) as limited:
                impatient.worlds()
        assert limited.value.status == 429 and limited.value.code == "rate_limited"
        assert limited.value.retry_after is not None and limited.value.retry_after >= 1

        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        with KnowledgeBase(url, retries=3, sleep=sleep) as patient:
            assert patient.worlds() is not None  # the bucket is empty: 429, then the retry after Retry-After succeeds
        # It waited what Retry-After said (whole seconds, at least 1), not its own short backoff (under 0.25 s).
        assert patient.retried >= 1 and slept[0] >= 1 and slept[0] == int(slept[0])
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        limited_total = [line for line in metrics.splitlines() if line.startswith("annals_api_rate_limited_total")]
        assert limited_total and float(limited_total[0].split()[-1]) >= 2
    finally:
        api.stop()


def test_an_unreachable_api_raises_after_the_retries() -> None:
    slept: list[float] = []
    with KnowledgeBase(f"http://127.0.0.1:{free_port()}", retries=2, timeout=2, sleep=slept.append) as kb:
        with pytest.raises(APIConnectionError) as unreachable:
            kb.worlds()
    assert "after 3 attempts" in str(unreachable.value)
    assert len(slept) == 2


def test_capacity_and_decisions_follow_a_published_load_trace(stack: Stack, kb: KnowledgeBase) -> None:
    """The spike trace through Publisher.metric_sample → annals-metrics-worker → scale-decision →
    annals-scaling-worker → the API, which shows what the scaling tables hold."""
    samples = [json.loads(line) for line in (REPO / "Samples" / "load-traces" / "spike.jsonl").read_text().splitlines()]
    prefix = secrets.token_hex(3)
    with Publisher(brokers=stack.brokers, producer="python-tests") as publisher:
        for s in samples:
            publisher.metric_sample(
                s["tier"].removeprefix("TIER_"), s["instanceId"], _time(s["sampledAt"]),
                gpu_utilization=s.get("gpuUtilization"), gpu_memory_utilization=s.get("gpuMemoryUtilization"),
                queue_depth=int(s["queueDepth"]) if "queueDepth" in s else None,
                latency_p95_seconds=s.get("latencyP95Seconds"),
                active_players=int(s["activePlayers"]) if "activePlayers" in s else None,
                spot_interruption_notice=s.get("spotInterruptionNotice", False),
                event_id=f"{prefix}-{s['meta']['eventId']}")
    stack.wait_for_rows("SELECT 1 FROM metrics.samples WHERE event_id LIKE :'p'", len(samples), timeout=180,
                        p=f"{prefix}-%")
    # Every decision the policy made reaches the scaling tables.
    decided = stack.sql("SELECT count(*) AS n FROM metrics.decisions")[0]["n"]
    assert decided > 0
    stack.wait_for_rows("SELECT 1 FROM scaling.decisions", decided, timeout=120)

    capacity = {tier.tier: tier for tier in kb.capacity()}
    rows = stack.sql("SELECT tier, desired_capacity, decision_id FROM scaling.capacity")
    assert {row["tier"]: (row["desired_capacity"], row["decision_id"]) for row in rows} == {
        tier: (c.desired_capacity, c.decision_id) for tier, c in capacity.items()}
    assert all(c.desired_spot + c.desired_on_demand == c.desired_capacity for c in capacity.values())

    recent = kb.decisions("gold", limit=5)
    expected = stack.sql("SELECT decision_id FROM scaling.decisions WHERE tier = 'gold'"
                         " ORDER BY decided_at DESC, decision_id DESC LIMIT 5")
    assert [d.decision_id for d in recent] == [row["decision_id"] for row in expected]
    assert all(d.tier == "gold" for d in recent)
    assert [d.decided_at for d in recent] == sorted((d.decided_at for d in recent), reverse=True)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
