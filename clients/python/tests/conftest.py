"""The dev stack the tests run against, started once per session from the built Annals executables.

PostgreSQL: the server of ``ANNALS_TEST_DATABASE_URL`` (``dev/test-python`` starts one when it is not set), in a
database of this session's own, dropped at the end. Kafka: ``annals dev-broker`` (librdkafka's mock cluster, real
Kafka protocol) with the topics of ``Topics/``. The knowledge base embeds with the ``hashing`` embedder unless
``ANNALS_EMBEDDER`` says otherwise. Then ``annals migrate``, ``annals topics apply``, the story,
knowledge-base, metrics and scaling workers and ``annals-api``, each waited for on ``/readyz``. Executables come
from ``ANNALS_BIN_DIR`` (``dev/test`` sets it to ``.build/debug``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[3]
T = TypeVar("T")


def wait_until(condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1,
               on_timeout: Callable[[], str] = lambda: "") -> T:
    """Polls ``condition`` until it returns something other than None/False; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{on_timeout()}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Service:
    """A process of the stack, its log, and its HTTP endpoint."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return f"\n--- last lines of {self.log} ---\n" + "\n".join(text)

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Stack:
    """What the tests talk to: the broker, the database (through psql) and annals-api."""

    bin_dir: Path
    run_dir: Path
    psql: Path
    database_url: str
    brokers: str = ""
    api_url: str = ""
    services: dict[str, Service] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"DATABASE_URL": self.database_url, "KAFKA_BROKERS": self.brokers, "ANNALS_LOG_FORMAT": "text"})
        # These tests are about the client, not the embedding model: the hashing embedder (deterministic, no weights,
        # cheap in a debug build) unless the caller chose one. The workers, the API and `annals migrate` all read it.
        env.setdefault("ANNALS_EMBEDDER", "hashing")
        return env

    def sql(self, query: str, **variables: str) -> list[dict[str, Any]]:
        """Rows of ``query`` as dicts (through json_agg); ``:'name'`` in the query is the quoted variable."""
        arguments = [str(self.psql), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", self.database_url]
        for name, value in variables.items():
            arguments += ["-v", f"{name}={value}"]
        wrapped = f"SELECT coalesce(json_agg(row_to_json(r)), '[]') FROM ({query}) r"
        result = subprocess.run(arguments, input=wrapped, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"psql failed: {result.stderr.strip()}\nquery: {query}")
        rows: list[dict[str, Any]] = json.loads(result.stdout)
        return rows

    def annals(self, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Runs the ``annals`` CLI against this stack."""
        return subprocess.run([str(self.bin_dir / "annals"), *arguments], capture_output=True, text=True,
                              timeout=timeout, env=self.environment(), cwd=REPO)

    def start(self, name: str, executable: str, *arguments: str, http: bool = True) -> Service:
        """Starts an executable of the stack in the background (its /readyz is waited for by ``wait_ready``)."""
        port = free_port() if http else None
        log = self.run_dir / f"{name}.log"
        args = [str(self.bin_dir / executable), *arguments]
        if port is not None:
            args += ["--http-host", "127.0.0.1", "--http-port", str(port)]
        with open(log, "wb") as output:
            process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=self.environment(), cwd=REPO)
        service = Service(name, process, log, port)
        self.services[name] = service
        return service

    def wait_ready(self, service: Service, timeout: float = 120) -> None:
        def ready() -> bool:
            if service.process.poll() is not None:
                raise AssertionError(f"{service.name} exited with {service.process.returncode}{service.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/readyz", timeout=2) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        wait_until(ready, timeout, f"{service.name} /readyz", interval=0.2, on_timeout=service.log_tail)

    def wait_for_rows(self, query: str, count: int, timeout: float = 90, **variables: str) -> list[dict[str, Any]]:
        """Waits until ``query`` returns at least ``count`` rows; returns them."""
        def enough() -> list[dict[str, Any]] | None:
            rows = self.sql(query, **variables)
            return rows if len(rows) >= count else None

        return wait_until(enough, timeout, f"{count} rows of: {query}", interval=0.2, on_timeout=self._worker_logs)

    def _worker_logs(self) -> str:
        return "".join(service.log_tail(10) for service in self.services.values() if service.name.endswith("worker"))


def _database_server_url() -> str:
    url = os.environ.get("ANNALS_TEST_DATABASE_URL")
    if not url:
        pytest.exit("ANNALS_TEST_DATABASE_URL is not set: run the tests with dev/test-python (it starts PostgreSQL)",
                    returncode=2)
    return url


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    bin_dir = Path(os.environ.get("ANNALS_BIN_DIR", REPO / ".build" / "debug"))
    missing = [name for name in ("annals", "annals-story-worker", "annals-kb-worker", "annals-metrics-worker",
                                 "annals-scaling-worker", "annals-api") if not (bin_dir / name).is_file()]
    if missing:
        pytest.exit(f"{', '.join(missing)} not in {bin_dir}: build them (swift build) or set ANNALS_BIN_DIR", returncode=2)
    bindir = subprocess.run([str(REPO / "dev" / "postgres"), "bindir"], capture_output=True, text=True, check=True)
    psql = Path(bindir.stdout.strip()) / "psql"
    server = _database_server_url()
    database = f"annals_py_{secrets.token_hex(4)}"
    admin = [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", server]
    subprocess.run([*admin, "-c", f"CREATE DATABASE {database}"], check=True, capture_output=True, timeout=60)
    run_dir = Path(tempfile.mkdtemp(prefix="annals-py-"))
    stack = Stack(bin_dir=bin_dir, run_dir=run_dir, psql=psql, database_url=_with_database(server, database))
    failed = True
    try:
        bootstrap = run_dir / "bootstrap.txt"
        broker = stack.start("dev-broker", "annals", "dev-broker", "--brokers", "3", "--topics-dir", str(REPO / "Topics"),
                             "--bootstrap-file", str(bootstrap), http=False)

        def bootstrap_written() -> str | None:
            if broker.process.poll() is not None:
                raise AssertionError(f"annals dev-broker exited{broker.log_tail()}")
            text = bootstrap.read_text().strip() if bootstrap.exists() else ""
            return text or None

        stack.brokers = wait_until(bootstrap_written, 60, "the dev broker's bootstrap file", on_timeout=broker.log_tail)
        for command in (("migrate",), ("topics", "apply")):
            result = stack.annals(*command)
            assert result.returncode == 0, f"annals {' '.join(command)}: {result.stdout}{result.stderr}"
        fast_group = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200"]
        workers = [stack.start(name, f"annals-{name}", "--linger-ms", "20", *fast_group)
                   for name in ("story-worker", "kb-worker", "metrics-worker", "scaling-worker")]
        api = stack.start("api", "annals-api", "--rate-limit", "0")
        for service in (*workers, api):
            stack.wait_ready(service)
        stack.api_url = f"http://127.0.0.1:{api.port}"
        failed = False
        yield stack
    finally:
        for service in reversed(list(stack.services.values())):
            service.stop()
        subprocess.run([*admin, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True,
                       timeout=60)
        if failed:
            print(f"stack logs kept in {run_dir}", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture()
def unique() -> str:
    """A short random suffix, so each test's worlds, documents and instances are its own."""
    return secrets.token_hex(4)
