/// What a load run sent, against what its profile asked for.
public struct LoadReport: Sendable, Equatable, Codable {
    public var runID: String
    public var profile: LoadProfile
    public var worlds: Int
    /// GPU instances simulated per tier name.
    public var instances: [String: Int]
    /// The run's planned length and how long it really took (sending, then waiting for the last deliveries).
    public var plannedSeconds: Double
    public var elapsedSeconds: Double
    public var storyEvents: Delivery
    public var metricSamples: Delivery
    /// The furthest the generator fell behind its schedule, in seconds: above a tick, the generator (or the
    /// broker's acknowledgements) could not keep the asked-for rate.
    public var maxScheduleLagSeconds: Double
    /// Delivery acknowledgement latency over all events, from hand-over to the producer to the broker's report.
    public var acknowledgementP50Seconds: Double
    public var acknowledgementP99Seconds: Double

    /// Events of one topic: how many were asked for, delivered and refused.
    public struct Delivery: Sendable, Equatable, Codable {
        public var topic: String
        public var delivered: Int
        public var failed: Int
        public var targetPerSecond: Double
        /// Delivered per planned second.
        public var achievedPerSecond: Double

        public init(topic: String, delivered: Int, failed: Int, targetPerSecond: Double, achievedPerSecond: Double) {
            self.topic = topic
            self.delivered = delivered
            self.failed = failed
            self.targetPerSecond = targetPerSecond
            self.achievedPerSecond = achievedPerSecond
        }
    }

    public init(runID: String, profile: LoadProfile, worlds: Int, instances: [String: Int], plannedSeconds: Double,
                elapsedSeconds: Double, storyEvents: Delivery, metricSamples: Delivery, maxScheduleLagSeconds: Double,
                acknowledgementP50Seconds: Double, acknowledgementP99Seconds: Double) {
        self.runID = runID
        self.profile = profile
        self.worlds = worlds
        self.instances = instances
        self.plannedSeconds = plannedSeconds
        self.elapsedSeconds = elapsedSeconds
        self.storyEvents = storyEvents
        self.metricSamples = metricSamples
        self.maxScheduleLagSeconds = maxScheduleLagSeconds
        self.acknowledgementP50Seconds = acknowledgementP50Seconds
        self.acknowledgementP99Seconds = acknowledgementP99Seconds
    }

    /// The report for people: what was sent, at what rate against the target, and whether the generator kept up.
    public var text: String {
        let tiers = LoadProfile.tiers.map { "\($0.name) \(instances[$0.name] ?? 0)" }.joined(separator: ", ")
        func line(_ delivery: Delivery) -> String {
            "  \(delivery.topic): \(delivery.delivered) delivered" + (delivery.failed > 0 ? ", \(delivery.failed) FAILED" : "")
                + ", \(Self.rate(delivery.achievedPerSecond))/s (target \(Self.rate(delivery.targetPerSecond))/s)"
        }
        var lines = [
            "load run \(runID): \(profile.players) players in \(worlds) worlds, GPU instances \(tiers)",
            "  \(Self.rate(plannedSeconds)) s planned, \(Self.rate(elapsedSeconds)) s with the last deliveries",
            line(storyEvents),
            line(metricSamples),
            "  broker acknowledgement p50 \(Self.milliseconds(acknowledgementP50Seconds)), p99 \(Self.milliseconds(acknowledgementP99Seconds))",
        ]
        lines.append(maxScheduleLagSeconds > 1
            ? "  behind schedule by up to \(Self.rate(maxScheduleLagSeconds)) s: the generator or the broker could not keep the rate"
            : "  kept the schedule (at most \(Self.milliseconds(maxScheduleLagSeconds)) behind)")
        return lines.joined(separator: "\n")
    }

    private static func rate(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }

    private static func milliseconds(_ seconds: Double) -> String { "\(rate(seconds * 1_000)) ms" }
}

/// The `fraction` quantile (0...1) of `values` by nearest rank; 0 for no values.
public func nearestRankQuantile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
