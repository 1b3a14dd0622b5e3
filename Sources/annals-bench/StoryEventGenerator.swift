import AnnalsEvents
import SwiftProtobuf

/// Deterministic, realistically sized story events: event `i` is a pure function of `i` and the world count.
///
/// Event `i` belongs to world `i % worlds` and is that world's `i / worlds`-th event, so producing in index
/// order keeps each world's events in sequence order (worlds are the partitioning key). Every 50th world
/// skips a sequence number every 200 events, so the stream has a few gaps, as real streams do.
struct StoryEventGenerator: Sendable {
    let worlds: Int
    /// 2026-01-01T00:00:00Z.
    private static let baseSeconds: Int64 = 1_767_225_600

    init(worlds: Int) {
        self.worlds = max(1, worlds)
    }

    func worldID(_ world: Int) -> String {
        "world-" + Self.padded(world, 4)
    }

    func event(_ index: Int) -> StoryEvent {
        let world = index % worlds
        let position = index / worlds
        var random = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9 &+ 17)

        var event = StoryEvent()
        event.meta.eventID = worldID(world) + "-" + Self.padded(position, 6)
        event.meta.occurredAt = EventTimestamp(
            seconds: Self.baseSeconds + Int64(index) * 3 / 2,
            nanos: Int32(truncatingIfNeeded: random.next() % 1_000_000_000))
        event.meta.producer = "annals-bench"
        event.meta.schemaVersion = 1
        event.meta.traceID = Self.hex(UInt64(index)) + Self.hex(random.next())
        event.worldID = worldID(world)
        let skipped = world % 50 == 0 ? position / 200 : 0
        event.sequence = UInt64(position + 1 + skipped)
        event.kind = Self.kinds[random.pick(Self.kinds.count)]
        let actorCount = random.pick(4) == 0 ? 3 : 2
        event.actors = (0..<actorCount).map { _ in
            Self.titles[random.pick(Self.titles.count)] + " " + Self.names[random.pick(Self.names.count)]
        }
        event.summary = Self.summary(actors: event.actors, random: &random)
        event.payload = Google_Protobuf_Struct(fields: [
            "region": Google_Protobuf_Value(stringValue: Self.regions[random.pick(Self.regions.count)]),
            "magnitude": Google_Protobuf_Value(numberValue: Double(random.pick(1000)) / 10),
            "witnessed": Google_Protobuf_Value(boolValue: random.pick(2) == 0),
            "tags": Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: [
                Google_Protobuf_Value(stringValue: Self.tags[random.pick(Self.tags.count)]),
                Google_Protobuf_Value(stringValue: Self.tags[random.pick(Self.tags.count)]),
            ])),
        ])
        return event
    }

    /// A sentence of 80 to 150 characters.
    private static func summary(actors: [String], random: inout SplitMix64) -> String {
        var text = actors[0] + " " + verbs[random.pick(verbs.count)] + " " + objects[random.pick(objects.count)]
        while text.count < 80 {
            text += " " + clauses[random.pick(clauses.count)]
        }
        if text.count > 149 {
            text = String(text.prefix(149))
            while text.last == " " { text.removeLast() }
        }
        return text + "."
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static let kinds = [
        "battle", "treaty", "discovery", "migration", "founding", "betrayal", "festival", "plague", "coronation",
        "exile",
    ]
    private static let titles = [
        "Archivist", "Tidewarden", "Warden", "Captain", "Oracle", "Smith", "Envoy", "Lamplighter", "Magistrate",
    ]
    private static let names = [
        "Vell", "Oru", "Isolde", "Brannoc", "Sefa", "Tamsin", "Quill", "Ondra", "Halvard", "Ysolt", "Merek", "Caddo",
    ]
    private static let verbs = [
        "uncovers", "defends", "surrenders", "rebuilds", "maps", "betrays", "crowns", "floods", "seals", "names",
    ]
    private static let objects = [
        "the drowned archive", "the northern pass", "the ember library", "the salt road", "the hollow keep",
        "the last lighthouse", "the old treaty stone", "the glass orchard",
    ]
    private static let clauses = [
        "while the tide turns against the sea wall", "as the lamps of the library gutter",
        "under a sky of falling ash", "before the council can object", "with the help of a wandering cartographer",
        "despite the warnings of the elders", "and the bells ring until dawn", "though nobody remembers why",
    ]
    private static let regions = ["Ashen Coast", "Drowned Reach", "Greywood", "Saltmarrow Flats", "Ember Hills"]
    private static let tags = ["omen", "war", "trade", "faith", "weather", "lineage", "ruin", "music"]
}

/// Small, fast, deterministic PRNG.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}
