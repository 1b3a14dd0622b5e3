#!/usr/bin/env python3
"""Peak RSS of annals-story-worker draining large story events (issue 13): --batch-bytes against count-only batches.

For each --batch-bytes value (by default 33554432, the worker's default of 32 MiB, then 100000000000, which leaves
only --batch-size to close a batch, as before the byte cap), on a fresh stack each time:

 1. starts a scratch PostgreSQL (dev/postgres start --data SCRATCH/pg --port PORT) and the dev broker (annals
    dev-broker) with a copy of Topics/ in which story-event has --partitions partitions, then runs `annals migrate`
    and `annals topics apply`;
 2. starts annals-story-worker (--batch-bytes B, --batch-size, HTTP on a free port) and waits for its /readyz;
 3. publishes --events story events whose summary is --summary-bytes long (by default ~1,000,000 bytes, values just
    under the worker's --max-event-bytes of 1,048,576) with a Python producer (confluent-kafka, classes generated
    from Proto/ with protoc, keyed by world id, header annals-type as the other producers write it). Worlds are one
    per partition (names chosen so librdkafka's partitioner puts world i on partition i), each world's sequences
    run 1, 2, 3, ... The dev broker keeps only about 5 MiB per partition and drops the oldest past that, so events
    go in waves of --wave, each partition getting at most ceil(wave / partitions) of them, and the next wave waits
    (at most --wave-timeout seconds) until the worker's checkpoints (annals.checkpoints) reach what was published;
 4. meanwhile samples the worker's VmRSS from /proc/PID/status every --sample-ms, and at the end reads VmHWM (the
    kernel's peak RSS of the process), the worker's batch count from /metrics, and checks that story.events holds
    every event, with no dead letter and no sequence gap;
 5. stops everything and deletes the data directory before the next run.

It prints progress lines while it runs and, at the end, a table per run: peak RSS (VmHWM and the highest sample),
RSS when idle before the first event, wall time of the drain (first event published to checkpoints caught up after
the last wave; it includes publishing, which runs alongside the worker), events/s and MiB/s, batches and mean batch,
and the ratio of the peaks. The report also goes to SCRATCH/report.txt. Exits 1 if a run did not apply every event
or dead-lettered any.

The executables are copied from --bin to SCRATCH/bin first, so a rebuild meanwhile does not change them.
Everything it started (worker, broker, PostgreSQL) is stopped on exit, Ctrl-C included.
"""
import argparse
import gc
import math
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIB = 1 << 20
STACKS = []   # every Stack made, stopped again on an interrupt (stop() is idempotent)
DEV_BROKER_PARTITION_BYTES = 5 * MIB   # librdkafka's mock cluster: older messages go past this, per partition


def log(message):
    print(f"measure-large-events: {message}", flush=True)


def die(message):
    raise SystemExit(f"measure-large-events: error: {message}")


def parse_args():
    parser = argparse.ArgumentParser(prog="dev/measure-large-events", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build/debug"),
                        help="directory of the annals and annals-story-worker executables (default .build/debug)")
    parser.add_argument("--scratch", default=str(ROOT / ".local/large-events"),
                        help="data, logs, copied executables and the report (default .local/large-events)")
    parser.add_argument("--events", type=int, default=5000, help="story events per run (default 5000)")
    parser.add_argument("--summary-bytes", type=int, default=1_000_000,
                        help="length of each event's summary; the value is ~250 bytes more (default 1000000)")
    parser.add_argument("--batch-bytes", default="33554432,100000000000",
                        help="comma-separated --batch-bytes of the runs, one run each "
                             "(default 33554432,100000000000: the default, then count-only)")
    parser.add_argument("--batch-size", type=int, default=5000, help="the worker's --batch-size (default 5000)")
    parser.add_argument("--partitions", type=int, default=128, help="story-event partitions (default 128)")
    parser.add_argument("--wave", type=int, default=500, help="events published before waiting for the worker (default 500)")
    parser.add_argument("--wave-timeout", type=float, default=900, help="longest wait for a wave to be applied, s (default 900)")
    parser.add_argument("--sample-ms", type=int, default=100, help="RSS sampling interval (default 100)")
    parser.add_argument("--port", type=int, default=25490, help="PostgreSQL port (default 25490)")
    parser.add_argument("--http-port", type=int, default=0, help="the worker's HTTP port (default: a free one)")
    parser.add_argument("--keep-data", action="store_true", help="keep the last run's SCRATCH/pg (stopped)")
    args = parser.parse_args()
    try:
        args.batch_bytes = [int(b) for b in args.batch_bytes.split(",") if b.strip()]
    except ValueError:
        die(f"--batch-bytes takes whole numbers separated by commas, got {args.batch_bytes!r}")
    for name in ("events", "summary_bytes", "batch_size", "partitions", "wave", "sample_ms"):
        if getattr(args, name) < 1:
            die(f"--{name.replace('_', '-')} must be at least 1")
    if not args.batch_bytes or min(args.batch_bytes) < 1:
        die("--batch-bytes values must be at least 1")
    per_partition = math.ceil(args.wave / args.partitions)
    if per_partition * (args.summary_bytes + 1024) > DEV_BROKER_PARTITION_BYTES - 256 * 1024:
        die(f"a wave of {args.wave} over {args.partitions} partitions puts {per_partition} events of "
            f"~{args.summary_bytes} bytes on a partition, more than the dev broker keeps (5 MiB): "
            "pass more --partitions or a smaller --wave")
    return args


class Stack:
    """One run's PostgreSQL, dev broker and story worker. stop() is safe to call at any point, more than once."""

    def __init__(self, args, scratch, bin_dir, label):
        self.args, self.scratch, self.bin, self.label = args, scratch, bin_dir, label
        self.pg_data = scratch / "pg"
        self.logs = scratch / "logs"
        self.env = dict(os.environ)
        self.processes = {}
        self.pg_started = False
        STACKS.append(self)

    def spawn(self, name, command):
        out = open(self.logs / f"{self.label}-{name}.log", "w")
        # Own session: Ctrl-C reaches this script only, which stops them in order.
        self.processes[name] = subprocess.Popen([str(c) for c in command], env=self.env, stdout=out, stderr=out,
                                                start_new_session=True)
        return self.processes[name]

    def start(self, topics_dir):
        subprocess.run([ROOT / "dev/postgres", "stop", "--data", self.pg_data], capture_output=True)
        shutil.rmtree(self.pg_data, ignore_errors=True)
        self.pg_started = True
        started = subprocess.run([ROOT / "dev/postgres", "start", "--data", self.pg_data, "--port", str(self.args.port)],
                                 capture_output=True, text=True)
        if started.returncode != 0:
            die(f"dev/postgres start failed:\n{started.stderr}")
        self.env["DATABASE_URL"] = started.stdout.strip()
        bootstrap = self.scratch / "run" / "bootstrap.txt"
        bootstrap.unlink(missing_ok=True)
        broker = self.spawn("dev-broker", [self.bin / "annals", "dev-broker", "--topics-dir", topics_dir,
                                           "--bootstrap-file", bootstrap])
        for _ in range(200):
            if bootstrap.exists() and bootstrap.read_text().strip():
                break
            if broker.poll() is not None:
                die(f"the dev broker exited; see {self.logs}/{self.label}-dev-broker.log")
            time.sleep(0.1)
        else:
            die("the dev broker did not start within 20 s")
        self.env["KAFKA_BROKERS"] = bootstrap.read_text().strip()
        for command in (["migrate"], ["topics", "apply", "--topics-dir", str(topics_dir)]):
            done = subprocess.run([self.bin / "annals", *command], env=self.env, capture_output=True, text=True)
            if done.returncode != 0:
                die(f"annals {' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def start_worker(self, batch_bytes, http_port):
        return self.spawn("story-worker", [
            self.bin / "annals-story-worker", "--http-port", http_port, "--http-host", "127.0.0.1",
            "--batch-size", self.args.batch_size, "--batch-bytes", batch_bytes])

    def sql(self, query):
        if not hasattr(self, "psql"):
            self.psql = pathlib.Path(subprocess.run([ROOT / "dev/postgres", "bindir"], capture_output=True, text=True,
                                                    check=True).stdout.strip()) / "psql"
        done = subprocess.run([self.psql, self.env["DATABASE_URL"], "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", query],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        return done.stdout.strip()

    def stop(self):
        for name in ("story-worker", "dev-broker"):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    log(f"{name} (pid {process.pid}) did not stop within 15 s of SIGTERM: SIGKILL")
                    process.kill()
                    process.wait()
            self.processes.pop(name, None)
        if self.pg_started:
            subprocess.run([ROOT / "dev/postgres", "stop", "--data", self.pg_data], capture_output=True)
            self.pg_started = False


class RSSSampler(threading.Thread):
    """VmRSS of a process every interval; peak() is the highest sample."""

    def __init__(self, pid, interval):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples = []   # (monotonic time, KiB)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            rss = status_kib(self.pid, "VmRSS")
            if rss is None:
                return
            self.samples.append((time.monotonic(), rss))
            self.stopping.wait(self.interval)

    def current(self):
        return self.samples[-1][1] if self.samples else 0

    def peak(self):
        return max((kib for _, kib in self.samples), default=0)


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except Exception as error:   # connection refused, 503, ...
        return getattr(error, "code", None), ""


def world_names(partitions):
    """World ids such that librdkafka's default partitioner (CRC-32 of the key) puts world i on partition i."""
    names = []
    for partition in range(partitions):
        k = 0
        while zlib.crc32(f"large-{partition:04d}-{k}".encode()) % partitions != partition:
            k += 1
        names.append(f"large-{partition:04d}-{k}")
    return names


class Publisher:
    """Story events with ~summary_bytes summaries, event i for world i % partitions, sequences 1, 2, 3, ... per world."""

    def __init__(self, args, brokers, pb_dir, run_label):
        sys.path.insert(0, str(pb_dir))
        from confluent_kafka import Producer
        from annals.v1 import story_event_pb2
        self.story_event_pb2 = story_event_pb2
        self.args = args
        self.run_label = run_label
        self.worlds = world_names(args.partitions)
        self.sequences = [0] * args.partitions
        # Random printable text (base64 of random bytes): PostgreSQL's TOAST compression cannot shrink it much.
        import base64
        rng = random.Random(13)
        self.pool = base64.b64encode(rng.randbytes(args.summary_bytes * 3 // 4 + 200_000)).decode()
        self.producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "linger.ms": 5,
                                  "message.max.bytes": 2 * MIB, "queue.buffering.max.kbytes": 2 * 1024 * 1024})
        self.failures, self.misplaced, self.delivered = [], 0, 0

    def on_delivery(self, error, message, partition):
        if error is not None:
            self.failures.append(str(error))
        else:
            self.delivered += 1
            if message.partition() != partition:
                self.misplaced += 1

    def publish(self, start, end):
        pb = self.story_event_pb2
        for i in range(start, end):
            w = i % self.args.partitions
            self.sequences[w] += 1
            event = pb.StoryEvent(world_id=self.worlds[w], sequence=self.sequences[w], kind="chronicle-written",
                                  actors=[f"{self.worlds[w]}-scribe"])
            event.meta.event_id = f"{self.run_label}-{i:06d}"
            event.meta.occurred_at.FromSeconds(int(time.time()) - 3600 + i // 100)
            event.meta.producer = "dev/measure-large-events"
            event.meta.schema_version = 1
            event.meta.trace_id = "%032x" % (i + 1)
            offset = (i * 7919) % (len(self.pool) - self.args.summary_bytes)
            event.summary = self.pool[offset:offset + self.args.summary_bytes]
            event.payload.update({"index": i, "bytes": self.args.summary_bytes})
            value = event.SerializeToString()
            while True:
                try:
                    self.producer.produce("story-event", key=self.worlds[w].encode(), value=value,
                                          headers=[("annals-type", b"annals.v1.StoryEvent")],
                                          on_delivery=lambda e, m, p=w: self.on_delivery(e, m, p))
                    break
                except BufferError:
                    self.producer.poll(0.1)
            self.producer.poll(0)
        remaining = self.producer.flush(300)
        if remaining or self.failures:
            die(f"{remaining} events undelivered; failures: {self.failures[:5]}")
        if self.misplaced:
            die(f"{self.misplaced} events went to another partition than their world's: the partitioner differs")
        return len(value)


def run_one(args, scratch, bin_dir, topics_dir, pb_dir, batch_bytes, label):
    stack = Stack(args, scratch, bin_dir, label)
    result = {"label": label, "batch_bytes": batch_bytes}
    publisher = None
    try:
        log(f"[{label}] starting PostgreSQL (port {args.port}) and the dev broker ({args.partitions} partitions)")
        stack.start(topics_dir)
        http_port = args.http_port or free_port()
        worker = stack.start_worker(batch_bytes, http_port)
        log(f"[{label}] annals-story-worker --batch-bytes {batch_bytes} --batch-size {args.batch_size} "
            f"(pid {worker.pid}, HTTP 127.0.0.1:{http_port}); waiting for /readyz")
        deadline = time.monotonic() + 180
        while http_get(http_port, "/readyz")[0] != 200:
            if worker.poll() is not None:
                die(f"the worker exited ({worker.returncode}); see {stack.logs}/{label}-story-worker.log")
            if time.monotonic() > deadline:
                die(f"the worker was not ready within 180 s; see {stack.logs}/{label}-story-worker.log")
            time.sleep(0.5)
        sampler = RSSSampler(worker.pid, args.sample_ms / 1000)
        sampler.start()
        time.sleep(1)
        result["idle_kib"] = sampler.current()
        publisher = Publisher(args, stack.env["KAFKA_BROKERS"], pb_dir, label)
        load_before = os.getloadavg()
        started = time.monotonic()
        publishing = 0.0
        waves = math.ceil(args.events / args.wave)
        last_line = 0.0
        for wave in range(waves):
            start, end = wave * args.wave, min((wave + 1) * args.wave, args.events)
            t = time.monotonic()
            result["value_bytes"] = publisher.publish(start, end)
            publishing += time.monotonic() - t
            deadline = time.monotonic() + args.wave_timeout
            while True:
                applied = int(stack.sql("SELECT coalesce(sum(next_offset), 0) FROM annals.checkpoints "
                                        "WHERE projection = 'story' AND topic = 'story-event'"))
                now = time.monotonic()
                if applied >= end or now - last_line >= 5:
                    log(f"[{label}] wave {wave + 1}/{waves}: published {end}, checkpoints at {applied}, "
                        f"RSS {sampler.current() / 1024:.0f} MiB (peak so far {sampler.peak() / 1024:.0f} MiB), "
                        f"{now - started:.0f} s, load {os.getloadavg()[0]:.1f}")
                    last_line = now
                if applied >= end:
                    break
                if worker.poll() is not None:
                    die(f"the worker exited ({worker.returncode}); see {stack.logs}/{label}-story-worker.log")
                if now > deadline:
                    die(f"wave {wave + 1} not applied within {args.wave_timeout:.0f} s (checkpoints at {applied} of "
                        f"{end}); see {stack.logs}/{label}-story-worker.log")
                time.sleep(0.2)
        result["seconds"] = time.monotonic() - started
        result["publishing_seconds"] = publishing
        result["load"] = (load_before[0], os.getloadavg()[0])
        time.sleep(0.5)
        result["hwm_kib"] = status_kib(worker.pid, "VmHWM") or 0
        sampler.stopping.set()
        sampler.join()
        result["sampled_peak_kib"] = sampler.peak()
        result["samples"] = len(sampler.samples)
        metrics = http_get(http_port, "/metrics")[1]
        result["batches"] = sum(float(line.split()[-1]) for line in metrics.splitlines()
                                if line.startswith("annals_batch_duration_seconds_count"))
        result["applied"] = int(stack.sql("SELECT count(*) FROM story.events"))
        result["dead_letters"] = int(stack.sql("SELECT count(*) FROM annals.dead_letters WHERE projection = 'story'"))
        result["gaps"] = int(stack.sql("SELECT count(*) FROM story.sequence_gaps"))
        with open(scratch / f"{label}-rss.csv", "w") as out:
            out.write("seconds,rss_kib\n")
            for t, kib in sampler.samples:
                out.write(f"{t - started:.2f},{kib}\n")
        log(f"[{label}] done: {result['applied']} events in story.events, {result['dead_letters']} dead letters, "
            f"VmHWM {result['hwm_kib'] / 1024:.0f} MiB")
    finally:
        publisher = None   # the producer goes before the broker it is connected to
        gc.collect()
        stack.stop()
        if not args.keep_data:
            shutil.rmtree(stack.pg_data, ignore_errors=True)
    return result


def main():
    args = parse_args()
    scratch = pathlib.Path(args.scratch).resolve()
    source = pathlib.Path(args.bin).resolve()
    for exe in ("annals", "annals-story-worker"):
        if not os.access(source / exe, os.X_OK):
            die(f"{source / exe} not found: pass --bin (default .build/debug, made by swift build)")
    protoc = shutil.which("protoc") or die("protoc not found (apt-get install protobuf-compiler)")
    if port_in_use(args.port):
        die(f"port {args.port} is in use: pass --port")
    if args.http_port and port_in_use(args.http_port):
        die(f"port {args.http_port} is in use: pass --http-port")

    def interrupted(signum, frame):
        # Once: the cleanup that follows must not be interrupted in turn.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)   # also when started in the background, where SIGINT is ignored

    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("logs", "run", "bin", "py", "topics"):
        shutil.rmtree(scratch / name, ignore_errors=True)
        (scratch / name).mkdir()
    bin_dir = scratch / "bin"
    for exe in ("annals", "annals-story-worker"):
        shutil.copy2(source / exe, bin_dir / exe)
    build = "release" if "release" in source.parts else "debug" if "debug" in source.parts else "unknown"
    log(f"copied annals and annals-story-worker from {source} ({build} build) to {bin_dir}")

    proto = ROOT / "Proto"
    protos = sorted(str(p) for p in (proto / "annals/v1").glob("*.proto"))
    subprocess.run([protoc, "-I", proto, "-I", "/usr/include", f"--python_out={scratch / 'py'}", *protos], check=True)

    topics_dir = scratch / "topics"
    shutil.rmtree(topics_dir)
    shutil.copytree(ROOT / "Topics", topics_dir)
    story = topics_dir / "story-event.yaml"
    story.write_text("".join(f"partitions: {args.partitions}\n" if line.startswith("partitions:") else line
                             for line in story.read_text().splitlines(keepends=True)))

    labels = {b: ("default" if b == 32 * MIB else "count-only" if b >= 10 ** 11 else f"bytes-{b}") for b in args.batch_bytes}
    log(f"{args.events} story events of ~{args.summary_bytes} bytes per run, waves of {args.wave} over "
        f"{args.partitions} partitions; runs: " + ", ".join(f"{labels[b]} (--batch-bytes {b})" for b in args.batch_bytes)
        + f"; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    results = []
    wall = time.monotonic()
    for batch_bytes in args.batch_bytes:
        results.append(run_one(args, scratch, bin_dir, topics_dir, scratch / "py", batch_bytes, labels[batch_bytes]))

    value_mib = results[0]["value_bytes"] / MIB
    lines = [
        f"dev/measure-large-events {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}: {args.events} story events, "
        f"values of {results[0]['value_bytes']} bytes ({value_mib:.2f} MiB), waves of {args.wave} over "
        f"{args.partitions} partitions, --batch-size {args.batch_size}, {build} build, {os.cpu_count()} cores",
        "",
        f"{'run':<11} {'--batch-bytes':>13} {'peak RSS':>9} {'(sampled)':>9} {'idle RSS':>8} {'seconds':>8} "
        f"{'events/s':>8} {'MiB/s':>6} {'batches':>7} {'mean batch':>10} {'applied':>7} {'DLQ':>3} {'load':>9}",
    ]
    for r in results:
        mean = r["applied"] / r["batches"] if r["batches"] else float("nan")
        lines.append(
            f"{r['label']:<11} {r['batch_bytes']:>13} {r['hwm_kib'] / 1024:>5.0f} MiB {r['sampled_peak_kib'] / 1024:>5.0f} MiB "
            f"{r['idle_kib'] / 1024:>4.0f} MiB {r['seconds']:>8.1f} {args.events / r['seconds']:>8.1f} "
            f"{args.events * value_mib / r['seconds']:>6.1f} {r['batches']:>7.0f} {mean:>10.1f} {r['applied']:>7} "
            f"{r['dead_letters']:>3} {r['load'][0]:>4.1f}→{r['load'][1]:<4.1f}")
    lines.append("")
    lines.append("peak RSS = VmHWM of the worker at the end of the run; (sampled) = highest VmRSS sampled every "
                 f"{args.sample_ms} ms; seconds = first event published to the last wave applied (publishing took "
                 + ", ".join(f"{r['publishing_seconds']:.0f} s" for r in results) + ")")
    if len(results) >= 2 and results[0]["hwm_kib"]:
        lines.append(f"peak RSS {results[-1]['label']} / {results[0]['label']}: "
                     f"{results[-1]['hwm_kib'] / results[0]['hwm_kib']:.2f}x")
    failed = [r["label"] for r in results if r["applied"] != args.events or r["dead_letters"] or r["gaps"]]
    lines.append("every run applied all events, no dead letters, no sequence gaps" if not failed else
                 f"FAILED: {', '.join(failed)} did not apply every event or dead-lettered some")
    lines.append(f"wall time {time.monotonic() - wall:.0f} s; RSS samples in {scratch}/<run>-rss.csv, logs in {scratch}/logs")
    report = "\n".join(lines)
    (scratch / "report.txt").write_text(report + "\n")
    print("\n" + report, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        for stack in STACKS:
            stack.stop()
        log("interrupted; everything it started is stopped")
        sys.exit(130)
