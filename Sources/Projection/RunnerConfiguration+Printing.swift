import Postgres

// Whatever prints a configuration (ServiceLifecycle logs its services at debug level, `dump`, string interpolation,
// a test's failure message) gets the database password masked and the Kafka secrets redacted.
extension RunnerConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "RunnerConfiguration(kafka: \(kafka), groupID: \(groupID), database: \(redacted(databaseURL)), settings: \(settings)"
            + (stopAt.map { ", stopAt: \($0.count) partitions" } ?? "") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["kafka": kafka, "groupID": groupID, "database": redacted(databaseURL), "settings": settings,
                                "stopAt": stopAt as Any], displayStyle: .struct)
    }
}
