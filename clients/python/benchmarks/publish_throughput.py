"""Publisher throughput from one Python process: story events per second to a Kafka broker.

    python benchmarks/publish_throughput.py                      # starts its own `annals dev-broker`
    python benchmarks/publish_throughput.py --brokers HOST:PORT  # any broker with the Annals topics

Three runs, in this order, each ended by a flush (every event acknowledged with acks=all):

1. **limit**: confluent-kafka's ``produce`` of events encoded beforehand, with the same key and header: what one
   Python process can hand librdkafka at all;
2. **Publisher.story_event**: the client's whole path per event (EventMeta, payload as Struct, validation as the
   workers do it, encoding, the header, ``produce``);
3. **build only**: the same path without sending (``ValidationError``-free events built and encoded), to show
   where the time goes.

The events are like the Swift bench's (~350 bytes: 80–150-character summary, 2–3 actors, a small payload), spread
over ``--worlds`` worlds. Against the dev broker (librdkafka's mock, which keeps 5 MiB per partition and drops
older events) nothing consumes them; do not point it at a broker whose workers you care about.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Producer

from annals_client import Publisher
from annals_client.proto import story_event_pb2

REPO = Path(__file__).resolve().parents[3]
WORDS = ("ember", "warden", "lamp", "tower", "weir", "ash", "keeper", "choir", "gear", "tide", "salt", "pine",
         "brazier", "oath", "storm", "map", "key", "river", "vault", "song")


Event = tuple[str, int, str, str, list[str], dict[str, "int | str"]]


def events(count: int, worlds: int, seed: int = 7) -> list[Event]:
    rng = random.Random(seed)
    out: list[Event] = []
    sequences = [0] * worlds
    for index in range(count):
        world = index % worlds
        sequences[world] += 1
        words: list[str] = []
        target = rng.randint(80, 150)
        while sum(len(w) + 1 for w in words) < target:
            words.append(rng.choice(WORDS))
        actors = [f"actor-{rng.randint(1, 500)}" for _ in range(rng.randint(2, 3))]
        out.append((f"bench-world-{world}", sequences[world], "quest-progressed", " ".join(words).capitalize() + ".",
                    actors, {"gold": rng.randint(1, 500), "region": rng.choice(WORDS)}))
    return out


def start_dev_broker(bin_dir: Path, scratch: Path) -> tuple[subprocess.Popen[bytes], str]:
    bootstrap = scratch / "bootstrap.txt"
    broker = subprocess.Popen([str(bin_dir / "annals"), "dev-broker", "--topics-dir", str(REPO / "Topics"),
                               "--bootstrap-file", str(bootstrap)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = time.monotonic() + 60
    while not (bootstrap.exists() and bootstrap.read_text().strip()):
        if broker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"annals dev-broker from {bin_dir} did not start")
        time.sleep(0.1)
    return broker, bootstrap.read_text().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description="Publisher throughput (events/s) from one Python process.")
    parser.add_argument("--brokers", help="bootstrap servers; default: start `annals dev-broker`")
    parser.add_argument("--bin-dir", default=os.environ.get("ANNALS_BIN_DIR", str(REPO / ".build" / "debug")))
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--worlds", type=int, default=1_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        broker = None
        brokers = args.brokers
        if brokers is None:
            broker, brokers = start_dev_broker(Path(args.bin_dir), Path(scratch))
        try:
            return run(brokers, args.events, args.worlds, broker is not None)
        finally:
            if broker is not None:
                broker.terminate()
                broker.wait(30)


def run(brokers: str, count: int, worlds: int, dev_broker: bool) -> int:
    data = events(count, worlds)
    print(f"publish-throughput: events={count} worlds={worlds} brokers={brokers}"
          f"{' (annals dev-broker: librdkafka mock cluster, same machine)' if dev_broker else ''}")
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")

    # 1. The limit: pre-encoded events straight into confluent-kafka.
    encoded = []
    for world, sequence, kind, summary, actors, payload in data:
        event = story_event_pb2.StoryEvent(world_id=world, sequence=sequence, kind=kind, summary=summary, actors=actors)
        event.payload.update(payload)
        event.meta.event_id = f"bench-{world}-{sequence}"
        event.meta.producer = "bench"
        event.meta.occurred_at.GetCurrentTime()
        encoded.append((world.encode(), event.SerializeToString()))
    size = sum(len(value) for _, value in encoded) / len(encoded)
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all"})
    headers: list[tuple[str, str | bytes | None]] = [("annals-type", b"annals.v1.StoryEvent")]
    started = time.perf_counter()
    for key, value in encoded:
        while True:
            try:
                producer.produce("story-event", value=value, key=key, headers=headers)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(120)
    limit_seconds = time.perf_counter() - started

    # 2. The client's whole path.
    with Publisher(brokers=brokers, producer="bench") as publisher:
        started = time.perf_counter()
        for world, sequence, kind, summary, actors, payload in data:
            publisher.story_event(world, sequence, kind, summary, actors=actors, payload=payload)
        publisher.flush(120)
        publisher_seconds = time.perf_counter() - started

    # 3. Building and validating alone (closed publisher: nothing is sent; the refusal comes after encoding).
    idle = Publisher(brokers=brokers, producer="bench")
    idle._closed = True  # noqa: SLF001 (benchmark: stop right before produce)
    started = time.perf_counter()
    for world, sequence, kind, summary, actors, payload in data:
        try:
            idle.story_event(world, sequence, kind, summary, actors=actors, payload=payload)
        except Exception:  # PublisherClosedError, raised once the event is built, validated and encoded
            pass
    build_seconds = time.perf_counter() - started

    rows = [("confluent-kafka produce, pre-encoded (limit)", limit_seconds),
            ("Publisher.story_event (build+validate+send)", publisher_seconds),
            ("  of which build+validate+encode, no send", build_seconds)]
    print(f"mean event size {size:.0f} bytes; every run flushed (acks=all)")
    print(f"{'run':48} {'events':>8} {'seconds':>8} {'events/s':>10} {'vs limit':>9}")
    for name, seconds in rows:
        print(f"{name:48} {count:8d} {seconds:8.2f} {count / seconds:10.0f} {limit_seconds / seconds:8.1%}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"publisher throughput: {count / publisher_seconds:.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
