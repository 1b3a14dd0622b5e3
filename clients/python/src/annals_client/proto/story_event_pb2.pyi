from . import meta_pb2 as _meta_pb2
from . import document_ingested_pb2 as _document_ingested_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConceptUpdate(_message.Message):
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

class RelationshipUpdate(_message.Message):
    __slots__ = ["change", "relationship"]
    class Change(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REMOVE: RelationshipUpdate.Change
    CHANGE_UNSPECIFIED: RelationshipUpdate.Change
    CHANGE_UPSERT: RelationshipUpdate.Change
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    change: RelationshipUpdate.Change
    relationship: _document_ingested_pb2.DeclaredRelationship
    def __init__(self, relationship: _Optional[_Union[_document_ingested_pb2.DeclaredRelationship, _Mapping]] = ..., change: _Optional[_Union[RelationshipUpdate.Change, str]] = ...) -> None: ...

class StoryEvent(_message.Message):
    __slots__ = ["actors", "concept_updates", "kind", "meta", "payload", "relationship_updates", "sequence", "summary", "world_id"]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    CONCEPT_UPDATES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_UPDATES_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    WORLD_ID_FIELD_NUMBER: _ClassVar[int]
    actors: _containers.RepeatedScalarFieldContainer[str]
    concept_updates: _containers.RepeatedCompositeFieldContainer[ConceptUpdate]
    kind: str
    meta: _meta_pb2.EventMeta
    payload: _struct_pb2.Struct
    relationship_updates: _containers.RepeatedCompositeFieldContainer[RelationshipUpdate]
    sequence: int
    summary: str
    world_id: str
    def __init__(self, meta: _Optional[_Union[_meta_pb2.EventMeta, _Mapping]] = ..., world_id: _Optional[str] = ..., sequence: _Optional[int] = ..., kind: _Optional[str] = ..., actors: _Optional[_Iterable[str]] = ..., summary: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., concept_updates: _Optional[_Iterable[_Union[ConceptUpdate, _Mapping]]] = ..., relationship_updates: _Optional[_Iterable[_Union[RelationshipUpdate, _Mapping]]] = ...) -> None: ...
