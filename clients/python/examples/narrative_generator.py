"""The storyteller's loop with annals-client: for a world and a player's action, retrieve what the world knows,
build the prompt a narrative model would get, generate the next beat of the story, and publish it as a story event
with the concept changes it implies, so the next prompt already knows it.

    python examples/narrative_generator.py --world cindermoor --concept tamsin-ashe \\
        --action "asks Tamsin Ashe to open the water stores"

Run it twice for the same world: the second prompt holds the story event and the concept change the first one
published. The generator is pluggable: the default writes the beat from a template (no model, no network); with
``--generator openai`` (or ``ANNALS_GENERATOR=openai``) it asks any OpenAI-compatible ``/chat/completions``
endpoint (``--generator-url``/``ANNALS_GENERATOR_URL``, ``--model``/``ANNALS_GENERATOR_MODEL``, key from
``OPENAI_API_KEY``).

Settings: ``--api`` (``ANNALS_API_URL``, default http://127.0.0.1:8080) and ``--brokers`` (``KAFKA_BROKERS``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from annals_client import (ConceptHistory, ConceptUpdate, KnowledgeBase, NotFoundError, Publisher, RelatedConcepts,
                           SearchHit, StoryEvent, WorldSequence)

PRODUCER = "narrative-generator"


@dataclass
class Knowledge:
    """What the world knows that bears on the action."""

    world: str
    action: str
    player: str
    lore: list[SearchHit]
    concepts: list[ConceptHistory]
    relationships: dict[str, RelatedConcepts]
    story: list[StoryEvent]


@dataclass
class Beat:
    """The next beat of the story, as a generator wrote it."""

    kind: str
    summary: str
    actors: list[str]
    concept_updates: list[ConceptUpdate] = field(default_factory=list)


class Generator(Protocol):
    """Anything that turns a prompt and the knowledge behind it into the next beat."""

    name: str

    def generate(self, prompt: str, knowledge: Knowledge) -> Beat: ...


def retrieve(kb: KnowledgeBase, world: str, action: str, player: str, concept_ids: Sequence[str]) -> Knowledge:
    """Search the world's lore for the action, read the recent story, and the current state and relationships of
    the concepts named (and of those the recent story involved)."""
    lore = list(kb.search(world, action, k=4))
    story = kb.recent_story(world, 5)
    wanted = list(dict.fromkeys([*concept_ids, *(actor for event in reversed(story) for actor in event.actors)]))
    concepts: list[ConceptHistory] = []
    relationships: dict[str, RelatedConcepts] = {}
    for concept_id in wanted[:6]:
        try:
            concepts.append(kb.concept_history(world, concept_id))
            relationships[concept_id] = kb.related(world, concept_id, depth=1)
        except NotFoundError:
            continue  # an actor that is no concept of this world
    return Knowledge(world, action, player, lore, concepts, relationships, story)


def build_prompt(knowledge: Knowledge) -> str:
    """The prompt a narrative model gets: the action, then what the world knows, most specific first."""
    lines = [f"You are the storyteller of the world '{knowledge.world}'.",
             f"The player {knowledge.player} acts: {knowledge.action}", "",
             "Characters, places and things as they stand now:"]
    for concept in knowledge.concepts:
        attributes = ", ".join(f"{key}: {value}" for key, value in sorted(concept.attributes.items()))
        lines.append(f"- {concept.name or concept.concept_id} ({concept.kind or 'concept'}, id {concept.concept_id})"
                     f"{': ' + concept.description if concept.description else ''}"
                     f"{' [' + attributes + ']' if attributes else ''}")
        for related in knowledge.relationships.get(concept.concept_id, ()):
            edge = related.via
            lines.append(f"    {edge.from_concept_id} —{edge.kind}→ {edge.to_concept_id}")
    if not knowledge.concepts:
        lines.append("- (nothing known yet)")
    lines += ["", "The story so far (most recent last):"]
    lines += [f"{event.sequence}. [{event.kind}] {event.summary}" for event in knowledge.story] or ["(it begins now)"]
    lines += ["", "Lore that may matter:"]
    for hit in knowledge.lore:
        heading = " > ".join(hit.heading_path)
        text = " ".join(hit.text.split())
        lines.append(f"- {hit.title}{' > ' + heading if heading else ''}: {text[:300]}")
    if not knowledge.lore:
        lines.append("- (none found)")
    lines += ["", "Write the next beat of the story in one or two sentences, consistent with all of the above, and "
                  "say which of the concepts above it changes."]
    return "\n".join(lines)


class TemplateGenerator:
    """Offline: the beat follows from the action and the first concept's state; each encounter is counted on the
    concept, so the story visibly accumulates."""

    name = "template"

    def generate(self, prompt: str, knowledge: Knowledge) -> Beat:
        action = knowledge.action.rstrip(". ")
        if not knowledge.concepts:
            return Beat("player-action", f"{knowledge.player} {action}.", [knowledge.player])
        concept = knowledge.concepts[0]
        encounters = int(concept.attributes.get("encounters", "0") or 0) + 1
        remembered = f" (last time: {knowledge.story[-1].summary.rstrip('.')})" if knowledge.story else ""
        summary = (f"{knowledge.player} {action}; {concept.name or concept.concept_id} answers "
                   f"for the {_ordinal(encounters)} time{remembered}.")
        update = ConceptUpdate(concept.concept_id, attributes={"encounters": str(encounters),
                                                               "last-encounter": action[:200]})
        return Beat("player-action", summary, [knowledge.player, concept.concept_id], [update])


class OpenAICompatibleGenerator:
    """Asks an OpenAI-compatible ``/chat/completions`` endpoint for the beat as JSON."""

    name = "openai"
    instructions = ('Reply with one JSON object only: {"kind": "<short-kebab-case-kind>", "summary": "<the beat>", '
                    '"concept_updates": [{"concept_id": "<an id from the prompt>", "attributes": {"<name>": '
                    '"<new value>"}}]}')

    def __init__(self, url: str, model: str, api_key: str | None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def generate(self, prompt: str, knowledge: Knowledge) -> Beat:
        response = httpx.post(self.url, headers=self.headers, timeout=self.timeout, json={
            "model": self.model, "temperature": 0.7,
            "messages": [{"role": "system", "content": self.instructions}, {"role": "user", "content": prompt}]})
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        reply = json.loads(content.strip().removeprefix("```json").removeprefix("```").removesuffix("```"))
        known = {concept.concept_id for concept in knowledge.concepts}
        updates = [ConceptUpdate(str(u["concept_id"]),
                                 attributes={str(k): str(v) for k, v in u.get("attributes", {}).items()})
                   for u in reply.get("concept_updates", []) if str(u.get("concept_id")) in known]
        return Beat(str(reply.get("kind") or "player-action"), str(reply["summary"]),
                    [knowledge.player, *(update.concept_id for update in updates)], updates)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--world", required=True)
    parser.add_argument("--action", required=True, help="what the player does")
    parser.add_argument("--player", default="the traveller")
    parser.add_argument("--concept", action="append", default=[], help="a concept id the action involves (repeatable)")
    parser.add_argument("--api", default=os.environ.get("ANNALS_API_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS"))
    parser.add_argument("--generator", choices=["template", "openai"],
                        default=os.environ.get("ANNALS_GENERATOR", "template"))
    parser.add_argument("--generator-url", default=os.environ.get("ANNALS_GENERATOR_URL", "https://api.openai.com/v1"))
    parser.add_argument("--model", default=os.environ.get("ANNALS_GENERATOR_MODEL", "gpt-4o-mini"))
    parser.add_argument("--wait", type=float, default=30.0,
                        help="seconds to wait for the workers to apply the event (0: do not wait)")
    args = parser.parse_args(argv)
    if not args.brokers:
        parser.error("--brokers or KAFKA_BROKERS is required")
    generator: Generator = (OpenAICompatibleGenerator(args.generator_url, args.model, os.environ.get("OPENAI_API_KEY"))
                            if args.generator == "openai" else TemplateGenerator())

    with KnowledgeBase(args.api) as kb, Publisher(brokers=args.brokers, producer=PRODUCER) as publisher:
        knowledge = retrieve(kb, args.world, args.action, args.player, args.concept)
        prompt = build_prompt(knowledge)
        print("=== prompt ===", prompt, "=== end of prompt ===", sep="\n")
        beat = generator.generate(prompt, knowledge)
        # One writer per world: this process owns the world's sequence while it runs (see WorldSequence).
        sequence = WorldSequence.from_api(kb, args.world).next()
        publication = publisher.story_event(
            args.world, sequence, beat.kind, beat.summary, actors=beat.actors, concept_updates=beat.concept_updates,
            payload={"action": args.action, "player": args.player, "generator": generator.name})
        delivered = publication.result()
        print(f"published story event {delivered.event_id} (sequence {sequence}) to {delivered.topic}"
              f"[{delivered.partition}]@{delivered.offset}: {beat.summary}")
        if args.wait > 0:
            kb.wait_for_story_event(args.world, publication.event_id, sequence, timeout=args.wait)
            for update in beat.concept_updates:
                kb.wait_for_concept_change(args.world, update.concept_id, publication.event_id, timeout=args.wait)
            print("applied: the next prompt will include it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
