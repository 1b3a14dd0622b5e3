/// The least-privilege database roles of a deployment, all NOLOGIN group roles that operators grant to login roles:
/// per projection a writer (`annals_story_writer`) that may write only that projection's schemas and its own rows
/// of the shared `annals` tables, and one reader (`annals_reader`) that may only SELECT the projection schemas.
///
/// Roles are cluster-wide while grants are per database: a prefix keeps two deployments (or two tests) sharing a
/// cluster apart.
public struct AccessRoles: Sendable, Equatable {
    /// The prefix unless told otherwise.
    public static let defaultPrefix = "annals"

    /// Starts every role name.
    public let prefix: String

    /// Roles named `<prefix>_<projection>_writer` and `<prefix>_reader`. The prefix must be a plain lower-case SQL
    /// identifier (letters, digits, underscores, starting with a letter or underscore) short enough for the names.
    public init(prefix: String = AccessRoles.defaultPrefix) throws(AccessRolesError) {
        let allowed = prefix.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        guard let first = prefix.unicodeScalars.first, allowed, !("0"..."9").contains(first) else {
            throw .invalidPrefix(prefix)
        }
        // The longest projection name today is 7 bytes ("metrics", "scaling"); leave room for longer ones.
        guard prefix.utf8.count <= Self.longestPrefix else { throw .prefixTooLong(prefix, limit: Self.longestPrefix) }
        self.prefix = prefix
    }

    /// Postgres truncates identifiers to 63 bytes: `<prefix>_<name>_writer` must fit with names up to 24 bytes.
    static let longestPrefix = 63 - "_".count - 24 - "_writer".count

    /// The role that writes `projection` (its name, e.g. `story`).
    public func writer(of projection: String) -> String { "\(prefix)_\(projection)_writer" }

    /// The role that reads every projection.
    public var reader: String { "\(prefix)_reader" }
}

/// What one role may do, as `AccessRoles.apply` set it up.
public struct RoleGrant: Sendable, Equatable, CustomStringConvertible {
    public var role: String
    /// Schemas it may write (a writer) or read (the reader).
    public var schemas: [String]
    /// The projection whose rows of the `annals` tables it may write; nil for the reader.
    public var projection: String?

    public var description: String {
        if let projection {
            "\(role) writes \(schemas.joined(separator: ", ")) and the \(projection) rows of the annals tables"
        } else {
            "\(role) reads \(schemas.joined(separator: ", "))"
        }
    }
}

/// Why roles cannot be set up as asked.
public enum AccessRolesError: RemediableError, Equatable, Sendable {
    case invalidPrefix(String)
    case prefixTooLong(String, limit: Int)
    /// The connected role may not create roles.
    case cannotCreateRoles(role: String)

    public var description: String {
        switch self {
        case .invalidPrefix(let prefix):
            "role prefix '\(prefix)' must be lower-case letters, digits and underscores, starting with a letter or underscore"
        case .prefixTooLong(let prefix, let limit):
            "role prefix '\(prefix)' is longer than \(limit) bytes: role names would not fit Postgres' 63-byte limit"
        case .cannotCreateRoles(let role):
            "role \(role) may not create roles; it must be a superuser, or have CREATEROLE and own the annals objects"
        }
    }

    public var remedy: Remedy? {
        if case .cannotCreateRoles = self { .migrateRoles } else { nil }
    }
}
