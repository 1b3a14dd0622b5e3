"""Content hashes and event ids, computed exactly as the Annals Swift producers compute them."""

from __future__ import annotations

import hashlib
import uuid

from .validation import MAX_IDENTIFIER_BYTES


def content_hash(content: str) -> str:
    """Lower-case hex SHA-256 of the UTF-8 bytes of ``content``, as ``annals ingest`` and ``sha256sum`` give it."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def document_event_id(document_id: str, version: int, content_hash: str) -> str:
    """``doc-<document id>-v<version>-<first 12 hex digits of the content hash>``, as ``annals ingest`` makes it;
    when that is longer than 200 UTF-8 bytes, ``doc-`` and 32 hex digits of the SHA-256 of the three.

    Deterministic, so publishing the same version of a document again is the same event (applied once)."""
    readable = f"doc-{document_id}-v{version}-{content_hash[:12]}"
    if len(readable.encode("utf-8")) <= MAX_IDENTIFIER_BYTES:
        return readable
    return "doc-" + hashlib.sha256(f"{document_id}\n{version}\n{content_hash}".encode("utf-8")).hexdigest()[:32]


def metric_sample_event_id(instance_id: str, sampled_at_milliseconds: int) -> str:
    """``<instance>@<milliseconds>``, as annals-metrics-agent makes it: sending a sample again is the same event."""
    return f"{instance_id}@{sampled_at_milliseconds}"


def new_event_id() -> str:
    """A random UUID (version 4), for events with no natural identity (story events)."""
    return str(uuid.uuid4())
