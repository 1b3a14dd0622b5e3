import AnnalsEvents
import Dispatch
import Kafka
import Synchronization

/// Turns raw messages into valid events and dead letters; pure.
public struct BatchDecoder: Sendable {
    /// The topics the projection consumes.
    public let topics: [AnnalsTopic]
    /// Values larger than this are dead-lettered undecoded, raw value kept, so they can be re-driven after the
    /// limit is raised.
    public let maxEventBytes: Int
    /// 1 MiB: Kafka's default largest message, and far above any event Annals producers write.
    public static let defaultMaxEventBytes = 1_048_576
    /// Event times further than this ahead of their record's Kafka timestamp are implausible.
    public let eventTimeHorizonSeconds: Int64

    /// The projection's per-event preparation, run right after decoding.
    public let prepare: @Sendable (ProjectedEvent) -> (any Sendable)?

    public init(topics: [AnnalsTopic], maxEventBytes: Int = BatchDecoder.defaultMaxEventBytes,
                eventTimeHorizonSeconds: Int64 = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds,
                prepare: @escaping @Sendable (ProjectedEvent) -> (any Sendable)? = { _ in nil }) {
        self.topics = topics
        self.maxEventBytes = maxEventBytes
        self.eventTimeHorizonSeconds = eventTimeHorizonSeconds
        self.prepare = prepare
    }

    /// Valid events in input order, and a dead letter (with a readable error) for every other message.
    public func decode(_ messages: [KafkaMessage]) -> (events: [ProjectedEvent], deadLetters: [DeadLetter]) {
        var events: [ProjectedEvent] = []
        var deadLetters: [DeadLetter] = []
        events.reserveCapacity(messages.count)
        for decoded in decodeAll(messages) {
            switch decoded {
            case .event(let event): events.append(event)
            case .deadLetter(let letter): deadLetters.append(letter)
            }
        }
        return (events, deadLetters)
    }

    /// Every message decoded, in input order. Large batches are decoded on two threads.
    public func decodeAll(_ messages: [KafkaMessage]) -> [DecodedMessage] {
        let chunks = messages.count >= 1_000 ? 2 : 1
        guard chunks > 1 else { return messages.map(decodeOne) }
        let size = (messages.count + chunks - 1) / chunks
        let results = Mutex<[Int: [DecodedMessage]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let decoded = messages[(chunk * size)..<min((chunk + 1) * size, messages.count)].map(decodeOne)
            results.withLock { $0[chunk] = decoded }
        }
        return results.withLock { results in (0..<chunks).flatMap { results[$0] ?? [] } }
    }

    /// One message as an event, or as a dead letter saying why it is not one.
    public func decodeOne(_ message: KafkaMessage) -> DecodedMessage {
        let coordinates = EventCoordinates(message)
        do {
            var event = ProjectedEvent(event: try decode(message), coordinates: coordinates)
            event.prepared = prepare(event)
            return .event(event)
        } catch {
            return .deadLetter(DeadLetter(message, error: error.description))
        }
    }

    private func decode(_ message: KafkaMessage) throws(EventDecodingError) -> AnnalsEvent {
        guard let topic = AnnalsTopic(rawValue: message.topic), topics.contains(topic) else {
            throw .undecodable(topic: .storyEvent, reason: "topic \(message.topic) is not consumed by this projection")
        }
        guard let value = message.value, !value.isEmpty else { throw .empty(topic: topic) }
        guard value.count <= maxEventBytes else {
            throw .undecodable(topic: topic, reason: Self.oversized(value.count, limit: maxEventBytes))
        }
        if let declared = message.headers.last(where: { $0.key == AnnalsTopic.messageTypeHeader })?.value {
            let name = String(decoding: declared, as: UTF8.self)
            guard name == topic.messageTypeName else { throw .wrongType(topic: topic, declared: name) }
        }
        let event = try topic.decode(binary: value)
        let implausible = EventTimeBound.problems(
            in: event, recordTimestampMilliseconds: message.timestampMilliseconds, horizonSeconds: eventTimeHorizonSeconds)
        guard implausible.isEmpty else { throw .invalid(topic: topic, problems: implausible) }
        return event
    }

    /// "event is 2,000,123 bytes, over the 1,048,576-byte limit (--max-event-bytes)".
    static func oversized(_ size: Int, limit: Int) -> String {
        "event is \(grouped(size)) bytes, over the \(grouped(limit))-byte limit (--max-event-bytes)"
    }

    /// Digits in groups of three, locale-independent: 2000123 → "2,000,123".
    public static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var out = number < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

/// A message after decoding.
public enum DecodedMessage: Sendable {
    case event(ProjectedEvent)
    case deadLetter(DeadLetter)
}

extension DeadLetter {
    /// A dead letter keeping the whole raw message.
    public init(_ message: KafkaMessage, error: String) {
        self.init(
            coordinates: EventCoordinates(message),
            key: message.key, value: message.value, headers: message.headers,
            timestampMilliseconds: message.timestampMilliseconds, error: error)
    }
}
