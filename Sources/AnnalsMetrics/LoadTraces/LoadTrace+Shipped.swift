/// The traces shipped as `Samples/load-traces/<name>.jsonl` (regenerate with `swift run annals-traces`).
extension LoadTrace {
    /// `players-N`: 5 minutes at N/10 players, a 15-minute ramp to N, 30 minutes at N, a 15-minute ramp back down,
    /// 5 minutes at N/10. Instances sample every 30 s up to 1,000 players and every 60 s above, to keep files small.
    public static func players(_ peak: Int) -> LoadTrace {
        let floor = max(1, peak / 10)
        return LoadTrace(
            name: "players-\(peak)", initialPlayers: floor,
            phases: [
                LoadPhase(minutes: 5, players: floor), LoadPhase(minutes: 15, players: peak),
                LoadPhase(minutes: 30, players: peak), LoadPhase(minutes: 15, players: floor),
                LoadPhase(minutes: 5, players: floor),
            ],
            samplePeriodSeconds: peak <= 1_000 ? 30 : 60, seed: UInt64(peak))
    }

    /// `ramp-100-to-10000`: 10 minutes at 100 players, a 20-minute ramp to 10,000, 20 minutes there, a 10-minute
    /// fall back to 100, 25 minutes at 100: the scale-out and scale-in acceptance test.
    public static let ramp100To10000 = LoadTrace(
        name: "ramp-100-to-10000", initialPlayers: 100,
        phases: [
            LoadPhase(minutes: 10, players: 100), LoadPhase(minutes: 20, players: 10_000),
            LoadPhase(minutes: 20, players: 10_000), LoadPhase(minutes: 10, players: 100),
            LoadPhase(minutes: 25, players: 100),
        ],
        samplePeriodSeconds: 60, seed: 100_10_000)

    /// Minute the ramp's demand starts falling.
    public static let ramp100To10000FallMinute = 50

    /// `spike`: 1,000 players; at minute 15 five times as many arrive within a minute and stay 6 minutes, then
    /// leave over 2; recorded on a fleet lagging a minute behind, so the rise saturates it and builds a backlog;
    /// gold instance 1 gets a spot interruption notice at minute 30.
    public static let spike = LoadTrace(
        name: "spike", initialPlayers: 1_000,
        phases: [
            LoadPhase(minutes: 15, players: 1_000), LoadPhase(minutes: 1, players: 5_000),
            LoadPhase(minutes: 6, players: 5_000), LoadPhase(minutes: 2, players: 1_000),
            LoadPhase(minutes: 26, players: 1_000),
        ],
        samplePeriodSeconds: 30, seed: 5_000_1, model: LoadModel(recordingLagMinutes: 1),
        spotInterruptions: [SpotInterruption(tier: .gold, instance: 1, minute: 30)])

    /// Every shipped trace, in file-name order.
    public static let shipped: [LoadTrace] = [100, 500, 1_000, 5_000, 10_000].map(players) + [ramp100To10000, spike]
}
