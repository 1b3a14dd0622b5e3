"""Errors raised by annals_client: each says what failed and, where it can, what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AnnalsError(Exception):
    """Base of every error this package raises."""


@dataclass(frozen=True)
class Problem:
    """One broken rule of an event: the field (as the workers name it, e.g. ``concept_updates[0].concept_id``)
    and what is wrong with it."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field} {self.problem}"


class ValidationError(AnnalsError, ValueError):
    """An event the workers would refuse (dead-letter); nothing was sent.

    ``field`` names the first field at fault, ``problems`` lists every one.
    """

    def __init__(self, message_type: str, problems: Sequence[Problem]) -> None:
        self.message_type = message_type
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.field = self.problems[0].field if self.problems else ""
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"invalid {message_type}, nothing was sent: {listed}")


@dataclass(frozen=True)
class DeliveryFailure:
    """An event the broker did not acknowledge, and the reason librdkafka or the broker gave."""

    event_id: str
    topic: str
    key: str
    reason: str
    code: str

    def __str__(self) -> str:
        return f"{self.topic} key {self.key!r} event {self.event_id}: {self.reason} ({self.code})"


class DeliveryError(AnnalsError):
    """Events were not delivered. ``failures`` holds each one with its reason; events still in flight when a
    flush gave up are counted in ``undelivered``. Publishing the same event again (same ``event_id``) is safe:
    the workers apply an event id once."""

    def __init__(self, message: str, failures: Sequence[DeliveryFailure] = (), undelivered: int = 0,
                 broker_error: str | None = None) -> None:
        self.failures: tuple[DeliveryFailure, ...] = tuple(failures)
        self.undelivered = undelivered
        self.broker_error = broker_error
        details = [message]
        details += [str(failure) for failure in self.failures[:5]]
        if len(self.failures) > 5:
            details.append(f"… and {len(self.failures) - 5} more")
        if broker_error:
            details.append(f"last error from the client or broker: {broker_error}")
        super().__init__("\n  ".join(details))


class PublisherClosedError(AnnalsError):
    """The publisher was closed, or librdkafka reported a fatal error: make a new ``Publisher``."""


class APIError(AnnalsError):
    """annals-api refused or could not answer a request.

    ``code`` is the API's machine-readable code (``invalid_parameter``, ``not_found``, ``rate_limited``,
    ``unavailable``, ``internal``, ``method_not_allowed``), ``message`` its explanation, ``parameter`` the
    parameter at fault for ``invalid_parameter``.
    """

    def __init__(self, status: int, code: str, message: str, *, parameter: str | None = None,
                 retry_after: float | None = None, url: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.retry_after = retry_after
        self.url = url
        where = f" (parameter {parameter})" if parameter else ""
        super().__init__(f"annals-api answered {status} {code}{where}: {message}" + (f" [GET {url}]" if url else ""))


class NotFoundError(APIError):
    """404: no such world story, document or concept in the view asked for."""


class InvalidParameterError(APIError):
    """400: a parameter was missing or unusable; ``parameter`` names it."""


class RateLimitedError(APIError):
    """429 after every retry: the client is over its rate limit; ``retry_after`` says for how long."""


class UnavailableError(APIError):
    """503 after every retry: the database or a projection's tables are not available."""


class APIConnectionError(AnnalsError):
    """annals-api could not be reached (connection refused, timeout) after every retry."""


class ResponseFormatError(AnnalsError):
    """annals-api answered with a body that does not match its OpenAPI document (a version mismatch?)."""
