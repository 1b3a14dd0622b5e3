import CRdKafka

/// Sole owner of short-lived librdkafka objects (queues, events, admin options, admin request objects).
final class RDKafkaOwnedPointers {
    /// The owned pointers; `nil` entries are skipped.
    private(set) var pointers: [OpaquePointer?]
    private let destroy: (OpaquePointer) -> Void

    /// Takes ownership of `pointers`, each freed with `destroy`.
    init(_ pointers: [OpaquePointer?] = [], destroy: @escaping (OpaquePointer) -> Void) {
        self.pointers = pointers
        self.destroy = destroy
    }

    /// Takes ownership of one more pointer.
    func append(_ pointer: OpaquePointer) {
        pointers.append(pointer)
    }

    /// The first pointer (for single-object owners).
    var first: OpaquePointer? { pointers.first ?? nil }

    deinit {
        for pointer in pointers {
            if let pointer { destroy(pointer) }
        }
    }
}
