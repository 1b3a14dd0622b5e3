/// How an archive run cuts segments and how long it waits for the brokers and the store.
public struct ArchiveSettings: Sendable, Equatable {
    /// A segment holds at most this many records...
    public var segmentRecords: Int
    /// ...and is closed once its keys and values reach this many bytes.
    public var segmentBytes: Int
    /// A partition that delivers nothing this long before its end fails the run.
    public var stallSeconds: Double
    /// Attempts of a store call that fails transiently (throttled, unreachable) before the run fails.
    public var storeAttempts: Int

    public init(segmentRecords: Int = 100_000, segmentBytes: Int = 64 << 20, stallSeconds: Double = 30, storeAttempts: Int = 6) {
        self.segmentRecords = segmentRecords
        self.segmentBytes = segmentBytes
        self.stallSeconds = stallSeconds
        self.storeAttempts = storeAttempts
    }

    /// What is wrong with the settings, one line each; empty when they can be used.
    public var problems: [String] {
        var problems: [String] = []
        if !(1...10_000_000).contains(segmentRecords) { problems.append("segment records \(segmentRecords): use 1 to 10,000,000") }
        if !((1 << 10)...(1 << 30)).contains(segmentBytes) { problems.append("segment bytes \(segmentBytes): use 1 KiB to 1 GiB") }
        if !(stallSeconds > 0 && stallSeconds.isFinite) { problems.append("stall seconds \(stallSeconds): use a positive number") }
        if !(1...20).contains(storeAttempts) { problems.append("store attempts \(storeAttempts): use 1 to 20") }
        return problems
    }
}
