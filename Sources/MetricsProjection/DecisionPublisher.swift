import AnnalsEvents
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Sends the decisions queued in ``DecisionOutbox`` to `scale-decision` (keyed by tier, with the message-type
/// header) in the order they were made, and marks them sent once the broker has acknowledged them. Runs a round when
/// woken (after each committed batch), every `pollInterval` besides, and once more when the worker stops, so a
/// decision committed just before a crash or a stop is sent by the next round of any worker. A crash between the
/// broker's acknowledgement and the mark re-sends a decision: its id is the same, so it is applied once.
///
/// Before its first round it reads scale-decision back and records what is there as sent, so a worker rebuilding
/// the metrics tables from offset 0 (its database lost or restored from an old backup) does not publish past
/// decisions again, and a decision acknowledged but left unmarked by a crash is not re-sent.
public final class DecisionPublisher: Service, Sendable {
    private let database: SerialConnection
    private let producer: KafkaProducer
    private let kafka: KafkaConfig
    private let reconciled = Atomic<Bool>(false)
    private let logger: Logger
    private let roundSize: Int
    private let wakeups: Wakeups

    /// A publisher reading the outbox at `databaseURL` and producing to the brokers of `kafka`.
    public init(databaseURL: String, kafka: KafkaConfig, logger: Logger, pollInterval: Duration = .seconds(2),
                roundSize: Int = 500) throws {
        database = SerialConnection(conninfo: databaseURL, label: "annals.metrics.outbox")
        producer = try KafkaProducer(config: kafka, logger: logger)
        self.kafka = kafka
        self.logger = logger
        self.roundSize = max(1, roundSize)
        wakeups = Wakeups(every: pollInterval)
    }

    /// Asks for a round soon; wake-ups while one runs coalesce into one more.
    public func wake() {
        wakeups.wake()
    }

    public func run() async throws {
        // The first round sends what a previous run committed but did not send.
        await wakeups.run { await self.publishQueued() }
        // The projection stops first (it comes later in the service group): send what its last batch decided.
        if !Task.isCancelled { await publishQueued() }
        logger.info("decision publisher stopped")
    }

    /// Sends everything queued, a round at a time; on failure, logs and leaves the rest for the next round.
    func publishQueued() async {
        do {
            if !reconciled.load(ordering: .relaxed) {
                guard try await reconcile() else { return }
                reconciled.store(true, ordering: .relaxed)
            }
            while try await publishRound() == roundSize {}
        } catch {
            logger.warning("cannot publish decisions now, will retry", metadata: ["error": "\(error)"])
            await database.close()  // and with it the session's outbox lock
        }
    }

    /// Reads scale-decision up to its high watermarks and records every decision on it as sent. False while the
    /// outbox does not exist yet (the projection migrates it when it starts): the next round tries again.
    private func reconcile() async throws -> Bool {
        let (kafka, logger) = (kafka, logger)
        let outcome = try await database.run { connection -> (onTopic: Int, newlySent: Int)? in
            guard try DecisionOutbox.exists(connection: connection) else { return nil }
            let topic = AnnalsTopic.scaleDecision.rawValue
            let ranges = try KafkaAdmin(config: kafka, logger: logger).watermarks(ofTopics: [topic])
            guard !ranges.isEmpty else {
                throw KafkaError(code: KafkaError.Code.unknownTopicOrPartition,
                                 message: "topic \(topic) does not exist: run `annals topics apply`")
            }
            let messages = try KafkaConsumer.read(ranges, config: kafka, groupID: "annals-outbox-reconcile", logger: logger)
            let published = messages.compactMap { message -> DecisionOutbox.Entry? in
                guard let value = message.value,
                      case .scaleDecision(let decision)? = try? AnnalsTopic.scaleDecision.decode(binary: value) else { return nil }
                return DecisionOutbox.Entry(decisionID: decision.decisionID, tier: decision.tier.name, event: value)
            }
            return (published.count, try DecisionOutbox.recordPublished(published, connection: connection))
        }
        guard let outcome else { return false }
        logger.info("outbox reconciled with scale-decision", metadata: [
            "decisions-on-topic": "\(outcome.onTopic)", "newly-recorded-as-sent": "\(outcome.newlySent)",
        ])
        return true
    }

    /// Sends up to `roundSize` queued decisions; returns how many were taken (0 when another publisher is sending).
    private func publishRound() async throws -> Int {
        let roundSize = roundSize
        let taken = try await database.run { connection -> [DecisionOutbox.Entry]? in
            guard try DecisionOutbox.tryLock(connection: connection) else { return nil }
            let entries = try DecisionOutbox.unsent(limit: roundSize, connection: connection)
            if entries.isEmpty { try DecisionOutbox.unlock(connection: connection) }
            return entries
        }
        guard let entries = taken else {
            logger.debug("another worker is publishing decisions")
            return 0
        }
        guard !entries.isEmpty else { return 0 }

        let header = KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.scaleDecision.messageTypeName.utf8))
        let results = await producer.sendAll(entries.map {
            KafkaRecord(topic: AnnalsTopic.scaleDecision.rawValue, key: Array($0.tier.utf8), value: $0.event, headers: [header])
        })
        // Only the acknowledged prefix is marked: an unacknowledged decision is sent again before any later one is
        // marked, so no decision is left behind one sent after it.
        let delivered = Array(zip(entries, results).prefix { if case .success = $0.1 { true } else { false } }.map(\.0))
        try await database.run { connection in
            defer { try? DecisionOutbox.unlock(connection: connection) }
            try DecisionOutbox.markSent(delivered.map(\.decisionID), connection: connection)
        }
        for entry in delivered { logPublished(entry) }
        if delivered.count < entries.count, case .failure(let error) = results[delivered.count] {
            logger.warning("scale-decision did not take a decision, will retry", metadata: [
                "decision": "\(entries[delivered.count].decisionID)", "error": "\(error)",
            ])
            return 0
        }
        return entries.count
    }

    private func logPublished(_ entry: DecisionOutbox.Entry) {
        guard let decision = try? ScaleDecision(serializedBytes: entry.event) else {
            logger.info("published decision", metadata: ["decision": "\(entry.decisionID)"])
            return
        }
        logger.info("published decision", metadata: [
            "decision": "\(entry.decisionID)", "tier": "\(entry.tier)",
            "capacity": "\(decision.currentCapacity) → \(decision.desiredCapacity)",
        ])
    }
}
