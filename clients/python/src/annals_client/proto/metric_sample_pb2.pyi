from . import meta_pb2 as _meta_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
TIER_BRONZE: Tier
TIER_GOLD: Tier
TIER_SILVER: Tier
TIER_UNSPECIFIED: Tier

class MetricSample(_message.Message):
    __slots__ = ["active_players", "gpu_memory_utilization", "gpu_utilization", "instance_id", "latency_p95_seconds", "meta", "queue_depth", "sampled_at", "spot_interruption_notice", "tier"]
    ACTIVE_PLAYERS_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    GPU_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_SECONDS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_AT_FIELD_NUMBER: _ClassVar[int]
    SPOT_INTERRUPTION_NOTICE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    active_players: int
    gpu_memory_utilization: float
    gpu_utilization: float
    instance_id: str
    latency_p95_seconds: float
    meta: _meta_pb2.EventMeta
    queue_depth: int
    sampled_at: _timestamp_pb2.Timestamp
    spot_interruption_notice: bool
    tier: Tier
    def __init__(self, meta: _Optional[_Union[_meta_pb2.EventMeta, _Mapping]] = ..., tier: _Optional[_Union[Tier, str]] = ..., instance_id: _Optional[str] = ..., sampled_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., gpu_utilization: _Optional[float] = ..., gpu_memory_utilization: _Optional[float] = ..., queue_depth: _Optional[int] = ..., latency_p95_seconds: _Optional[float] = ..., active_players: _Optional[int] = ..., spot_interruption_notice: bool = ...) -> None: ...

class Tier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
