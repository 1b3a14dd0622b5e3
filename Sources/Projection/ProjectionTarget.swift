/// Where a runner writes a projection: the schema holding its tables, and the name its checkpoints and dead letters
/// are kept under in the `annals` runtime tables. Live workers write the projection's own schema under its own name;
/// a rebuild writes a shadow beside it, so the live tables keep serving until the shadow is swapped in.
public struct ProjectionTarget: Hashable, Sendable, CustomStringConvertible {
    public var schema: String
    /// The `projection` value of its rows in `annals.checkpoints` and `annals.dead_letters`.
    public var ledger: String
    /// The live tables, whose version `annals.projections` records and workers migrate.
    public var isLive: Bool

    /// The projection's own tables.
    public static func live(_ projection: any Projection) -> ProjectionTarget {
        ProjectionTarget(schema: projection.schema, ledger: projection.name, isLive: true)
    }

    /// A rebuild's tables beside the live ones: schema `<schema>_<purpose>`, ledger `<name>:<purpose>`.
    public static func shadow(_ projection: any Projection, purpose: String) -> ProjectionTarget {
        ProjectionTarget(schema: "\(projection.schema)_\(purpose)", ledger: "\(projection.name):\(purpose)", isLive: false)
    }

    public var description: String { isLive ? schema : "\(schema) (ledger \(ledger))" }
}
