import Foundation

/// How busy the simulated fleet is over time, 0 (idle) to 1 (peak), and what an instance reports at a given load.
public struct LoadProfile: Sendable, Equatable {
    public enum Shape: String, Sendable, CaseIterable {
        /// Rises from idle to peak and back over each period (a raised cosine).
        case wave
        /// Idle, then at peak for the middle third of each period.
        case spike
        /// Always at peak.
        case flat
    }

    public var shape: Shape
    public var period: Duration
    /// Requests waiting per instance at peak.
    public var peakQueue: Double

    public init(shape: Shape = .wave, period: Duration = .seconds(1_200), peakQueue: Double = 60) {
        self.shape = shape
        self.period = period
        self.peakQueue = peakQueue
    }

    /// The load `elapsed` into the simulation, 0...1.
    public func load(at elapsed: Duration) -> Double {
        let period = max(period / .milliseconds(1), 1)
        let phase = (elapsed / .milliseconds(1)).truncatingRemainder(dividingBy: period) / period
        switch shape {
        case .wave: return 0.5 - 0.5 * cos(2 * Double.pi * phase)
        case .spike: return (1.0 / 3.0..<2.0 / 3.0).contains(phase) ? 1 : 0
        case .flat: return 1
        }
    }

    /// What an instance at `load` reports: GPU 15–95 %, framebuffer 25–90 % of 16 GiB, `load × peakQueue` requests
    /// waiting, and end-to-end latencies of 0.3 s idle to 2.3 s at peak.
    public static func reading(at load: Double, peakQueue: Double) -> (gpu: Double, memoryUsed: Double, waiting: Double,
                                                                      latencies: [Double]) {
        let load = min(max(load.isFinite ? load : 0, 0), 1)
        let latency = 0.3 + 2 * load
        return (15 + 80 * load, 16_000 * (0.25 + 0.65 * load), (load * peakQueue).rounded(),
                [latency * 0.5, latency * 0.7, latency * 0.8, latency * 0.9, latency])
    }

    /// Sets `instance` to what it reports at `load`, and finishes this tick's requests.
    public static func apply(_ load: Double, peakQueue: Double, to instance: SimulatedInstance) async {
        let reading = reading(at: load, peakQueue: peakQueue)
        await instance.set(gpuUtilization: reading.gpu)
        await instance.set(memoryUsed: reading.memoryUsed, of: 16_000)
        await instance.set(waiting: reading.waiting)
        await instance.set(running: min(16, 4 + 12 * load))
        await instance.finish(reading.latencies)
    }
}
