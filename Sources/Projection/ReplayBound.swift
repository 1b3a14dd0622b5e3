import Foundation
import Kafka

/// Where a replay stops, for state as of a point: before an offset of every partition, or before the first
/// message stamped at or after a time.
public enum ReplayBound: Equatable, Sendable, CustomStringConvertible {
    /// Apply messages whose offset is below this, in every partition.
    case offset(Int64)
    /// Apply messages whose Kafka timestamp is before this (milliseconds since 1970).
    case timestamp(milliseconds: Int64)

    /// Parses `12345` (an offset) or an ISO 8601 time such as `2026-11-25T10:00:00Z` or `2026-11-25T10:00:00.250+01:00`.
    public init(parsing text: String) throws(ReplayError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let offset = Int64(trimmed) {
            guard offset >= 0 else { throw .badBound(text) }
            self = .offset(offset)
            return
        }
        guard let date = InternetTime.date(trimmed) else { throw .badBound(text) }
        self = .timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Each partition's stop offset: never past its high watermark.
    /// `firstAtOrAfter` gives, for a timestamp bound, each partition's first offset at or after it (nil: none).
    public func stopOffsets(highWatermarks: [TopicPartition: Int64],
                            firstAtOrAfter: [TopicPartition: Int64?] = [:]) -> [TopicPartition: Int64] {
        var stops: [TopicPartition: Int64] = [:]
        for (partition, high) in highWatermarks {
            switch self {
            case .offset(let offset):
                stops[partition] = min(offset, high)
            case .timestamp:
                let first = firstAtOrAfter[partition] ?? nil
                stops[partition] = min(first ?? high, high)
            }
        }
        return stops
    }

    public var description: String {
        switch self {
        case .offset(let offset): "offset \(offset)"
        case .timestamp(let milliseconds):
            Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
        }
    }
}
