@testable import AnnalsMetrics
import AnnalsEvents
import SwiftProtobuf

/// Values at and past the limits of every field type events carry, mixed with ordinary ones.
struct HostileValues {
    var random: FuzzRandom

    /// Small pools, so hostile events land on the same worlds, documents, concepts and instances and interact.
    static let worlds = ["w", "world-1", "Évreux-世界-🌍", "w\u{202E}dlrow", "z"]
    static let documents = ["doc-1", "doc-2", "lore/orrery", "d"]
    static let concepts = ["c1", "c2", "captain", "faction", "\u{202E}rtl", "Ω"]
    static let instances = ["i-1", "i-2", "i-3", "spot-9"]

    mutating func uint64() -> UInt64 {
        switch random.below(4) {
        case 0: random.next()
        case 1: UInt64(random.below(20))
        default: random.pick(Self.boundaryUInt64s)
        }
    }

    static let boundaryUInt64s: [UInt64] = [
        0, 1, 2, UInt64(Int64.max) - 1, UInt64(Int64.max), UInt64(Int64.max) + 1, .max - 1, .max,
        UInt64(UInt32.max), UInt64(UInt32.max) + 1, 1 << 53, (1 << 53) + 1,
    ]

    mutating func uint32() -> UInt32 {
        switch random.below(4) {
        case 0: UInt32(truncatingIfNeeded: random.next())
        case 1: UInt32(random.below(60))
        default: random.pick([0, 1, 2, .max - 1, .max, UInt32(Int32.max), UInt32(Int32.max) + 1, 1 << 31])
        }
    }

    /// Small counts mostly, so that capacities sometimes add up.
    mutating func capacityTriple() -> (spot: UInt32, onDemand: UInt32, capacity: UInt32) {
        let spot = uint32()
        let onDemand = uint32()
        let sum = UInt64(spot) + UInt64(onDemand)
        let capacity = random.oneIn(6) ? uint32() : UInt32(truncatingIfNeeded: sum)
        return (spot, onDemand, capacity)
    }

    mutating func double() -> Double {
        switch random.below(5) {
        case 0: Double(bitPattern: random.next())
        case 1: Double(random.below(1_000)) / 1_000
        case 2: Double(random.below(1 << 20)) - 1_000
        default: random.pick(Self.boundaryDoubles)
        }
    }

    static let boundaryDoubles: [Double] = [
        0, -0.0, 1, -1, 0.5, 1.0000001, .nan, -.nan, .signalingNaN, .infinity, -.infinity, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300, 1e300, 9.223372036854775807e18,
        1.8446744073709552e19, -9.223372036854775808e18, .ulpOfOne, 0.70, 0.8,
    ]

    /// A ratio in 0...1 most of the time (so samples pass validation and reach the fold), any double otherwise.
    mutating func share() -> Double {
        random.oneIn(4) ? double() : random.pick([0, 1, 0.5, .leastNonzeroMagnitude, 1 - .ulpOfOne, Double(random.below(1_001)) / 1_000])
    }

    mutating func seconds() -> Int64 {
        switch random.below(6) {
        case 0: Int64(bitPattern: random.next())
        case 1, 2: 1_700_000_000 + Int64(random.below(7_200)) - 3_600
        default: random.pick(Self.boundarySeconds)
        }
    }

    /// The ends of Int64, of proto3's range (years 1 and 9999) and of whole microseconds in Int64.
    static let boundarySeconds: [Int64] = [
        0, 1, -1, .min, .max, .min + 1, .max - 1, -62_135_596_800, -62_135_596_801, 253_402_300_799, 253_402_300_800,
        -62_135_596_741, 253_402_300_740, 9_223_372_036_854, -9_223_372_036_855, 1_700_000_000,
    ]

    mutating func nanos() -> Int32 {
        switch random.below(4) {
        case 0: Int32(truncatingIfNeeded: random.next())
        case 1: Int32(random.below(1_000_000_000))
        default: random.pick([0, 1, 999_999_999, 1_000_000_000, -1, .min, .max, 999])
        }
    }

    mutating func timestamp() -> Google_Protobuf_Timestamp {
        Google_Protobuf_Timestamp(seconds: seconds(), nanos: random.oneIn(3) ? nanos() : 0)
    }

    /// Mostly a valid time near the others, so folds see streams; otherwise anything.
    mutating func plausibleTimestamp() -> Google_Protobuf_Timestamp {
        random.oneIn(8) ? timestamp() : Google_Protobuf_Timestamp(seconds: 1_700_000_000 + Int64(random.below(7_200)), nanos: Int32(random.below(1_000_000_000)))
    }

    static let awkward: [String] = [
        "", " ", "a", "\u{0}", "nul\u{0}inside", "\u{1B}[31mred", "\u{85}", "\u{7F}", "\r\n", "\n\n\n", "\t",
        "\u{202E}override", "\u{200F}\u{200E}", "\u{FEFF}", "e\u{301}\u{301}\u{301}", "👨‍👩‍👧‍👦", "🏳️‍🌈", "世界。你好！",
        "# Heading", "###### h6 ######", "####### seven", "```\ncode\n```", "~~~", "Mr. Smith… said \"no.\" (yes!)",
        "4111 1111 1111 1111", "4111-1111-1111-1111", "user@example.com", "zoë@exämple.fr", "+44 (0)20 7946 0958",
        "123-45-6789", "AB 12 34 56 C", "046-454-286", "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_" + String(repeating: "a", count: 36), "xoxb-1234567890-abc", "::ffff:192.0.2.128", "2001:db8::1", "1.2.3.4",
        "version 1.0.0.0", "(555) 123-4567", "1-800-555-0199", "0", "-", "'", "’s", "don't",
        String(repeating: "x", count: 201), String(repeating: "é", count: 101), String(repeating: "a ", count: 500),
        String(repeating: "word", count: 400), "\u{D7FF}\u{E000}\u{10FFFF}",
    ]

    mutating func string() -> String {
        switch random.below(6) {
        case 0: return random.pick(Self.awkward)
        case 1:
            let scalars = (0..<random.below(40)).compactMap { _ in Unicode.Scalar(UInt32(random.below(0x11_0000))) }
            return String(String.UnicodeScalarView(scalars))
        case 2: return (0..<random.below(6)).map { _ in random.pick(Self.awkward) }.joined(separator: random.pick([" ", "\n", "", ". "]))
        default: return "v\(random.below(100))"
        }
    }

    /// An identifier from `pool` mostly, so that events interact; an awkward string otherwise.
    mutating func identifier(_ pool: [String]) -> String {
        random.oneIn(6) ? string() : random.pick(pool)
    }

    /// Document text: markdown with headings, fences, PII, long words and odd scalars; rarely large.
    mutating func content() -> String {
        if random.oneIn(20_000) { return String(repeating: "The Orrery turns. 4111 1111 1111 1111 ", count: 27_000) }
        if random.oneIn(2_000) { return String(repeating: random.pick(Self.awkward) + " ", count: 2_000) }
        let parts = (0..<random.below(24)).map { _ -> String in
            switch random.below(5) {
            case 0: String(repeating: "#", count: random.below(8)) + " " + string()
            case 1: random.pick(["\n\n", "\n", "```\n", "~~~\n", "   ", "\r\n"])
            default: string()
            }
        }
        return parts.joined(separator: random.pick([" ", "\n", "\n\n"]))
    }

    /// A `google.protobuf.Struct` of random shape, sometimes deep.
    mutating func payload() -> Google_Protobuf_Struct {
        var payload = Google_Protobuf_Struct()
        let depth = random.oneIn(50) ? 20 + random.below(120) : random.below(4)
        for index in 0..<random.below(5) {
            payload.fields["k\(index)" + (random.oneIn(5) ? string() : "")] = value(depth: depth)
        }
        return payload
    }

    private mutating func value(depth: Int) -> Google_Protobuf_Value {
        if depth <= 0 || random.oneIn(3) {
            switch random.below(4) {
            case 0: return Google_Protobuf_Value(numberValue: double())
            case 1: return Google_Protobuf_Value(stringValue: string())
            case 2: return Google_Protobuf_Value(boolValue: random.oneIn(2))
            default: return Google_Protobuf_Value(nilLiteral: ())
            }
        }
        if random.oneIn(2) {
            return Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: [value(depth: depth - 1)]))
        }
        var inner = Google_Protobuf_Struct()
        inner.fields["n"] = value(depth: depth - 1)
        return Google_Protobuf_Value(structValue: inner)
    }

    mutating func meta() -> EventMeta {
        EventMeta.with {
            $0.eventID = random.oneIn(16) ? string() : "e-\(random.below(1_000_000))"
            if !random.oneIn(30) { $0.occurredAt = plausibleTimestamp() }
            $0.producer = random.oneIn(4) ? string() : "fuzz"
            $0.schemaVersion = uint32()
            $0.traceID = random.oneIn(4) ? string() : ""
        }
    }

    mutating func tier() -> Tier {
        random.oneIn(8) ? random.pick([.unspecified, .UNRECOGNIZED(Int(Int32.max)), .UNRECOGNIZED(-1), .UNRECOGNIZED(7)])
            : random.pick([.gold, .silver, .bronze])
    }

    mutating func relationship() -> DeclaredRelationship {
        DeclaredRelationship.with {
            $0.fromConceptID = identifier(Self.concepts)
            $0.toConceptID = identifier(Self.concepts)
            $0.kind = random.oneIn(5) ? string() : random.pick(["ally", "rival", "member-of"])
            $0.weight = random.oneIn(2) ? 0 : double()
        }
    }

    mutating func attributes() -> [String: String] {
        var attributes: [String: String] = [:]
        for _ in 0..<random.below(4) { attributes[random.oneIn(3) ? string() : "rank"] = random.oneIn(3) ? "" : string() }
        return attributes
    }

    mutating func storyEvent(sequenceHint: UInt64) -> StoryEvent {
        StoryEvent.with {
            if !random.oneIn(40) { $0.meta = meta() }
            $0.worldID = identifier(Self.worlds)
            $0.sequence = random.oneIn(3) ? uint64() : sequenceHint
            $0.kind = random.oneIn(10) ? string() : "quest-completed"
            $0.actors = (0..<random.below(4)).map { _ in string() }
            $0.summary = random.oneIn(10) ? content() : string()
            if random.oneIn(2) { $0.payload = payload() }
            let many = random.oneIn(100)
            $0.conceptUpdates = (0..<(many ? 300 : random.below(4))).map { _ in
                ConceptUpdate.with {
                    $0.conceptID = identifier(Self.concepts)
                    $0.name = random.oneIn(3) ? "" : string()
                    $0.kind = random.oneIn(3) ? "" : string()
                    $0.description_p = random.oneIn(3) ? "" : string()
                    $0.attributes = attributes()
                }
            }
            $0.relationshipUpdates = (0..<(many ? 300 : random.below(4))).map { _ in
                RelationshipUpdate.with {
                    $0.relationship = relationship()
                    $0.change = random.oneIn(10) ? .UNRECOGNIZED(random.below(100)) : random.pick([.upsert, .remove, .unspecified])
                }
            }
        }
    }

    mutating func document() -> DocumentIngested {
        DocumentIngested.with {
            if !random.oneIn(40) { $0.meta = meta() }
            $0.documentID = identifier(Self.documents)
            $0.version = random.oneIn(2) ? uint64() : UInt64(random.below(5))
            $0.worldID = random.oneIn(2) ? "" : identifier(Self.worlds)
            $0.title = string()
            $0.source = string()
            $0.content = content()
            $0.contentHash = string()
            $0.tags = (0..<random.below(3)).map { _ in string() }
            let many = random.oneIn(100)
            $0.concepts = (0..<(many ? 300 : random.below(5))).map { _ in
                DeclaredConcept.with {
                    $0.conceptID = identifier(Self.concepts)
                    $0.name = string()
                    $0.kind = string()
                    $0.description_p = random.oneIn(2) ? string() : content()
                    $0.attributes = attributes()
                }
            }
            $0.relationships = (0..<(many ? 300 : random.below(5))).map { _ in relationship() }
        }
    }

    mutating func sample() -> MetricSample {
        MetricSample.with {
            if !random.oneIn(40) { $0.meta = meta() }
            $0.tier = tier()
            $0.instanceID = random.oneIn(6) ? string() : random.pick(Self.instances)
            if !random.oneIn(30) { $0.sampledAt = plausibleTimestamp() }
            $0.gpuUtilization = share()
            $0.gpuMemoryUtilization = share()
            $0.queueDepth = random.oneIn(2) ? uint64() : UInt64(random.below(500))
            $0.latencyP95Seconds = random.oneIn(3) ? double() : Double(random.below(3_000)) / 1_000
            $0.activePlayers = uint64()
            $0.spotInterruptionNotice = random.oneIn(10)
        }
    }

    mutating func decision() -> ScaleDecision {
        let (spot, onDemand, capacity) = capacityTriple()
        return ScaleDecision.with {
            if !random.oneIn(40) { $0.meta = meta() }
            $0.decisionID = random.oneIn(8) ? string() : "gold-\(random.below(10_000))"
            $0.tier = tier()
            $0.currentCapacity = uint32()
            $0.desiredCapacity = capacity
            $0.desiredSpot = spot
            $0.desiredOnDemand = onDemand
            $0.reason = string()
            if random.oneIn(2) {
                $0.inputs = DecisionInputs.with {
                    if random.oneIn(2) { $0.windowEnd = random.oneIn(4) ? timestamp() : plausibleTimestamp() }
                    $0.samples = uint32()
                    $0.meanGpuUtilization = double()
                    $0.maxGpuUtilization = double()
                    $0.queueDepth = uint64()
                    $0.latencyP95Seconds = double()
                    $0.activePlayers = uint64()
                    $0.spotInterruptionNotice = random.oneIn(2)
                }
            }
            $0.policyVersion = string()
            if random.oneIn(3) { $0.decidedAt = random.oneIn(4) ? timestamp() : plausibleTimestamp() }
        }
    }

    /// `bytes` damaged: truncated, bit-flipped, overwritten, spliced with random bytes or replaced by them.
    mutating func mangle(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        switch random.below(7) {
        case 0: out = Array(out.prefix(random.below(out.count + 1)))
        case 1:
            for _ in 0..<(1 + random.below(8)) where !out.isEmpty { out[random.below(out.count)] ^= 1 << UInt8(random.below(8)) }
        case 2:
            for _ in 0..<(1 + random.below(4)) where !out.isEmpty { out[random.below(out.count)] = random.pick([0xFF, 0x80, 0x00, 0x7F, random.byte()]) }
        case 3: out.insert(contentsOf: random.bytes(random.below(12)), at: random.below(out.count + 1))
        case 4: out += [random.pick([0x08, 0x18, 0x1A, 0x22, 0x0A, 0xFA, 0x0F, 0x0B]), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        case 5: out = random.bytes(random.below(64))
        default: out = Array(out.prefix(random.below(out.count + 1))) + random.bytes(random.below(8))
        }
        return out
    }
}
