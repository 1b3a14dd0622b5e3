"""The W3C trace id of the current OpenTelemetry span, when OpenTelemetry is installed and a span is active."""

from __future__ import annotations

try:
    from opentelemetry import trace as _trace
except ImportError:  # OpenTelemetry is optional: `pip install annals-client[otel]`.
    _trace = None  # type: ignore[assignment]


def current_trace_id() -> str:
    """32 lower-case hex digits of the active span's trace id, or ``""`` without a valid span."""
    if _trace is None:
        return ""
    context = _trace.get_current_span().get_span_context()
    if not context.is_valid:
        return ""
    return format(context.trace_id, "032x")
