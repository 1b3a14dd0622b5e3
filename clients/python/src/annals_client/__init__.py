"""annals-client: publish Annals events and read the knowledge base.

    from annals_client import Publisher, KnowledgeBase, WorldSequence, ConceptUpdate

    kb = KnowledgeBase("http://annals-api:8080")
    with Publisher(brokers="kafka:9092", producer="narrative-generator") as publisher:
        sequence = WorldSequence.from_api(kb, "cindermoor")
        publisher.story_event("cindermoor", sequence.next(), "quest-completed", "Tamsin relights the tower.",
                              actors=["tamsin-ashe"],
                              concept_updates=[ConceptUpdate("tamsin-ashe", attributes={"mood": "hopeful"})])
    for hit in kb.search("cindermoor", "who guards the brazier tower", k=3):
        print(hit.title, hit.text[:80])
"""

from .errors import (APIConnectionError, APIError, AnnalsError, DeliveryError, DeliveryFailure, InvalidParameterError,
                     NotFoundError, Problem, PublisherClosedError, RateLimitedError, ResponseFormatError,
                     UnavailableError, ValidationError)
from .events import Concept, ConceptUpdate, Relationship, RelationshipUpdate
from .ids import content_hash, document_event_id, metric_sample_event_id
from ._version import __version__
from .knowledge_base import KnowledgeBase
from .models import (ConceptChange, ConceptEdge, ConceptHistory, Document, DocumentChunk, RelatedConcept,
                     RelatedConcepts, ScaleDecision, SearchHit, SearchResults, StoryEvent, StoryPage, TierCapacity,
                     WorldOverview)
from .publisher import MESSAGE_TYPE_HEADER, Delivered, Publication, Publisher
from .sequence import WorldSequence

__all__ = [
    "APIConnectionError", "APIError", "AnnalsError", "Concept", "ConceptChange", "ConceptEdge", "ConceptHistory",
    "ConceptUpdate", "Delivered", "DeliveryError", "DeliveryFailure", "Document", "DocumentChunk",
    "InvalidParameterError", "KnowledgeBase", "MESSAGE_TYPE_HEADER", "NotFoundError", "Problem", "Publication",
    "Publisher", "PublisherClosedError", "RateLimitedError", "RelatedConcept", "RelatedConcepts", "Relationship",
    "RelationshipUpdate", "ResponseFormatError", "ScaleDecision", "SearchHit", "SearchResults", "StoryEvent",
    "StoryPage", "TierCapacity", "UnavailableError", "ValidationError", "WorldOverview", "WorldSequence",
    "__version__", "content_hash", "document_event_id", "metric_sample_event_id",
]
