import CRdKafka
import Foundation
import Logging

/// Idempotent producer (enable.idempotence=true, acks=all). A dedicated thread polls for delivery reports.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let deliveries: DeliveryRegistry
    private let pollThread: RDKafkaPollThread
    private let logger: Logger
    /// How long `send`/`sendAll` keep retrying a full local queue before failing the record.
    private let queueFullTimeout: Duration = .seconds(30)

    /// Idempotent producer (enable.idempotence=true, acks=all). A dedicated thread polls for delivery reports.
    public init(config: KafkaConfig, logger: Logger) throws {
        var properties = ["enable.idempotence": "true", "acks": "all"]
        properties.merge(config.properties) { _, user in user }
        let configuration = try RDKafkaConfiguration(properties)
        let deliveries = DeliveryRegistry()
        let context = RDKafkaCallbackContext(logger: logger, delivery: deliveries, handlesErrors: true)
        let client = try RDKafkaClient(type: RD_KAFKA_PRODUCER, configuration: configuration, context: context)
        self.client = client
        self.deliveries = deliveries
        self.logger = logger
        self.pollThread = RDKafkaPollThread(client: client, name: "kafka-poll-\(client.name)")
    }

    deinit {
        pollThread.stop()
        // Fail what is still queued so every promise resolves; flush serves those delivery reports.
        _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        _ = rd_kafka_flush(client.handle, 1_000)
    }

    /// Enqueue and await the broker's delivery report.
    public func send(_ record: KafkaRecord) async throws -> DeliveryReport {
        try await enqueueRetrying(record, oldestPending: nil).get().value().get()
    }

    /// Enqueue all records (retrying on a full local queue), then await every report; results are in input order.
    public func sendAll(_ records: [KafkaRecord]) async -> [Result<DeliveryReport, KafkaError>] {
        var enqueued: [Result<DeliveryPromise, KafkaError>] = []
        enqueued.reserveCapacity(records.count)
        var nextToAwait = 0
        for record in records {
            let result = await enqueueRetrying(record) { () -> DeliveryPromise? in
                // A full queue drains as reports arrive: waiting for our oldest report is the natural backoff.
                while nextToAwait < enqueued.count {
                    defer { nextToAwait += 1 }
                    if case .success(let promise) = enqueued[nextToAwait] { return promise }
                }
                return nil
            }
            enqueued.append(result)
        }
        var results: [Result<DeliveryReport, KafkaError>] = []
        results.reserveCapacity(enqueued.count)
        for entry in enqueued {
            switch entry {
            case .success(let promise): results.append(await promise.value())
            case .failure(let error): results.append(.failure(error))
            }
        }
        return results
    }

    /// Wait until every queued message is delivered or failed, at most `timeoutMilliseconds`; blocks the caller.
    public func flush(timeoutMilliseconds: Int32) throws {
        let result = rd_kafka_flush(client.handle, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                result,
                message: "flush: \(rd_kafka_outq_len(client.handle)) messages/requests still queued after \(timeoutMilliseconds) ms"
            )
        }
    }

    /// Messages handed to librdkafka whose delivery report has not arrived yet.
    public var pendingDeliveries: Int { deliveries.count }

    /// Enqueues `record`, retrying on a full queue by awaiting `oldestPending()` or backing off.
    private func enqueueRetrying(
        _ record: KafkaRecord,
        oldestPending: (() -> DeliveryPromise?)?
    ) async -> Result<DeliveryPromise, KafkaError> {
        let deadline = ContinuousClock.now + queueFullTimeout
        var backoff: Duration = .milliseconds(1)
        while true {
            let result = enqueue(record)
            guard case .failure(let error) = result, error.code == KafkaError.Code.queueFull else { return result }
            if ContinuousClock.now >= deadline {
                return .failure(KafkaError(
                    code: error.code,
                    message: "local producer queue still full after \(queueFullTimeout); raise queue.buffering.max.messages or slow down",
                    isRetriable: true
                ))
            }
            if let pending = oldestPending?() {
                _ = await pending.value()
            } else {
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return .failure(KafkaError(code: KafkaError.Code.queueFull, message: "cancelled while the local producer queue was full"))
                }
                backoff = min(backoff * 2, .milliseconds(100))
            }
        }
    }

    /// One `rd_kafka_produceva` call; never blocks.
    private func enqueue(_ record: KafkaRecord) -> Result<DeliveryPromise, KafkaError> {
        let promise = DeliveryPromise()
        let arena = CArena()
        var vus: [rd_kafka_vu_t] = []
        func append(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
            var vu = rd_kafka_vu_t()
            vu.vtype = type
            fill(&vu)
            vus.append(vu)
        }
        append(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = arena.cString(record.topic) }
        if let partition = record.partition {
            append(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
        }
        if let key = record.key {
            append(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = arena.bytes(key); $0.u.mem.size = key.count }
        }
        if let timestamp = record.timestampMilliseconds {
            append(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp }
        }
        append(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = arena.bytes(record.value); $0.u.mem.size = record.value.count }
        for header in record.headers {
            append(RD_KAFKA_VTYPE_HEADER) {
                $0.u.header.name = arena.cString(header.key)
                $0.u.header.val = header.value.flatMap { UnsafeRawPointer(arena.bytes($0)) }
                $0.u.header.size = header.value?.count ?? 0
            }
        }
        append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
        let opaque = deliveries.retainOpaque(for: promise)
        append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }

        guard let error = rd_kafka_produceva(client.handle, vus, vus.count) else {
            return .success(promise)
        }
        _ = deliveries.release(opaque: opaque)
        var kafkaError = KafkaError.consuming(error, context: "produce to \(record.topic)")
        if kafkaError.code == KafkaError.Code.queueFull { kafkaError.isRetriable = true }
        return .failure(kafkaError)
    }
}

/// Sole owner of C copies of Swift strings and bytes for the duration of one librdkafka call.
private final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `string`.
    func cString(_ string: String) -> UnsafePointer<CChar>? {
        guard let copy = strdup(string) else { return nil }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// A copy of `bytes`, or `nil` when empty (librdkafka then sends a null payload).
    func bytes(_ bytes: [UInt8]) -> UnsafeMutableRawPointer? {
        guard !bytes.isEmpty, let copy = malloc(bytes.count) else { return nil }
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        allocations.append(copy)
        return copy
    }

    deinit {
        for allocation in allocations { free(allocation) }
    }
}
