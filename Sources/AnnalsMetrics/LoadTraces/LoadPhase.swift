/// One stretch of a load trace: players move in a straight line from the level before to `players` over `minutes`
/// (a hold when the level is already there; a jump within the first second when `minutes` is 0).
public struct LoadPhase: Sendable, Equatable, Codable {
    public var minutes: Int
    public var players: Int

    public init(minutes: Int, players: Int) {
        self.minutes = minutes
        self.players = players
    }
}
