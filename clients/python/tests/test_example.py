"""The storyteller example end to end: the second run's prompt holds what the first run published."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from annals_client import Concept, KnowledgeBase, Publisher
from conftest import Stack

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "narrative_generator.py"


def run_example(stack: Stack, *arguments: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    """Runs the example; returns the prompt it printed and the event id it published."""
    result = subprocess.run([sys.executable, str(EXAMPLE), "--api", stack.api_url, "--brokers", stack.brokers,
                             *arguments], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    prompt = result.stdout.split("=== prompt ===\n", 1)[1].split("\n=== end of prompt ===", 1)[0]
    match = re.search(r"published story event (\S+) \(sequence (\d+)\)", result.stdout)
    assert match, result.stdout
    assert "applied: the next prompt will include it" in result.stdout
    return prompt, match.group(1)


@pytest.fixture()
def world(stack: Stack, unique: str) -> tuple[str, str]:
    """A world with one document declaring a character."""
    world, keeper = f"tale-{unique}", f"warden-{unique}"
    with Publisher(brokers=stack.brokers, producer="python-tests") as publisher:
        publisher.document(f"tale-doc-{unique}", 1, "The Warden of the Weir",
                           "# The warden\n\nOld Maren keeps the weir and the water stores of the valley.\n",
                           world_id=world, concepts=[Concept(keeper, name="Old Maren", kind="character",
                                                             description="Keeper of the weir",
                                                             attributes={"mood": "wary"})])
    stack.wait_for_rows("SELECT 1 FROM kb.concepts WHERE world_id = :'w'", 1, w=world)
    return world, keeper


def test_the_second_prompt_contains_what_the_first_run_published(stack: Stack, world: tuple[str, str]) -> None:
    name, keeper = world
    first_prompt, first_id = run_example(stack, "--world", name, "--concept", keeper, "--player", "Ilse",
                                         "--action", "asks the warden to open the water stores")
    assert "Old Maren (character" in first_prompt and "mood: wary" in first_prompt
    assert "(it begins now)" in first_prompt
    assert "keeps the weir" in first_prompt  # the lore search found the document

    with KnowledgeBase(stack.api_url) as kb:
        [first_event] = list(kb.story(name))
        history = kb.concept_history(name, keeper)
    assert first_event.event_id == first_id and first_event.producer == "narrative-generator"

    second_prompt, second_id = run_example(stack, "--world", name, "--concept", keeper, "--player", "Ilse",
                                           "--action", "returns with a bucket")
    # The story so far and the concept's new state, both from the first run.
    assert f"1. [{first_event.kind}] {first_event.summary}" in second_prompt
    assert all(f"{key}: {value}" in second_prompt for key, value in history.attributes.items())
    assert "encounters: 1" in second_prompt and "(it begins now)" not in second_prompt
    with KnowledgeBase(stack.api_url) as kb:
        assert [e.event_id for e in kb.story(name)] == [first_id, second_id]
        assert kb.concept_history(name, keeper).attributes["encounters"] == "2"


class FakeChatCompletions(BaseHTTPRequestHandler):
    """An OpenAI-compatible /chat/completions that answers with a beat naming the first concept id it was given."""

    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChatCompletions.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        prompt = body["messages"][-1]["content"]
        concept = re.search(r"id ([\w-]+)\)", prompt)
        reply = {"kind": "weir-opened", "summary": f"The model answered a prompt of {len(prompt.splitlines())} lines.",
                 "concept_updates": [{"concept_id": concept.group(1) if concept else "none",
                                      "attributes": {"mood": "relieved"}},
                                     {"concept_id": "not-in-the-prompt", "attributes": {"x": "y"}}]}
        payload = json.dumps({"choices": [{"message": {"role": "assistant",
                                                       "content": "```json\n" + json.dumps(reply) + "\n```"}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def chat_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_an_openai_compatible_generator_is_used_when_configured(stack: Stack, world: tuple[str, str],
                                                                chat_server: str) -> None:
    name, keeper = world
    FakeChatCompletions.requests.clear()
    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-test-key", "ANNALS_GENERATOR": "openai",
           "ANNALS_GENERATOR_URL": chat_server, "ANNALS_GENERATOR_MODEL": "storyteller-test"}
    prompt, event_id = run_example(stack, "--world", name, "--concept", keeper, "--action", "opens the weir", env=env)
    [request] = FakeChatCompletions.requests
    assert request["path"] == "/v1/chat/completions" and request["model"] == "storyteller-test"
    assert request["auth"] == "Bearer sk-test-key"
    assert request["messages"][-1]["content"] == prompt
    with KnowledgeBase(stack.api_url) as kb:
        [event] = list(kb.story(name))
        history = kb.concept_history(name, keeper)
    assert event.event_id == event_id and event.kind == "weir-opened"
    assert event.summary == f"The model answered a prompt of {len(prompt.splitlines())} lines."
    assert history.attributes["mood"] == "relieved"
    # A concept the model made up is not published.
    assert "not-in-the-prompt" not in event.actors
