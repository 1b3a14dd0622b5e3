/// A kind of personally identifiable information the scrubber recognises and replaces.
public enum PIIKind: String, CaseIterable, Sendable, Codable {
    case email
    case phone
    case paymentCard = "payment_card"
    case ipv4
    case ipv6
    case nationalID = "national_id"
    case cloudAccessKey = "cloud_access_key"

    /// The typed placeholder that replaces a value of this kind, e.g. `[PAYMENT_CARD]`.
    public var placeholder: String {
        "[\(rawValue.uppercased())]"
    }
}
