import AnnalsEvents

extension ScalePolicySettings {
    /// The most instances a tier may have, or keep on demand: AWS's desired counts and capacities are 32-bit.
    public static let instanceCeiling = Int(Int32.max)

    /// Every setting the policy cannot honour as given, empty when all are usable.
    public var problems: [String] {
        var problems: [String] = []
        for tier in Tier.scaled {
            let t = self[tier]
            let name = tier.name
            if t.minInstances < 1 {
                problems.append("\(name).minInstances is \(t.minInstances): use 1 or more (the policy cannot scale up from zero)")
            }
            if t.maxInstances < t.minInstances {
                problems.append("\(name).maxInstances \(t.maxInstances) is below minInstances \(t.minInstances): use at least \(t.minInstances)")
            }
            if t.maxInstances > Self.instanceCeiling {
                problems.append("\(name).maxInstances is \(t.maxInstances): use at most \(Self.instanceCeiling) (AWS counts are 32-bit)")
            }
            if !(t.queueDepthPerInstance > 0 && t.queueDepthPerInstance.isFinite) {
                problems.append("\(name).queueDepthPerInstance is \(t.queueDepthPerInstance): use a number above 0")
            }
            if !(t.gpuUtilizationTarget > 0 && t.gpuUtilizationTarget <= 1) {
                problems.append("\(name).gpuUtilizationTarget is \(t.gpuUtilizationTarget): use a share in (0, 1], e.g. 0.7")
            }
            if !(t.latencyP95ThresholdSeconds > 0 && t.latencyP95ThresholdSeconds.isFinite) {
                problems.append("\(name).latencyP95ThresholdSeconds is \(t.latencyP95ThresholdSeconds): use seconds above 0")
            }
        }
        if !(tolerance >= 0 && tolerance < 1) {
            problems.append("tolerance is \(tolerance): use a share in [0, 1), e.g. 0.1")
        }
        for (name, step) in [("scaleOutLimit", scaleOutLimit), ("latencyStep", latencyStep)] {
            if !(step.fraction >= 0 && step.fraction.isFinite) || step.instances < 0 {
                problems.append("\(name) is \(step): use a fraction ≥ 0 and instances ≥ 0")
            }
        }
        if scaleInWindowMinutes < 1 {
            problems.append("scaleInWindowMinutes is \(scaleInWindowMinutes): use 1 or more")
        }
        if missingDataMinutes < 1 {
            problems.append("missingDataMinutes is \(missingDataMinutes): use 1 or more")
        }
        if !(spotShare >= 0 && spotShare <= 1) {
            problems.append("spotShare is \(spotShare): use a share in [0, 1], e.g. 0.8")
        }
        if minOnDemand < 0 || minOnDemand > Self.instanceCeiling {
            problems.append("minOnDemand is \(minOnDemand): use 0 to \(Self.instanceCeiling)")
        }
        if spotNoticeMemoryMinutes < 1 {
            problems.append("spotNoticeMemoryMinutes is \(spotNoticeMemoryMinutes): use 1 or more")
        }
        if allowedLatenessSeconds < 0 {
            problems.append("allowedLatenessSeconds is \(allowedLatenessSeconds): use 0 or more")
        }
        return problems
    }

    /// These settings, or an error listing every problem.
    public func validated() throws(InvalidScalePolicySettings) -> ScalePolicySettings {
        let problems = problems
        guard problems.isEmpty else { throw InvalidScalePolicySettings(problems: problems) }
        return self
    }

    /// The settings the policy runs on: each value forced into its usable range (a broken target is replaced by
    /// its default). Equal to `self` when ``problems`` is empty.
    public var clamped: ScalePolicySettings {
        var s = self
        let defaults = TierScaleSettings(minInstances: 1, maxInstances: 1)
        for tier in Tier.scaled {
            var t = s[tier]
            t.minInstances = min(max(1, t.minInstances), Self.instanceCeiling)
            t.maxInstances = min(max(t.minInstances, t.maxInstances), Self.instanceCeiling)
            if !(t.queueDepthPerInstance > 0 && t.queueDepthPerInstance.isFinite) { t.queueDepthPerInstance = defaults.queueDepthPerInstance }
            if !(t.gpuUtilizationTarget > 0 && t.gpuUtilizationTarget <= 1) { t.gpuUtilizationTarget = defaults.gpuUtilizationTarget }
            if !(t.latencyP95ThresholdSeconds > 0 && t.latencyP95ThresholdSeconds.isFinite) {
                t.latencyP95ThresholdSeconds = defaults.latencyP95ThresholdSeconds
            }
            s[tier] = t
        }
        if !(s.tolerance >= 0 && s.tolerance < 1) { s.tolerance = ScalePolicySettings().tolerance }
        for keyPath in [\ScalePolicySettings.scaleOutLimit, \.latencyStep] {
            if !(s[keyPath: keyPath].fraction >= 0 && s[keyPath: keyPath].fraction.isFinite) { s[keyPath: keyPath].fraction = 0 }
            s[keyPath: keyPath].instances = max(0, s[keyPath: keyPath].instances)
        }
        s.scaleInWindowMinutes = max(1, s.scaleInWindowMinutes)
        s.missingDataMinutes = max(1, s.missingDataMinutes)
        s.spotShare = s.spotShare.isNaN ? ScalePolicySettings().spotShare : min(max(s.spotShare, 0), 1)
        s.minOnDemand = min(max(0, s.minOnDemand), Self.instanceCeiling)
        s.spotNoticeMemoryMinutes = max(1, s.spotNoticeMemoryMinutes)
        s.allowedLatenessSeconds = max(0, s.allowedLatenessSeconds)
        return s
    }

    /// Every number, one `name=value` a line in a fixed order: what ``digest`` hashes.
    public var canonicalDescription: String {
        var lines: [String] = []
        for tier in Tier.scaled {
            let t = self[tier]
            lines += [
                "\(tier.name).minInstances=\(t.minInstances)", "\(tier.name).maxInstances=\(t.maxInstances)",
                "\(tier.name).queueDepthPerInstance=\(t.queueDepthPerInstance)",
                "\(tier.name).gpuUtilizationTarget=\(t.gpuUtilizationTarget)",
                "\(tier.name).latencyP95ThresholdSeconds=\(t.latencyP95ThresholdSeconds)",
            ]
        }
        lines += [
            "tolerance=\(tolerance)",
            "scaleOutLimit.fraction=\(scaleOutLimit.fraction)", "scaleOutLimit.instances=\(scaleOutLimit.instances)",
            "latencyStep.fraction=\(latencyStep.fraction)", "latencyStep.instances=\(latencyStep.instances)",
            "scaleInWindowMinutes=\(scaleInWindowMinutes)", "missingDataMinutes=\(missingDataMinutes)",
            "spotShare=\(spotShare)", "minOnDemand=\(minOnDemand)", "spotNoticeMemoryMinutes=\(spotNoticeMemoryMinutes)",
            "allowedLatenessSeconds=\(allowedLatenessSeconds)",
        ]
        return lines.joined(separator: "\n")
    }

    /// First 8 hex digits of the SHA-256 of ``canonicalDescription``: changes whenever any number does.
    public var digest: String { String(sha256Hex(canonicalDescription).prefix(8)) }
}
