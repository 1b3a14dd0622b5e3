import AnnalsEvents

/// Runs the policy over recorded samples and measures the capacity it would have provisioned against the demand
/// the samples show. Pure: publishes nothing, reads no clock.
///
/// - Each tier's samples go through a ``TierAutoscaler`` in the order given (the topic's partition order), then
///   the open minutes are closed; its decisions move a simulated capacity from the minute each was decided in
///   (see ``BacktestSettings/provisioningDelayMinutes``).
/// - Demand, per minute, from the minute's full rollup (late samples included), in instance-equivalents:
///   `max(queueDepth ÷ queueDepthPerInstance, meanGPU × instancesReporting ÷ gpuUtilizationTarget)`, the
///   instances that would hold the queue at its target, or the GPU work at its target utilisation, whichever is
///   more. Both sums are independent of how many instances the samples were recorded on, while no backlog forms.
/// - A minute is under target when demand exceeds capacity; it is a breach when it exceeds it by more than the
///   policy's tolerance (so the policy should be scaling out); runs of breach minutes are ``Breach``es.
public enum Backtest {
    /// The report for `samples` under `settings`.
    public static func run(_ samples: [MetricSample], settings: BacktestSettings = .init()) -> BacktestReport {
        let rollups = MinuteRollups(samples)
        let policy = settings.policy.clamped
        var tiers: [TierBacktest] = []
        for tier in Tier.scaled {
            let tierRollups = rollups.rollups(for: tier)
            guard let first = tierRollups.first, let last = tierRollups.last else { continue }
            let limits = policy[tier]
            let initial = limits.clamp(settings.initialCapacity[tier] ?? first.instancesReporting)
            var autoscaler = TierAutoscaler(tier: tier, settings: settings.policy, capacity: initial)
            var decisions: [PolicyDecision] = []
            for sample in samples where sample.tier == tier {
                decisions += autoscaler.observe(sample).decisions
            }
            decisions += autoscaler.finish().decisions
            let minutes = timeline(
                from: first.minute, through: last.minute, initial: initial, decisions: decisions,
                delay: max(0, settings.provisioningDelayMinutes), limits: limits, tolerance: policy.tolerance
            ) { rollups[tier, $0] }
            tiers.append(TierBacktest(
                tier: tier, initialCapacity: initial, decisions: decisions, minutes: minutes,
                breaches: breaches(in: minutes, tolerance: policy.tolerance)))
        }
        return BacktestReport(settings: settings, policyVersion: ScalePolicy.version(settings: settings.policy), tiers: tiers)
    }

    /// Instance-equivalents a minute asks for (see ``Backtest``).
    public static func demand(of rollup: MinuteRollup, limits: TierScaleSettings) -> Double {
        max(Double(rollup.queueDepth ?? 0) / limits.queueDepthPerInstance, (rollup.busyInstances ?? 0) / limits.gpuUtilizationTarget)
    }

    private static func timeline(
        from first: Minute, through last: Minute, initial: Int, decisions: [PolicyDecision], delay: Int,
        limits: TierScaleSettings, tolerance: Double, rollup: (Minute) -> MinuteRollup?
    ) -> [BacktestMinute] {
        let changes = decisions.filter { $0.kind != .spotReplacement }
        var next = changes.startIndex
        var desired = initial
        var recentDesired: [Int] = Array(repeating: initial, count: delay)  // the last `delay` minutes' desired
        var minutes: [BacktestMinute] = []
        var minute = first
        while minute <= last {
            while next < changes.endIndex, changes[next].decidedMinute <= minute {
                desired = changes[next].desiredCapacity
                next += 1
            }
            // An instance serves once it has been wanted for `delay` whole minutes; removals apply at once.
            let capacity = (recentDesired + [desired]).min() ?? desired
            if delay > 0 {
                recentDesired.removeFirst()
                recentDesired.append(desired)
            }
            let minuteRollup = rollup(minute)
            let demand = minuteRollup.map { Self.demand(of: $0, limits: limits) }
            let needed = demand.map { max(limits.minInstances, Int.instances(roundingUp: $0 - 1e-9)) }
            minutes.append(BacktestMinute(minute: minute, demand: demand, needed: needed, desired: desired, capacity: capacity,
                                          tolerance: tolerance, players: minuteRollup?.activePlayers))
            minute = minute.advanced(by: 1)
        }
        return minutes
    }

    private static func breaches(in minutes: [BacktestMinute], tolerance: Double) -> [Breach] {
        var breaches: [Breach] = []
        var index = 0
        while index < minutes.count {
            guard minutes[index].isBreach else {
                index += 1
                continue
            }
            var end = index
            while end + 1 < minutes.count, minutes[end + 1].isBreach { end += 1 }
            var slowest: Int? = 0
            for breached in index...end {
                let demand = minutes[breached].demand ?? 0
                let covered = minutes[breached...].firstIndex { Double($0.capacity) * (1 + tolerance) + 1e-9 >= demand }
                slowest = covered.flatMap { c in slowest.map { max($0, c - breached) } }
            }
            breaches.append(Breach(
                start: minutes[index].minute, minutes: end - index + 1,
                peakDemand: minutes[index...end].compactMap(\.demand).max() ?? 0, scaleOutAfterMinutes: slowest))
            index = end + 1
        }
        return breaches
    }
}
