import CRdKafka
import Foundation

/// A dedicated thread serving a producer's main queue (delivery reports, errors) with `rd_kafka_poll`.
final class RDKafkaPollThread: Sendable {
    private let stopRequested = Locked(false)
    private let finished = DispatchSemaphore(value: 0)
    private let stopped = Locked(false)

    /// Starts polling `client` until `stop()`.
    init(client: RDKafkaClient, name: String) {
        let thread = Thread { [stopRequested, finished] in
            while !stopRequested.withLock({ $0 }) {
                rd_kafka_poll(client.handle, 100)
            }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the thread to stop and waits for it (at most one poll interval); idempotent.
    func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        stopRequested.withLock { $0 = true }
        finished.wait()
    }
}
