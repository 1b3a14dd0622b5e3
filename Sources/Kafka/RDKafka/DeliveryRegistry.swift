import CRdKafka

/// A one-shot delivery result that any number of tasks may await.
final class DeliveryPromise: Sendable {
    private enum State {
        case pending([CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>])
        case done(Result<DeliveryReport, KafkaError>)
    }

    private let state = Locked(State.pending([]))

    /// Stores the result and wakes the waiters; later calls are ignored (a report resolves exactly once).
    func fulfill(_ result: Result<DeliveryReport, KafkaError>) {
        let waiters: [CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// The result, once the broker (or a local failure) decided it.
    func value() async -> Result<DeliveryReport, KafkaError> {
        await withCheckedContinuation { continuation in
            let ready: Result<DeliveryReport, KafkaError>? = state.withLock { state in
                switch state {
                case .done(let result):
                    return result
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Promises of messages handed to librdkafka and not yet reported.
///
/// Each message's opaque is `Unmanaged.passRetained(promise)`: the delivery callback balances that retain.
/// The registry also holds every promise so that, when the client is destroyed without reporting some
/// messages, `deinit` fails them and balances their retain: no waiter hangs and no box leaks.
final class DeliveryRegistry: Sendable {
    private let outstanding = Locked([ObjectIdentifier: DeliveryPromise]())

    /// Number of messages awaiting a report (0 after all reports: used by the leak tests).
    var count: Int { outstanding.withLock { $0.count } }

    /// Registers `promise` and returns the retained opaque for `RD_KAFKA_VTYPE_OPAQUE`.
    func retainOpaque(for promise: DeliveryPromise) -> UnsafeMutableRawPointer {
        outstanding.withLock { $0[ObjectIdentifier(promise)] = promise }
        return Unmanaged.passRetained(promise).toOpaque()
    }

    /// Balances `retainOpaque` for a message librdkafka refused or reported; returns its promise.
    func release(opaque: UnsafeMutableRawPointer) -> DeliveryPromise {
        let promise = Unmanaged<DeliveryPromise>.fromOpaque(opaque).takeRetainedValue()
        _ = outstanding.withLock { $0.removeValue(forKey: ObjectIdentifier(promise)) }
        return promise
    }

    deinit {
        // Runs after rd_kafka_destroy (the client owns the context owning this registry): librdkafka holds
        // no opaque any more, so the retains of unreported messages can be balanced here.
        let leftovers = outstanding.withLock { $0 }
        for promise in leftovers.values {
            promise.fulfill(.failure(KafkaError(
                RD_KAFKA_RESP_ERR__DESTROY,
                message: "producer destroyed before the broker reported delivery"
            )))
            Unmanaged.passUnretained(promise).release()
        }
    }
}

/// Delivery report → the message's promise; runs inside rd_kafka_poll on the producer's poll thread.
let rdKafkaDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, message, opaque in
    guard let message, let messageOpaque = message.pointee._private,
          let registry = RDKafkaCallbackContext.from(opaque)?.delivery
    else { return }
    let promise = registry.release(opaque: messageOpaque)
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    let err = message.pointee.err
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
        promise.fulfill(.success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
    } else {
        let fatal = rk.flatMap { KafkaError.fatal(of: $0) }
        var error = KafkaError(
            err,
            message: "delivery to \(topic) failed: \(String(cString: rd_kafka_err2str(err)))"
                + (fatal.map { " (\($0.message))" } ?? ""),
            isFatal: fatal != nil
        )
        error.isRetriable = err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || err == RD_KAFKA_RESP_ERR__QUEUE_FULL
        promise.fulfill(.failure(error))
    }
}
