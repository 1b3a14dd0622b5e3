from . import meta_pb2 as _meta_pb2
from . import metric_sample_pb2 as _metric_sample_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DecisionInputs(_message.Message):
    __slots__ = ["active_players", "latency_p95_seconds", "max_gpu_utilization", "mean_gpu_utilization", "queue_depth", "samples", "spot_interruption_notice", "window_end"]
    ACTIVE_PLAYERS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_GPU_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    MEAN_GPU_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    SPOT_INTERRUPTION_NOTICE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    active_players: int
    latency_p95_seconds: float
    max_gpu_utilization: float
    mean_gpu_utilization: float
    queue_depth: int
    samples: int
    spot_interruption_notice: bool
    window_end: _timestamp_pb2.Timestamp
    def __init__(self, window_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., samples: _Optional[int] = ..., mean_gpu_utilization: _Optional[float] = ..., max_gpu_utilization: _Optional[float] = ..., queue_depth: _Optional[int] = ..., latency_p95_seconds: _Optional[float] = ..., active_players: _Optional[int] = ..., spot_interruption_notice: bool = ...) -> None: ...

class ScaleDecision(_message.Message):
    __slots__ = ["current_capacity", "decided_at", "decision_id", "desired_capacity", "desired_on_demand", "desired_spot", "inputs", "meta", "policy_version", "reason", "tier"]
    CURRENT_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    DESIRED_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DESIRED_ON_DEMAND_FIELD_NUMBER: _ClassVar[int]
    DESIRED_SPOT_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    current_capacity: int
    decided_at: _timestamp_pb2.Timestamp
    decision_id: str
    desired_capacity: int
    desired_on_demand: int
    desired_spot: int
    inputs: DecisionInputs
    meta: _meta_pb2.EventMeta
    policy_version: str
    reason: str
    tier: _metric_sample_pb2.Tier
    def __init__(self, meta: _Optional[_Union[_meta_pb2.EventMeta, _Mapping]] = ..., decision_id: _Optional[str] = ..., tier: _Optional[_Union[_metric_sample_pb2.Tier, str]] = ..., current_capacity: _Optional[int] = ..., desired_capacity: _Optional[int] = ..., desired_spot: _Optional[int] = ..., desired_on_demand: _Optional[int] = ..., reason: _Optional[str] = ..., inputs: _Optional[_Union[DecisionInputs, _Mapping]] = ..., policy_version: _Optional[str] = ..., decided_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
