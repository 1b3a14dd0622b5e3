#!/usr/bin/env python3
"""The player-scale load report: `annals loadgen` at rising player counts against the local stack.

Starts a scratch PostgreSQL, the dev broker and the four workers (release build), then for each player count runs
`annals loadgen` for --seconds while sampling, every second, the topics' high watermarks over the Kafka protocol and
each worker's /metrics (lag = what reached the topic less what the worker applied; the
end-to-end latency histogram: record timestamp = event time, to the commit that made the row) and each
process's CPU and memory from /proc. After the load stops it waits for the lag to drain. It writes the raw
samples and a summary (JSON, CSV, a Markdown table) and the charts into --out, and prints the summary.

A stage is saturated when the story worker applied less than 95% of what was offered while the load ran, the
lag left when the load stopped is more than 5 seconds of the offered rate, or the end-to-end P99 is above 1 s.
"""
import argparse
import csv
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORKERS = {"story": "annals-story-worker", "metrics": "annals-metrics-worker",
           "scaling": "annals-scaling-worker", "kb": "annals-kb-worker"}
TICKS = os.sysconf("SC_CLK_TCK")
SATURATION = "applied < 95% of offered, lag at the end of the load > 5 s of events, or end-to-end P99 > 1 s"


def log(message):
    print(f"load-report: {message}", file=sys.stderr, flush=True)


class Stack:
    """PostgreSQL, the dev broker and the workers, on fixed local ports; stopped on exit."""

    def __init__(self, args, run_dir):
        self.args = args
        self.run_dir = run_dir
        self.bin = pathlib.Path(args.bin)
        self.processes = {}
        self.pg_data = ROOT / ".local" / "pg-load"
        self.env = dict(os.environ)

    def start(self):
        subprocess.run([ROOT / "dev/postgres", "stop", "--data", self.pg_data], capture_output=True)
        shutil.rmtree(self.pg_data, ignore_errors=True)
        url = subprocess.run([ROOT / "dev/postgres", "start", "--data", self.pg_data, "--port", str(self.args.pg_port)],
                             check=True, capture_output=True, text=True).stdout.strip()
        self.env["DATABASE_URL"] = url
        bootstrap = self.run_dir / "bootstrap.txt"
        self.spawn("broker", [self.bin / "annals", "dev-broker", "--topics-dir", ROOT / "Topics",
                              "--bootstrap-file", bootstrap])
        for _ in range(100):
            if bootstrap.exists() and bootstrap.read_text().strip():
                break
            time.sleep(0.1)
        self.env["KAFKA_BROKERS"] = bootstrap.read_text().strip()
        self.watermarks = Watermarks(self.env["KAFKA_BROKERS"])
        subprocess.run([self.bin / "annals", "migrate"], check=True, env=self.env, capture_output=True)
        subprocess.run([self.bin / "annals", "topics", "apply"], check=True, env=self.env, capture_output=True)
        for index, (name, executable) in enumerate(WORKERS.items()):
            self.spawn(name, [self.bin / executable, "--http-port", str(self.args.http_port + index),
                              *self.args.worker_args.split()])
        for index, name in enumerate(WORKERS):
            wait_for(lambda: http_ok(self.args.http_port + index, "/readyz"), 60, f"{name} worker ready")

    def spawn(self, name, command):
        out = open(self.run_dir / f"{name}.log", "w")
        self.processes[name] = subprocess.Popen([str(part) for part in command], env=self.env, stdout=out, stderr=out)

    def postgres_pids(self):
        """The postmaster and its children."""
        try:
            postmaster = int((self.pg_data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True).stdout
        return [postmaster] + [int(pid) for pid in children.split()]

    def stopped_workers(self):
        """name → the last error line of each process that exited."""
        stopped = {}
        for name, process in self.processes.items():
            if process.poll() is not None:
                lines = (self.run_dir / f"{name}.log").read_text(errors="replace").splitlines()
                errors = [line for line in lines if '"critical"' in line or '"error"' in line] or lines or [""]
                stopped[name] = errors[-1][:400]
        return stopped

    def stop(self):
        if hasattr(self, "watermarks"):
            self.watermarks.close()
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run([ROOT / "dev/postgres", "stop", "--data", self.pg_data], capture_output=True)


def wait_for(condition, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"load-report: timed out waiting for {what}")


def http_ok(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    """[(name, labels, value)] of a worker's /metrics; [] when it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return []
    samples = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            samples.append((match.group(1), dict(LABEL.findall(match.group(2) or "")), float(match.group(3))))
    return samples


def metric_sum(samples, name):
    return sum(value for metric, _, value in samples if metric == name)


def buckets(samples, name):
    """Cumulative histogram buckets: upper bound → count."""
    return {float(labels["le"]): value for metric, labels, value in samples if metric == name + "_bucket"}


def quantile(cumulative, fraction):
    """histogram_quantile: linear interpolation inside the bucket holding the rank."""
    bounds = sorted(cumulative)
    if not bounds or cumulative[bounds[-1]] <= 0:
        return None
    rank = fraction * cumulative[bounds[-1]]
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if bound == float("inf"):
                return previous_bound
            width = count - previous_count
            return previous_bound + (bound - previous_bound) * ((rank - previous_count) / width if width else 1)
        previous_bound, previous_count = bound, count
    return bounds[-1]


class Watermarks:
    """Sum of a topic's high watermarks, read over the Kafka protocol (confluent-kafka)."""

    def __init__(self, brokers):
        from confluent_kafka import Consumer, TopicPartition
        self.consumer = Consumer({"bootstrap.servers": brokers, "group.id": "load-report-watermarks"})
        self.partition = TopicPartition

    def close(self):
        self.consumer.close()

    def total(self, topic):
        metadata = self.consumer.list_topics(topic, timeout=5).topics[topic]
        return sum(self.consumer.get_watermark_offsets(self.partition(topic, p), timeout=5, cached=False)[1]
                   for p in metadata.partitions)


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def rss_megabytes(pids):
    total = 0
    for pid in pids:
        try:
            for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_stage(stack, args, players, run_dir):
    """One player count: load for args.seconds, then drain. Returns (summary, timeseries rows)."""
    ports = {name: args.http_port + index for index, name in enumerate(WORKERS)}

    def components():
        pids = {name: [process.pid] for name, process in stack.processes.items()}
        pids["postgres"] = stack.postgres_pids()
        if loadgen.poll() is None:
            pids["loadgen"] = [loadgen.pid]
        return pids

    # Latency quantiles count the events committed from --warmup seconds into the load until the lag drained: a
    # new producer's first deliveries wait for its connections and producer id, which no steady player sees.
    before = None
    initial = {name: scrape(port) for name, port in ports.items()}
    # Each worker's topics (the knowledge base reads story events too: their concept changes).
    topics = {"story": ["story-event"], "metrics": ["metric-sample"], "scaling": ["scale-decision"],
              "kb": ["document-ingested", "story-event"]}

    def high(name):
        return sum(stack.watermarks.total(topic) for topic in topics[name])

    initial_high = {name: high(name) for name in topics}
    report_file = run_dir / f"loadgen-{players}.json"
    progress_file = run_dir / f"loadgen-{players}.log"
    loadgen = subprocess.Popen(
        [str(stack.bin / "annals"), "loadgen", "--players", str(players), "--duration", str(args.seconds),
         "--run-id", f"load-{players}", "--json"],
        env=stack.env, stdout=open(report_file, "w"), stderr=open(progress_file, "w"))
    start = time.time()
    rows, last_ticks, last_time, lag_at_stop, applied_at_stop = [], {}, start, None, None
    peak_rss = {}
    while True:
        time.sleep(1)
        now = time.time()
        scraped = {name: scrape(port) for name, port in ports.items()}
        row = {"players": players, "t": round(now - start, 1), "loading": loadgen.poll() is None}
        for name in topics:
            # Lag: what reached the topic since the stage started, less what the worker applied since then.
            row[f"applied_{name}"] = (metric_sum(scraped[name], "annals_events_applied_total")
                                      - metric_sum(initial[name], "annals_events_applied_total")
                                      if scraped[name] else rows[-1][f"applied_{name}"] if rows else 0)
            row[f"lag_{name}"] = high(name) - initial_high[name] - row[f"applied_{name}"]
        for name, pids in components().items():
            ticks = cpu_ticks(pids)
            if name in last_ticks:
                row[f"cpu_{name}"] = round(100 * (ticks - last_ticks[name]) / TICKS / (now - last_time), 1)
            last_ticks[name] = ticks
            peak_rss[name] = max(peak_rss.get(name, 0), rss_megabytes(pids))
        last_time = now
        rows.append(row)
        if before is None and row["t"] >= args.warmup:
            before = scraped
        if loadgen.poll() is not None and lag_at_stop is None:
            lag_at_stop, applied_at_stop = row["lag_story"], row["applied_story"]
            stopped_at = now
        stopped = stack.stopped_workers()
        if stopped:
            log(f"stopped during the stage: {stopped}")
            break
        if lag_at_stop is not None:
            delivered = json.loads(report_file.read_text())["storyEvents"]["delivered"]
            drained = row["applied_story"] >= delivered and row["lag_story"] == 0 and row["lag_kb"] <= 0
            if drained or now - stopped_at > args.drain_timeout:
                break
    after = {name: scrape(port) for name, port in ports.items()}
    before = before or {name: [] for name in ports}
    report = json.loads(report_file.read_text())
    loaded = [row for row in rows if row["loading"]]

    def latency(projection):
        name = "annals_end_to_end_latency_seconds"
        now_buckets, then_buckets = buckets(after[projection], name), buckets(before[projection], name)
        delta = {bound: count - then_buckets.get(bound, 0) for bound, count in now_buckets.items()}
        return {f"p{int(f * 100)}": quantile(delta, f) for f in (0.5, 0.95, 0.99)}

    if loadgen.poll() is None:
        loadgen.wait()
        lag_at_stop, applied_at_stop = rows[-1]["lag_story"], rows[-1]["applied_story"]
    report = json.loads(report_file.read_text())
    offered = report["storyEvents"]["delivered"]
    seconds_loaded = report["plannedSeconds"]
    story_latency = latency("story")
    batch = "annals_batch_duration_seconds"
    batches = metric_sum(after["story"], batch + "_count") - metric_sum(before["story"], batch + "_count")
    batch_seconds = metric_sum(after["story"], batch + "_sum") - metric_sum(before["story"], batch + "_sum")
    measured_seconds = max(rows[-1]["t"] - args.warmup, 1)
    summary = {
        "players": players,
        "offered_story_per_s": report["storyEvents"]["targetPerSecond"],
        "sent_story_per_s": offered / seconds_loaded,
        "sent_samples_per_s": report["metricSamples"]["delivered"] / seconds_loaded,
        "applied_story_per_s_during_load": applied_at_stop / seconds_loaded,
        "max_lag_story": max(row["lag_story"] for row in rows),
        "max_lag_kb": max(row["lag_kb"] for row in rows),
        "max_lag_metrics": max(row["lag_metrics"] for row in rows),
        "e2e_kb": latency("kb"),
        "lag_story_at_stop": lag_at_stop,
        "drain_seconds": round(rows[-1]["t"] - seconds_loaded, 1) if rows[-1]["applied_story"] >= offered else None,
        "e2e_story": story_latency,
        "e2e_metrics": latency("metrics"),
        "generator_behind_s": report["maxScheduleLagSeconds"],
        "story_batches_per_s": batches / measured_seconds,
        "story_mean_batch_events": (rows[-1]["applied_story"] / batches) if batches > 0 else None,
        "story_commit_ms_mean": 1000 * batch_seconds / batches if batches > 0 else None,
        "stopped": stack.stopped_workers(),
        "cpu_percent_during_load": {
            name: round(sum(row.get(f"cpu_{name}", 0) for row in loaded) / max(len(loaded), 1), 1)
            for name in list(WORKERS) + ["broker", "postgres", "loadgen"]},
        "peak_rss_mb": {name: round(value, 1) for name, value in peak_rss.items()},
    }
    summary["saturated"] = bool(
        summary["stopped"]
        or summary["applied_story_per_s_during_load"] < 0.95 * summary["sent_story_per_s"]
        or summary["lag_story_at_stop"] > 5 * summary["sent_story_per_s"]
        or (story_latency["p99"] or 0) > 1)
    return summary, rows


def write_outputs(out, summaries, rows):
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summaries, indent=2) + "\n")
    fields = sorted({key for row in rows for key in row}, key=lambda k: (k != "players", k != "t", k))
    with open(out / "timeseries.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    table = markdown_table(summaries)
    (out / "summary.md").write_text(table)
    charts(out, summaries, rows)
    return table


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def fmt(value):
    return "-" if value is None else f"{value:,.0f}"


def markdown_table(summaries):
    lines = ["| players | story events/s sent | applied/s during load | e2e P50 / P95 / P99 ms (story) | "
             "e2e P99 ms kb / metrics | max lag story / kb | lag at stop | drained in s | story batches/s, mean events, mean commit ms | "
             "CPU % story / PG / broker / loadgen | saturated |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---|---|---|"]
    for s in summaries:
        cpu = s["cpu_percent_during_load"]
        e2e = s["e2e_story"]
        lines.append(
            f"| {s['players']:,} | {s['sent_story_per_s']:,.0f} | {s['applied_story_per_s_during_load']:,.0f} | "
            f"{ms(e2e['p50'])} / {ms(e2e['p95'])} / {ms(e2e['p99'])} | {ms(s['e2e_kb']['p99'])} / {ms(s['e2e_metrics']['p99'])} | "
            f"{s['max_lag_story']:,.0f} / {s['max_lag_kb']:,.0f} | {s['lag_story_at_stop']:,.0f} | "
            f"{'-' if s['drain_seconds'] is None else s['drain_seconds']} | "
            f"{s['story_batches_per_s']:.1f}, {fmt(s['story_mean_batch_events'])}, {fmt(s['story_commit_ms_mean'])} | "
            f"{cpu['story']:.0f} / {cpu['postgres']:.0f} / {cpu['broker']:.0f} / {cpu['loadgen']:.0f} | "
            f"{'yes: ' + ', '.join(f'{name} stopped' for name in s['stopped']) if s['stopped'] else 'yes' if s['saturated'] else 'no'} |")
    return "\n".join(lines) + "\n"


def charts(out, summaries, rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is missing (dev/setup installs it): no charts")
        return
    players = [s["players"] for s in summaries]

    def chart(name, title, xlabel, ylabel, draw, log_x=True, log_y=True, legend_size=None):
        figure, axis = plt.subplots(figsize=(8, 4.5))
        draw(axis)
        if log_x:
            axis.set_xscale("log")
        if log_y:
            axis.set_yscale("log")
        axis.set_xlabel(xlabel)
        axis.set_ylabel(ylabel)
        axis.set_title(title)
        axis.legend(fontsize=legend_size, ncol=2 if legend_size else 1)
        figure.tight_layout()
        figure.savefig(out / name, dpi=110)
        plt.close(figure)

    def lag(axis):
        for s in summaries:
            stage = [row for row in rows if row["players"] == s["players"]]
            axis.plot([row["t"] for row in stage], [max(row["lag_story"], 0.5) for row in stage],
                      label=f"{s['players']:,} players")

    def latency(axis):
        for key, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
            axis.plot(players, [(s["e2e_story"][key] or 0) * 1000 for s in summaries], style, label=f"story {key.upper()}")
        axis.axhline(1000, color="grey", linestyle="--", label="1 s alert threshold")

    def throughput(axis):
        axis.plot(players, [s["sent_story_per_s"] for s in summaries], "o--", label="story events/s offered")
        axis.plot(players, [s["applied_story_per_s_during_load"] for s in summaries], "o-", label="applied/s while loading")

    def cpu(axis):
        bottom = [0.0] * len(summaries)
        labels = [f"{p:,}" for p in players]
        for name in ["story", "postgres", "broker", "loadgen", "metrics", "scaling", "kb"]:
            values = [s["cpu_percent_during_load"].get(name, 0) for s in summaries]
            axis.bar(labels, values, bottom=bottom, label=name)
            bottom = [b + v for b, v in zip(bottom, values)]
        axis.axhline(100 * (os.cpu_count() or 2), color="grey", linestyle="--", label=f"{os.cpu_count()} cores")

    chart("lag.png", "Consumer lag over time (load for the first part, then drain)", "seconds since the load started",
          "story-event consumer lag (messages)", lag, log_x=False)
    chart("latency.png", "End-to-end latency", "concurrent players", "event time → committed row (ms)", latency)
    chart("throughput.png", "Story worker throughput", "concurrent players", "events per second", throughput)
    chart("cpu.png", "Where the CPU goes", "concurrent players", "CPU % while loading (100 = one core)", cpu,
          log_x=False, log_y=False, legend_size="small")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", default="100,1000,10000",
                        help="comma-separated player counts, one stage each (default: 100,1000,10000)")
    parser.add_argument("--seconds", type=float, default=60, help="seconds of load per stage (default 60)")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds at the start of each stage left out of the latency quantiles (default 5)")
    parser.add_argument("--drain-timeout", type=float, default=180, help="longest wait for the lag to drain (default 180)")
    parser.add_argument("--out", default=str(ROOT / "docs/load-report"), help="where the figures and charts go")
    parser.add_argument("--bin", default=str(ROOT / ".build/release"), help="directory of the built executables")
    parser.add_argument("--pg-port", type=int, default=25490)
    parser.add_argument("--worker-args", default="",
                        help="extra arguments for every worker, e.g. \"--kafka-property fetch.wait.max.ms=50\"")
    parser.add_argument("--http-port", type=int, default=9610, help="first of four ports for the workers' /metrics")
    args = parser.parse_args()
    try:
        stages = [int(p) for p in args.players.split(",")]
    except ValueError:
        parser.error(f"--players must be comma-separated whole numbers, got {args.players!r}")
    missing = [name for name in ["annals", *WORKERS.values()] if not (pathlib.Path(args.bin) / name).exists()]
    if missing:
        parser.error(f"{', '.join(missing)} not found in {args.bin}: run `swift build -c release` first")

    out = pathlib.Path(args.out)
    run_dir = ROOT / ".local" / "load-report"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    stack = Stack(args, run_dir)
    summaries, rows = [], []
    try:
        log(f"starting PostgreSQL, the dev broker and four workers from {args.bin} (logs in {run_dir})")
        stack.start()
        for players in stages:
            log(f"{players:,} players for {args.seconds:.0f} s")
            summary, stage_rows = run_stage(stack, args, players, run_dir)
            summaries.append(summary)
            rows += stage_rows
            if summary["stopped"]:
                log("a process stopped: no further stages")
                break
            e2e = summary["e2e_story"]
            log(f"{players:,} players: {summary['sent_story_per_s']:,.0f} story events/s sent, "
                f"{summary['applied_story_per_s_during_load']:,.0f}/s applied, e2e P50/P95/P99 "
                f"{ms(e2e['p50'])}/{ms(e2e['p95'])}/{ms(e2e['p99'])} ms, max lag {summary['max_lag_story']:,.0f}"
                + (" SATURATED" if summary["saturated"] else ""))
    finally:
        stack.stop()
    table = write_outputs(out, summaries, rows)
    load = os.getloadavg()
    print(f"\nLoad report ({os.cpu_count()} cores, load average {load[0]:.1f} at the end; saturated = {SATURATION})\n")
    print(table)
    print(f"Figures and charts in {out}")


if __name__ == "__main__":
    main()
