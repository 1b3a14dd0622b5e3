"""A client for annals-api: knowledge-base search, story history, concepts and scaling, over HTTP with httpx."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from . import models
from ._version import __version__
from .errors import (APIConnectionError, APIError, InvalidParameterError, NotFoundError, RateLimitedError,
                     ResponseFormatError, UnavailableError)

_RETRIED_STATUSES = {429, 503}
_ERRORS_BY_CODE: dict[str, type[APIError]] = {
    "not_found": NotFoundError,
    "invalid_parameter": InvalidParameterError,
    "rate_limited": RateLimitedError,
    "unavailable": UnavailableError,
}
T = TypeVar("T")


class KnowledgeBase:
    """annals-api's read endpoints as typed calls.

    ``KnowledgeBase("http://annals-api:8080", timeout=10, retries=3)``. Every call is a GET; a ``429`` or
    ``503`` is retried after the ``Retry-After`` the API sends (at most ``max_retry_after`` seconds), and a
    connection failure or timeout after an exponential backoff with jitter, up to ``retries`` times; then the
    error is raised: ``NotFoundError``, ``InvalidParameterError`` (``.parameter`` names it), ``RateLimitedError``,
    ``UnavailableError`` (all ``APIError``, with the API's ``code`` and ``message``) or ``APIConnectionError``.
    Thread-safe; use it as a context manager or call ``close()`` to release its connections.
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0, retries: int = 3, backoff: float = 0.25,
                 max_backoff: float = 10.0, max_retry_after: float = 60.0,
                 headers: Mapping[str, str] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport,
            headers={"User-Agent": f"annals-client/{__version__} httpx/{httpx.__version__}",
                     "Accept": "application/json", **(headers or {})})
        #: Requests retried so far (after a 429, 503 or connection failure), for metrics and tests.
        self.retried = 0

    # MARK: endpoints

    def worlds(self) -> list[models.WorldOverview]:
        """Every world the knowledge base or the story knows, with its counts and last story sequence."""
        return models.worlds_from_json(self._get("/v1/worlds"))

    def world(self, world_id: str) -> models.WorldOverview | None:
        """One world's overview, None when neither the knowledge base nor the story knows it."""
        return next((world for world in self.worlds() if world.world_id == world_id), None)

    def search(self, world: str | None, query: str, k: int = 10) -> models.SearchResults:
        """The ``k`` best chunks for ``query`` as ``world`` sees the knowledge base (its documents and the global
        ones); ``world`` None searches the global documents only. Iterate the result for the hits."""
        params: dict[str, str | int] = {"q": query, "k": k}
        if world is not None:
            params["world"] = world
        body, headers = self._get_with_headers("/v1/search", params)
        return models.SearchResults.from_json(body, cached=headers.get("x-annals-cache") == "hit")

    def document(self, document_id: str) -> models.Document:
        """A document's stored version and its chunks."""
        return models.Document.from_json(self._get(f"/v1/documents/{_segment(document_id)}"))

    def story_page(self, world: str, after: int | None = None, limit: int = 50) -> models.StoryPage:
        """One page of ``world``'s story: events with a sequence above ``after`` (None: from the first), at most
        ``limit`` sequences, oldest first. ``NotFoundError`` when the world has no story events."""
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        return models.StoryPage.from_json(self._get(f"/v1/worlds/{_segment(world)}/story", params))

    def story(self, world: str, after: int | None = None, limit: int = 50) -> Iterator[models.StoryEvent]:
        """Every event of ``world``'s story after sequence ``after``, oldest first, fetched ``limit`` sequences a
        page at a time as the iteration goes. ``NotFoundError`` (on the first step) when the world has no story."""
        page = self.story_page(world, after, limit)
        while True:
            yield from page.events
            if page.next_after is None:
                return
            page = self.story_page(world, page.next_after, limit)

    def recent_story(self, world: str, count: int = 10) -> list[models.StoryEvent]:
        """The events of the last ``count`` sequences of ``world``'s story, oldest first; empty when the world has
        none yet."""
        overview = self.world(world)
        if overview is None or overview.last_sequence is None:
            return []
        after = max(-1, overview.last_sequence - count)
        try:
            return list(self.story(world, after=after, limit=max(1, min(count, 500))))
        except NotFoundError:
            return []

    def concept_history(self, world: str | None, concept: str) -> models.ConceptHistory:
        """What ``concept`` is now as ``world`` sees it (None: the global view) and every change, oldest first."""
        params: dict[str, str | int] = {} if world is None else {"world": world}
        return models.ConceptHistory.from_json(self._get(f"/v1/concepts/{_segment(concept)}/history", params))

    def related(self, world: str | None, concept: str, depth: int = 1) -> models.RelatedConcepts:
        """The concepts within ``depth`` (1 to 5) relationship hops of ``concept`` as ``world`` sees them,
        nearest first."""
        params: dict[str, str | int] = {"depth": depth}
        if world is not None:
            params["world"] = world
        return models.RelatedConcepts.from_json(self._get(f"/v1/concepts/{_segment(concept)}/related", params))

    def capacity(self) -> list[models.TierCapacity]:
        """Each GPU tier's desired capacity, from its newest scale decision."""
        return models.capacity_from_json(self._get("/v1/scaling/capacity"))

    def decisions(self, tier: str | None = None, limit: int = 20) -> list[models.ScaleDecision]:
        """The latest scale decisions, newest first; only ``tier``'s when given."""
        params: dict[str, str | int] = {"limit": limit}
        if tier is not None:
            params["tier"] = tier
        return models.decisions_from_json(self._get("/v1/scaling/decisions", params))

    # MARK: waiting for the projections

    def wait_for_story_event(self, world: str, event_id: str, sequence: int, *, timeout: float = 30.0,
                             interval: float = 0.1) -> models.StoryEvent:
        """Waits until the story worker has applied event ``event_id`` (published with ``sequence``) and the API
        shows it; raises ``TimeoutError`` after ``timeout`` seconds. For reading one's own writes."""

        def find() -> models.StoryEvent | None:
            try:
                page = self.story_page(world, after=sequence - 1, limit=1)
            except NotFoundError:
                return None
            return next((event for event in page.events if event.event_id == event_id), None)

        return _wait(find, timeout, interval, f"story event {event_id} (sequence {sequence}) of world {world}")

    def wait_for_concept_change(self, world: str | None, concept: str, event_id: str, *, timeout: float = 30.0,
                                interval: float = 0.1) -> models.ConceptHistory:
        """Waits until the knowledge-base worker has applied event ``event_id``'s change to ``concept``; raises
        ``TimeoutError`` after ``timeout`` seconds."""

        def find() -> models.ConceptHistory | None:
            try:
                history = self.concept_history(world, concept)
            except NotFoundError:
                return None
            return history if any(change.event_id == event_id for change in history.changes) else None

        return _wait(find, timeout, interval, f"the change of concept {concept} by event {event_id}")

    # MARK: lifecycle

    def close(self) -> None:
        """Closes the connection pool."""
        self._client.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # MARK: HTTP

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self._get_with_headers(path, params)[0]

    def _get_with_headers(self, path: str, params: Mapping[str, str | int] | None = None) -> tuple[Any, httpx.Headers]:
        attempt = 0
        while True:
            try:
                response = self._client.get(path, params=params)
            except httpx.TransportError as error:
                if attempt >= self.retries:
                    raise APIConnectionError(f"annals-api at {self.base_url} did not answer GET {path} after "
                                             f"{attempt + 1} attempts: {type(error).__name__}: {error}") from error
                self._pause(self._backoff(attempt))
                attempt += 1
                continue
            if response.status_code in _RETRIED_STATUSES and attempt < self.retries:
                wait = _retry_after(response.headers.get("retry-after"))
                if wait is None:
                    wait = self._backoff(attempt)
                if wait <= self.max_retry_after:
                    self._pause(wait)
                    attempt += 1
                    continue
            if response.is_success:
                try:
                    return response.json(), response.headers
                except ValueError as error:
                    raise ResponseFormatError(f"GET {response.request.url}: the body is not JSON: {error}") from None
            raise _api_error(response)

    def _pause(self, seconds: float) -> None:
        self.retried += 1
        self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        # Full jitter: clients retrying together spread out instead of returning in step.
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


def _segment(value: str) -> str:
    """A path segment with everything but unreserved characters percent-encoded (``/`` included)."""
    return quote(value, safe="")


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _api_error(response: httpx.Response) -> APIError:
    code = f"http_{response.status_code}"
    message = response.text[:300] or response.reason_phrase
    parameter = None
    try:
        body = response.json()
        detail = body.get("error") if isinstance(body, dict) else None
        if isinstance(detail, dict):
            code = str(detail.get("code", code))
            message = str(detail.get("message", message))
            parameter = detail.get("parameter") if isinstance(detail.get("parameter"), str) else None
    except ValueError:
        pass
    kind = _ERRORS_BY_CODE.get(code)
    if kind is None:
        kind = {404: NotFoundError, 400: InvalidParameterError, 429: RateLimitedError,
                503: UnavailableError}.get(response.status_code, APIError)
    return kind(response.status_code, code, message, parameter=parameter,
                retry_after=_retry_after(response.headers.get("retry-after")), url=str(response.request.url))


def _wait(find: Callable[[], T | None], timeout: float, interval: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} did not appear in annals-api within {timeout} s: is its worker running "
                               "and caught up (`annals status`)?")
        time.sleep(interval)
