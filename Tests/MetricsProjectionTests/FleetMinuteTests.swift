import AnnalsMetrics
import MetricsProjection
import Testing

@Suite struct FleetMinuteTests {
    @Test func readingsNoInstanceSentAreNaNAndTheMinutesSinceTheLastSampleNeverGoNegative() {
        let minute = FleetMinute(
            tier: "gold", minute: 600, instancesReporting: 3, meanGPUUtilization: nil, maxGPUUtilization: 0.9,
            maxGPUMemoryUtilization: nil, queueDepth: 12, latencyP95Seconds: nil, activePlayers: nil,
            spotInterruptionNotice: true, desiredCapacity: nil, lastSampleAt: 650)
        let values: [String: Double] = Dictionary(uniqueKeysWithValues: minute.gaugeValues(now: 830, policy: .init(), prices: .defaults).map { ($0.name, $0.value) })
        #expect(values["annals_fleet_gpu_utilization_mean"]?.isNaN == true)
        #expect(values["annals_fleet_gpu_memory_utilization_max"]?.isNaN == true)
        #expect(values["annals_fleet_desired_capacity"]?.isNaN == true, "before the policy's first pass")
        #expect(values["annals_fleet_gpu_utilization_max"] == 0.9 && values["annals_fleet_queue_depth"] == 12)
        #expect(values["annals_fleet_spot_interruption_notice"] == 1 && values["annals_fleet_current_capacity"] == 3)
        #expect(values["annals_fleet_minutes_since_last_sample"] == 3)
        #expect(minute.gaugeValues(now: 0, policy: .init(), prices: .defaults).first { $0.name == "annals_fleet_minutes_since_last_sample" }?.value == 0,
                "a sample stamped ahead of this clock counts as just now")
        #expect(values["annals_fleet_cost_dollars_per_hour"]?.isNaN == true, "no desired capacity, no cost")
        #expect(values["annals_fleet_max_capacity"] == 50)
        #expect(values["annals_fleet_queue_depth_target_per_instance"] == 10)
        #expect(values.count == 15)
    }

    /// The desired capacity priced as the policy splits it: gold's 10 at 0.8 spot is 8 spot + 2 on demand.
    @Test func theCostPerHourIsTheDesiredCapacitysSplitAtTheTiersPrices() throws {
        let minute = FleetMinute(
            tier: "gold", minute: 600, instancesReporting: 7, meanGPUUtilization: nil, maxGPUUtilization: nil,
            maxGPUMemoryUtilization: nil, queueDepth: nil, latencyP95Seconds: nil, activePlayers: nil,
            spotInterruptionNotice: false, desiredCapacity: 10, lastSampleAt: 650)
        var policy = ScalePolicySettings()
        policy.gold.maxInstances = 12
        let prices = PriceTable(region: "test", prices: ["g9.huge": .init(onDemand: 3, spot: 1)], tierInstanceTypes: ["gold": "g9.huge"])
        let values = Dictionary(uniqueKeysWithValues: minute.gaugeValues(now: 700, policy: policy, prices: prices).map { ($0.name, $0.value) })
        let cost = try #require(values["annals_fleet_cost_dollars_per_hour"])
        #expect(cost == 8 * 1 + 2 * 3)
        #expect(values["annals_fleet_max_capacity"] == 12)
        let unpriced = PriceTable(region: "test", prices: [:], tierInstanceTypes: [:])
        let noPrice = minute.gaugeValues(now: 700, policy: policy, prices: unpriced).first { $0.name == "annals_fleet_cost_dollars_per_hour" }
        #expect(noPrice?.value.isNaN == true, "a tier without a price costs NaN, not 0")
    }
}
