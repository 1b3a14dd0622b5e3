/// The two text formats a `/metrics` endpoint serves.
public enum ExpositionFormat: Sendable, Equatable {
    /// `text/plain; version=0.0.4`: timestamps in integer milliseconds.
    case prometheusText
    /// `application/openmetrics-text; version=1.0.0`: timestamps in seconds, `# EOF` last, exemplars.
    case openMetrics

    /// The format a response's `Content-Type` names; nil when it names neither.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingBlanks.lowercased()
        } ?? ""
        switch mediaType {
        case "application/openmetrics-text": self = .openMetrics
        case "text/plain": self = .prometheusText
        default: return nil
        }
    }
}

extension Substring {
    fileprivate var trimmingBlanks: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
