from . import meta_pb2 as _meta_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeclaredConcept(_message.Message):
    __slots__ = ["attributes", "concept_id", "description", "kind", "name"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CONCEPT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.ScalarMap[str, str]
    concept_id: str
    description: str
    kind: str
    name: str
    def __init__(self, concept_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DeclaredRelationship(_message.Message):
    __slots__ = ["from_concept_id", "kind", "to_concept_id", "weight"]
    FROM_CONCEPT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TO_CONCEPT_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    from_concept_id: str
    kind: str
    to_concept_id: str
    weight: float
    def __init__(self, from_concept_id: _Optional[str] = ..., to_concept_id: _Optional[str] = ..., kind: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class DocumentIngested(_message.Message):
    __slots__ = ["concepts", "content", "content_hash", "document_id", "meta", "relationships", "source", "tags", "title", "version", "world_id"]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORLD_ID_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[DeclaredConcept]
    content: str
    content_hash: str
    document_id: str
    meta: _meta_pb2.EventMeta
    relationships: _containers.RepeatedCompositeFieldContainer[DeclaredRelationship]
    source: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    title: str
    version: int
    world_id: str
    def __init__(self, meta: _Optional[_Union[_meta_pb2.EventMeta, _Mapping]] = ..., document_id: _Optional[str] = ..., version: _Optional[int] = ..., world_id: _Optional[str] = ..., title: _Optional[str] = ..., source: _Optional[str] = ..., content: _Optional[str] = ..., content_hash: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., concepts: _Optional[_Iterable[_Union[DeclaredConcept, _Mapping]]] = ..., relationships: _Optional[_Iterable[_Union[DeclaredRelationship, _Mapping]]] = ...) -> None: ...
