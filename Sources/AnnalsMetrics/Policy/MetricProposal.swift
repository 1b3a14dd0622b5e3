import AnnalsEvents

/// What one metric asks the tier's capacity to be, with the figures behind it.
public struct MetricProposal: Sendable, Equatable, CustomStringConvertible {
    /// The metrics the policy scales on, in priority order (the first wins a tie).
    public enum Metric: String, Sendable, Equatable, Codable, CaseIterable {
        case queueDepth = "queue depth"
        case gpuUtilization = "GPU utilisation"
        case latency = "latency P95"
    }

    public var metric: Metric
    /// The per-instance value compared with the target (for latency, the tier's P95 in seconds).
    public var value: Double
    public var target: Double
    /// Instances the metric asks for, before the tier's limits and the scale-out limit.
    public var instances: Int
    /// The rule and the numbers, e.g. "queue depth 412 over 20 instances = 20.6/instance > target 10 → 42".
    public var description: String

    public init(metric: Metric, value: Double, target: Double, instances: Int, description: String) {
        self.metric = metric
        self.value = value
        self.target = target
        self.instances = instances
        self.description = description
    }

    /// Kubernetes HPA's rule: `ceil(current × value / target)`, or `current` unchanged when
    /// `|value / target − 1| ≤ tolerance`. A non-positive or non-finite target or value proposes `current`.
    public static func hpa(current: Int, value: Double, target: Double, tolerance: Double) -> Int {
        guard target > 0, target.isFinite, value >= 0, value.isFinite else { return current }
        let ratio = value / target
        // The epsilons keep decimal boundaries where they are written: 11/10 is within a 0.10 tolerance,
        // 20 × 2.0 is 40, not 41.
        if abs(ratio - 1) <= tolerance + 1e-9 { return current }
        // 0 instances × an infinite ratio (a target near zero) is NaN: nothing to scale from.
        let desired = Double(max(0, current)) * ratio - 1e-9
        return desired.isNaN ? current : .instances(roundingUp: desired)
    }

    /// Queue depth, the primary target: the tier's total queue spread over `current` instances.
    public static func queueDepth(total: UInt64, current: Int, target: Double, tolerance: Double) -> MetricProposal {
        let perInstance = Double(total) / Double(max(1, current))
        let instances = hpa(current: current, value: perInstance, target: target, tolerance: tolerance)
        let head = "queue depth \(total) over \(current) instances = \(Figures.short(perInstance))/instance"
        return MetricProposal(
            metric: .queueDepth, value: perInstance, target: target, instances: instances,
            description: head + comparison(perInstance, target, tolerance, Figures.short(target)) + " → \(instances)")
    }

    /// GPU utilisation, the secondary target: the reporting instances' GPU work (mean × reporting) spread over
    /// `current` instances, so instances not yet reporting count as idle (HPA's assumption when scaling up).
    public static func gpuUtilization(
        mean: Double, reporting: Int, current: Int, target: Double, tolerance: Double
    ) -> MetricProposal {
        let perInstance = mean * Double(reporting) / Double(max(1, current))
        let instances = hpa(current: current, value: perInstance, target: target, tolerance: tolerance)
        let head = reporting == current
            ? "GPU utilisation \(Figures.short(mean)) mean over \(current) instances"
            : "GPU utilisation \(Figures.short(mean)) mean on \(reporting) reporting = \(Figures.short(perInstance)) over \(current) instances"
        return MetricProposal(
            metric: .gpuUtilization, value: perInstance, target: target, instances: instances,
            description: head + comparison(perInstance, target, tolerance, Figures.short(target)) + " → \(instances)")
    }

    /// A metric no instance reported in the minute: it asks for nothing (0 instances).
    public static func absent(_ metric: Metric) -> MetricProposal {
        MetricProposal(metric: metric, value: 0, target: 0, instances: 0, description: "\(metric.rawValue): no reading")
    }

    /// Latency, the safeguard: a P95 above `threshold` seconds asks for `current + step`; otherwise it asks for
    /// nothing (0 instances), so a healthy latency never holds capacity up.
    public static func latency(p95: Double, current: Int, threshold: Double, step: ScaleStep) -> MetricProposal {
        guard p95 > threshold else {
            return MetricProposal(
                metric: .latency, value: p95, target: threshold, instances: 0,
                description: "latency P95 \(Figures.short(p95)) s ≤ \(Figures.short(threshold)) s: no step")
        }
        let size = step.size(from: current)
        let stepped = current.saturatingAdding(size)
        return MetricProposal(
            metric: .latency, value: p95, target: threshold, instances: stepped,
            description: "latency P95 \(Figures.short(p95)) s > \(Figures.short(threshold)) s forces a step of +\(size) → \(stepped)")
    }

    private static func comparison(_ value: Double, _ target: Double, _ tolerance: Double, _ targetText: String) -> String {
        if abs(value / target - 1) <= tolerance + 1e-9 {
            return " within \(Figures.short(tolerance * 100))% of target \(targetText)"
        }
        return value > target ? " > target \(targetText)" : " < target \(targetText)"
    }
}
