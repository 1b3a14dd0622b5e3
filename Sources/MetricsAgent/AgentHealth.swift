/// What the agent knows of its own state: readiness is decided from it.
public struct AgentHealth: Sendable, Equatable {
    /// Sources that answered in the last sampling round, and how many were asked.
    public var sourcesAnswered = 0
    public var sourcesAsked = 0
    /// Whether the last publish attempt was acknowledged by the broker; nil before the first.
    public var lastPublishSucceeded: Bool?
    public var lastPublishError: String?
    /// Samples waiting for the broker, and dropped because the buffer was full.
    public var buffered = 0
    public var dropped = 0
    /// When the last sample was taken (uptime nanoseconds), nil before the first.
    public var lastSampleAt: UInt64?
    /// Samples taken since the agent started.
    public var samplesTaken = 0

    public init() {}

    /// Why the agent is not ready, empty when it is: no sample taken yet, no source answering, or the broker not
    /// taking samples.
    public var failing: [String] {
        var failing: [String] = []
        if lastSampleAt == nil { failing.append("no-sample-yet") }
        if lastSampleAt != nil, sourcesAnswered == 0 { failing.append("no-source-answering") }
        if lastPublishSucceeded != true { failing.append("publish") }
        return failing
    }
}
