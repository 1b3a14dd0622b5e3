import Foundation

/// RFC 3339 times as command lines take them: `2026-11-25T10:00:00Z`, with or without fractional seconds and with
/// any offset (`2026-11-25T10:00:00.250+01:00`).
public enum InternetTime {
    /// The instant `text` names; nil when it is not such a time.
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
