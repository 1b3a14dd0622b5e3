/// What an operator can do about a failure, as data: lower layers say what to do, and only the command line renders
/// it as a command to run (`annals replay story --in-place`).
public enum Remedy: Equatable, Sendable {
    /// Rebuild the projection's tables from its topics, in place.
    case replayInPlace(projection: String)
    /// Start a replay of the projection.
    case startReplay(projection: String)
    /// Finish the unfinished replay of the projection.
    case resumeReplay(projection: String)
    /// Finish the unfinished replay of the projection, or drop it.
    case resumeOrAbandonReplay(projection: String)
    /// Drop the unfinished replay of the projection, then start again.
    case abandonReplay(projection: String)
    /// Rebuild the projection's tables blue/green with another embedder (its model and vector dimension), then run
    /// its workers and readers with that embedder.
    case replayWithEmbedder(projection: String, model: String, dimension: Int)
    /// Create the tables (migrate, or start the projection's worker).
    case migrate
    /// Grant the least-privilege roles (migrate with roles, as a role that may create them).
    case migrateRoles
    /// Grant the roles as the owner of the database objects, then grant the projection's writer role to a login.
    case migrateRolesAndGrantWriter(projection: String, login: String)
    /// Create the topics as `Topics/` declares them.
    case applyTopics
    /// List every dead letter with its id.
    case listDeadLetters
    /// Re-drive one dead letter through the projection that owns it.
    case redrive(projection: String, id: Int64)
}

/// An error that says, as a `Remedy`, what to do about it.
public protocol RemediableError: Error, CustomStringConvertible {
    /// What to do, if anything can be done; nil when the description already says all there is.
    var remedy: Remedy? { get }
}
