import AnnalsEvents
import Foundation
import AnnalsMetrics
import Testing

@Suite struct ScalePolicySettingsTests {
    @Test func defaultsAreTheCapacityPlan() {
        let s = ScalePolicySettings()
        #expect([s.gold, s.silver, s.bronze].map(\.minInstances) == [1, 1, 1])
        #expect([s.gold, s.silver, s.bronze].map(\.maxInstances) == [50, 30, 8])
        #expect(s.gold.queueDepthPerInstance == 10 && s.gold.gpuUtilizationTarget == 0.70)
        #expect(s.gold.latencyP95ThresholdSeconds == 1.0)
        #expect(s.tolerance == 0.10)
        #expect(s.scaleOutLimit == ScaleStep(fraction: 1.0, instances: 4))
        #expect(s.scaleInWindowMinutes == 15 && s.missingDataMinutes == 3)
        #expect(s.spotShare == 0.8 && s.minOnDemand == 1)
        #expect(s.allowedLatenessSeconds == 0)
        #expect(s.problems.isEmpty)
        #expect(s.clamped == s)
    }

    @Test func decodingKeepsDefaultsForMissingKeys() throws {
        let json = #"{"gold": {"maxInstances": 60}, "tolerance": 0.05, "scaleOutLimit": {"instances": 2}}"#
        let s = try JSONDecoder().decode(ScalePolicySettings.self, from: Data(json.utf8))
        var expected = ScalePolicySettings()
        expected.gold.maxInstances = 60
        expected.tolerance = 0.05
        expected.scaleOutLimit.instances = 2
        #expect(s == expected)
        let roundTrip = try JSONDecoder().decode(ScalePolicySettings.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
        #expect(try JSONDecoder().decode(ScalePolicySettings.self, from: Data("{}".utf8)) == ScalePolicySettings())
    }

    static func broken(_ change: (inout ScalePolicySettings) -> Void) -> ScalePolicySettings {
        var settings = ScalePolicySettings()
        change(&settings)
        return settings
    }

    @Test(arguments: [
        ("gold.minInstances is 0", broken { $0.gold.minInstances = 0 }),
        ("silver.maxInstances 2 is below minInstances 3", broken { $0.silver.minInstances = 3; $0.silver.maxInstances = 2 }),
        ("bronze.queueDepthPerInstance is 0.0", broken { $0.bronze.queueDepthPerInstance = 0 }),
        ("gold.gpuUtilizationTarget is 1.5", broken { $0.gold.gpuUtilizationTarget = 1.5 }),
        ("gold.latencyP95ThresholdSeconds is -1.0", broken { $0.gold.latencyP95ThresholdSeconds = -1 }),
        ("tolerance is nan", broken { $0.tolerance = .nan }),
        ("scaleOutLimit is", broken { $0.scaleOutLimit = ScaleStep(fraction: -1, instances: 4) }),
        ("scaleInWindowMinutes is 0", broken { $0.scaleInWindowMinutes = 0 }),
        ("missingDataMinutes is 0", broken { $0.missingDataMinutes = 0 }),
        ("spotShare is 1.2", broken { $0.spotShare = 1.2 }),
        ("minOnDemand is -1", broken { $0.minOnDemand = -1 }),
        ("bronze.maxInstances is 2147483648", broken { $0.bronze.maxInstances = 2_147_483_648 }),
        ("minOnDemand is 2147483648", broken { $0.minOnDemand = 2_147_483_648 }),
        ("allowedLatenessSeconds is -5", broken { $0.allowedLatenessSeconds = -5 }),
    ])
    func brokenSettingIsNamedWithWhatToUse(problem: String, settings: ScalePolicySettings) {
        #expect(settings.problems.count == 1)
        #expect(settings.problems.first?.hasPrefix(problem) == true, "\(settings.problems)")
        #expect(settings.problems.first?.contains("use") == true)
        #expect(throws: InvalidScalePolicySettings.self) { try settings.validated() }
        #expect(settings.clamped.problems.isEmpty)
    }

    @Test func policyOnBrokenSettingsNeverTraps() {
        var settings = ScalePolicySettings()
        settings.gold = TierScaleSettings(
            minInstances: -2, maxInstances: -5, queueDepthPerInstance: 0, gpuUtilizationTarget: .nan,
            latencyP95ThresholdSeconds: .infinity)
        settings.tolerance = .infinity
        settings.scaleOutLimit = ScaleStep(fraction: .nan, instances: -4)
        settings.scaleInWindowMinutes = -1
        settings.missingDataMinutes = 0
        settings.spotShare = .nan
        settings.minOnDemand = -3
        var autoscaler = TierAutoscaler(tier: .gold, settings: settings, capacity: -10)
        #expect(autoscaler.capacity == 1)
        for second in stride(from: Int64(0), to: 3_600, by: 20) {
            let sample = SampleFactory.sample(at: second, queue: UInt64(second % 700), gpu: 1, latency: 5, spot: second % 600 == 0)
            for decision in autoscaler.observe(sample).decisions {
                #expect(decision.desiredCapacity == 1)
                #expect(decision.split.total == decision.desiredCapacity)
            }
        }
    }

    @Test func everyNumberChangesThePolicyVersion() {
        var versions: Set<String> = [ScalePolicy.version(settings: ScalePolicySettings())]
        let changes: [(inout ScalePolicySettings) -> Void] = [
            { $0.gold.minInstances = 2 }, { $0.silver.maxInstances = 31 }, { $0.bronze.queueDepthPerInstance = 11 },
            { $0.gold.gpuUtilizationTarget = 0.6 }, { $0.silver.latencyP95ThresholdSeconds = 0.8 }, { $0.tolerance = 0.2 },
            { $0.scaleOutLimit.fraction = 0.5 }, { $0.scaleOutLimit.instances = 3 }, { $0.latencyStep.fraction = 0.3 },
            { $0.latencyStep.instances = 2 }, { $0.scaleInWindowMinutes = 10 }, { $0.missingDataMinutes = 5 },
            { $0.spotShare = 0.7 }, { $0.minOnDemand = 2 }, { $0.spotNoticeMemoryMinutes = 5 }, { $0.allowedLatenessSeconds = 5 },
        ]
        for change in changes {
            var settings = ScalePolicySettings()
            change(&settings)
            versions.insert(ScalePolicy.version(settings: settings))
        }
        #expect(versions.count == changes.count + 1)
        #expect(versions.allSatisfy { $0.hasPrefix("annals-hpa-1+") && $0.count == "annals-hpa-1+".count + 8 })
    }
}
