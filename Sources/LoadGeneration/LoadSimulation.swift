import AnnalsEvents
import SwiftProtobuf

/// The players of a ``LoadProfile`` as a pure, seeded event source: asked for the events due by some time since
/// the start, it returns story events (each world's sequence going 1, 2, 3, …) and the GPU instances' metric
/// samples, stamped with the given event time. No clock and no I/O: the caller owns both.
public struct LoadSimulation: Sendable {
    public let profile: LoadProfile
    /// Prefix of every id the run makes (worlds, players, instances, events), so runs never collide.
    public let runID: String
    /// Story events made so far.
    public private(set) var storyEventsMade = 0
    /// Metric samples made so far.
    public private(set) var metricSamplesMade = 0

    private var random: SplitMix64
    private var nextSequence: [UInt64]
    /// Per tier, per instance: seconds after the start of its next sample (staggered over the first interval).
    private var nextSampleAt: [[Double]]

    public init(profile: LoadProfile, runID: String, seed: UInt64 = 1) {
        self.profile = profile
        self.runID = runID
        random = SplitMix64(seed: seed)
        nextSequence = Array(repeating: 1, count: profile.worlds)
        nextSampleAt = LoadProfile.tiers.map { tier in
            let count = profile.instances(on: tier)
            return (0..<count).map { Double($0) / Double(count) * profile.sampleIntervalSeconds }
        }
    }

    /// The id of world `index`.
    public func worldID(_ index: Int) -> String { "\(runID)-world-\(index)" }

    /// The id of instance `index` of `tier`.
    public func instanceID(_ tier: Tier, _ index: Int) -> String { "\(runID)-\(tier.name)-\(index)" }

    /// Every event due before `elapsedSeconds` after the start and not made yet, with event time `nowMicroseconds`.
    public mutating func advance(to elapsedSeconds: Double, nowMicroseconds: Int64) -> [AnnalsEvent] {
        var events: [AnnalsEvent] = []
        let storyDue = Int(profile.storyEventsPerSecond * elapsedSeconds) - storyEventsMade
        if storyDue > 0 {
            events.reserveCapacity(storyDue)
            for _ in 0..<storyDue { events.append(.storyEvent(nextStoryEvent(at: nowMicroseconds))) }
        }
        for (tierIndex, tier) in LoadProfile.tiers.enumerated() {
            for instance in nextSampleAt[tierIndex].indices where nextSampleAt[tierIndex][instance] < elapsedSeconds {
                events.append(.metricSample(sample(tier, instance: instance, at: nowMicroseconds)))
                nextSampleAt[tierIndex][instance] += profile.sampleIntervalSeconds
            }
        }
        return events
    }

    private static let kinds = ["quest-started", "quest-step", "quest-step", "quest-completed", "dialogue-choice",
                                "dialogue-choice", "encounter", "encounter", "item-found", "character-met"]
    private static let moods = ["calm", "wary", "hostile", "grateful", "afraid"]

    private mutating func nextStoryEvent(at micros: Int64) -> StoryEvent {
        let player = Int.random(in: 0..<profile.players, using: &random)
        let world = min(player / profile.playersPerWorld, profile.worlds - 1)
        let kind = Self.kinds.randomElement(using: &random)!
        let npc = Int.random(in: 0..<50, using: &random)
        let zone = "zone-\(Int.random(in: 0..<12, using: &random))"
        var event = StoryEvent()
        event.meta = meta(id: "\(runID)-story-\(storyEventsMade)", at: micros)
        event.worldID = worldID(world)
        event.sequence = nextSequence[world]
        nextSequence[world] += 1
        event.kind = kind
        event.actors = ["\(runID)-player-\(player)", "npc-\(npc)"]
        event.summary = "Player \(player) (\(kind)) with npc-\(npc) in \(zone)"
        event.payload = Google_Protobuf_Struct(fields: [
            "zone": Google_Protobuf_Value(stringValue: zone),
            "xp": Google_Protobuf_Value(numberValue: Double(Int.random(in: 0...250, using: &random))),
        ])
        let roll = Int.random(in: 0..<100, using: &random)
        if roll < 5 {
            var update = ConceptUpdate()
            update.conceptID = "npc-\(npc)"
            update.name = "NPC \(npc)"
            update.kind = "character"
            update.description_p = "A character the players of \(event.worldID) keep meeting."
            update.attributes = ["mood": Self.moods.randomElement(using: &random)!, "last-seen": zone]
            event.conceptUpdates = [update]
        } else if roll < 7 {
            var relationship = DeclaredRelationship()
            relationship.fromConceptID = "npc-\(npc)"
            relationship.toConceptID = "npc-\(Int.random(in: 0..<50, using: &random))"
            relationship.kind = ["ally-of", "rival-of", "owes"].randomElement(using: &random)!
            relationship.weight = 1
            var update = RelationshipUpdate()
            update.relationship = relationship
            update.change = .upsert
            event.relationshipUpdates = [update]
        }
        storyEventsMade += 1
        return event
    }

    /// An instance's sample: utilisation follows its share of the tier's players, latency rises steeply near 100%.
    private mutating func sample(_ tier: Tier, instance: Int, at micros: Int64) -> MetricSample {
        let instances = profile.instances(on: tier)
        let players = Double(profile.players(on: tier)) / Double(instances)
        let load = players / Double(profile.playersPerInstance)
        let utilisation = min(1, max(0, 0.75 * load + Double.random(in: -0.05...0.05, using: &random)))
        var sample = MetricSample()
        sample.meta = meta(id: "\(runID)-sample-\(metricSamplesMade)", at: micros)
        sample.tier = tier
        sample.instanceID = instanceID(tier, instance)
        sample.sampledAt = EventTimestamp(microsecondsSinceEpoch: micros)
        sample.gpuUtilization = utilisation
        sample.gpuMemoryUtilization = min(1, 0.3 + 0.5 * utilisation)
        sample.queueDepth = UInt64(max(0, (players - Double(profile.playersPerInstance)).rounded()))
        sample.latencyP95Seconds = 0.15 + 0.6 * utilisation * utilisation * utilisation * utilisation
        sample.activePlayers = UInt64(players.rounded())
        metricSamplesMade += 1
        return sample
    }

    private mutating func meta(id: String, at micros: Int64) -> EventMeta {
        var meta = EventMeta()
        meta.eventID = id
        meta.occurredAt = EventTimestamp(microsecondsSinceEpoch: micros)
        meta.producer = "annals-loadgen"
        meta.schemaVersion = 1
        meta.traceID = Self.hex(random.next()) + Self.hex(random.next())
        return meta
    }

    /// 16 lower-case hex digits.
    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

}
