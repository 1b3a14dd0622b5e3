import MetricsProjection
import Testing

@Suite struct FleetMinuteTests {
    @Test func readingsNoInstanceSentAreNaNAndTheMinutesSinceTheLastSampleNeverGoNegative() {
        let minute = FleetMinute(
            tier: "gold", minute: 600, instancesReporting: 3, meanGPUUtilization: nil, maxGPUUtilization: 0.9,
            maxGPUMemoryUtilization: nil, queueDepth: 12, latencyP95Seconds: nil, activePlayers: nil,
            spotInterruptionNotice: true, desiredCapacity: nil, lastSampleAt: 650)
        let values: [String: Double] = Dictionary(uniqueKeysWithValues: minute.gaugeValues(now: 830).map { ($0.name, $0.value) })
        #expect(values["annals_fleet_gpu_utilization_mean"]?.isNaN == true)
        #expect(values["annals_fleet_gpu_memory_utilization_max"]?.isNaN == true)
        #expect(values["annals_fleet_desired_capacity"]?.isNaN == true, "before the policy's first pass")
        #expect(values["annals_fleet_gpu_utilization_max"] == 0.9 && values["annals_fleet_queue_depth"] == 12)
        #expect(values["annals_fleet_spot_interruption_notice"] == 1 && values["annals_fleet_current_capacity"] == 3)
        #expect(values["annals_fleet_minutes_since_last_sample"] == 3)
        #expect(minute.gaugeValues(now: 0).first { $0.name == "annals_fleet_minutes_since_last_sample" }?.value == 0,
                "a sample stamped ahead of this clock counts as just now")
        #expect(values.count == 12)
    }
}
