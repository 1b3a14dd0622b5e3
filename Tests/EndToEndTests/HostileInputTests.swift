import AnnalsEvents
import Foundation
import Kafka
import Postgres
import SwiftProtobuf
import Testing
import TestSupport

/// Issue 13, end to end: hostile records on every topic, interleaved with well-formed ones, read by all four workers
/// on one cluster and one database. Every worker stays up; each hostile record is applied or dead-lettered with a
/// readable reason; the well-formed events after them apply; a GPU spike after a far-future sample still scales out.
@Suite("Hostile input", .timeLimit(.minutes(4)))
struct HostileInputTests {
    /// 2026-03-01T18:00:00Z: event times of the well-formed events (the records' timestamps are the time of sending).
    static let origin: Int64 = 1_772_388_000
    /// 2056-03-01T00:00:00Z: years ahead of any record's timestamp.
    static let farFuture: Int64 = 2_719_094_400
    /// 0001-01-01T00:00:00Z: the earliest valid protobuf timestamp.
    static let yearOne: Int64 = -62_135_596_800
    static let typeHeader = AnnalsTopic.messageTypeHeader

    // MARK: - What a record should come to

    /// What a projection should make of a record.
    enum Expectation: Sendable, CustomStringConvertible {
        /// Visible in the projection's tables.
        case applied
        /// In annals.dead_letters, the error containing every one of these.
        case deadLettered([String])
        /// One of the two (not determined by the contract).
        case either

        var description: String {
            switch self {
            case .applied: "applied"
            case .deadLettered(let words): "dead-lettered (\(words.joined(separator: ", ")))"
            case .either: "applied or dead-lettered"
            }
        }
    }

    /// One record to publish and what each projection reading its topic should make of it.
    struct Case: Sendable {
        var name: String
        var record: KafkaRecord
        /// Projection → expectation; the projections reading the topic.
        var expect: [String: Expectation]
        var hostile: Bool
        /// Projections whose apply of this record leaves no row to find (the kb's story events without concept changes):
        /// applied there means "read past and not dead-lettered".
        var traceless: Set<String> = []
    }

    /// A published case: where it landed.
    struct Landed: Sendable {
        var kase: Case
        var partition: Int32
        var offset: Int64
    }

    static func projections(of topic: String) -> [String] {
        switch topic {
        case "story-event": ["story", "kb"]
        case "document-ingested": ["kb"]
        case "metric-sample": ["metrics"]
        default: ["scaling"]
        }
    }

    static func hostile(_ name: String, _ record: KafkaRecord, _ expectation: Expectation,
                        kb: Expectation? = nil, kbTraceless: Bool = false) -> Case {
        var expect: [String: Expectation] = [:]
        for projection in projections(of: record.topic) { expect[projection] = expectation }
        if let kb, record.topic == "story-event" { expect["kb"] = kb }
        return Case(name: name, record: record, expect: expect, hostile: true, traceless: kbTraceless ? ["kb"] : [])
    }

    static func wellFormed(_ name: String, _ record: KafkaRecord, kbTraceless: Bool = false) -> Case {
        var expect: [String: Expectation] = [:]
        for projection in projections(of: record.topic) { expect[projection] = .applied }
        return Case(name: name, record: record, expect: expect, hostile: false, traceless: kbTraceless ? ["kb"] : [])
    }

    // MARK: - Events

    static func meta(_ id: String, at seconds: Int64) -> EventMeta {
        EventMeta.with {
            $0.eventID = id
            $0.occurredAt = EventTimestamp(seconds: seconds)
            $0.producer = "hostile-tests"
            $0.schemaVersion = 1
        }
    }

    static func story(_ id: String, world: String, sequence: UInt64, at seconds: Int64 = origin) -> StoryEvent {
        StoryEvent.with {
            $0.meta = meta(id, at: seconds)
            $0.worldID = world
            $0.sequence = sequence
            $0.kind = "quest-completed"
            $0.actors = ["aria", "bren"]
            $0.summary = "An ordinary deed."
        }
    }

    static func record(_ message: some SwiftProtobuf.Message, topic: AnnalsTopic, key: String?,
                       header: String?? = .some(nil), partition: Int32? = nil, timestamp: Int64? = nil) throws -> KafkaRecord {
        let name: String? = switch header {
        case .none: nil  // no header at all
        case .some(.none): topic.messageTypeName
        case .some(.some(let declared)): declared
        }
        return KafkaRecord(topic: topic.rawValue, key: key.map { Array($0.utf8) }, value: try message.serializedBytes(),
                           headers: name.map { [KafkaHeader(key: typeHeader, value: Array($0.utf8))] } ?? [],
                           partition: partition, timestampMilliseconds: timestamp)
    }

    static func raw(_ bytes: [UInt8], topic: AnnalsTopic, key: String, header: String? = nil) -> KafkaRecord {
        KafkaRecord(topic: topic.rawValue, key: Array(key.utf8), value: bytes,
                    headers: [KafkaHeader(key: typeHeader, value: Array((header ?? topic.messageTypeName).utf8))])
    }

    /// A Struct nested `depth` levels deep.
    static func deepStruct(_ depth: Int) -> Google_Protobuf_Struct {
        var inner = Google_Protobuf_Struct(fields: ["leaf": Google_Protobuf_Value(stringValue: "bottom")])
        for level in 0..<depth {
            inner = Google_Protobuf_Struct(fields: ["level\(level)": Google_Protobuf_Value(structValue: inner)])
        }
        return inner
    }

    /// Text mixing scripts, combining marks, joiners, bidi overrides, control characters and PII-like runs.
    static func oddText(bytes: Int) -> String {
        let pieces = [
            "# Ω heading \u{202E}desrever\u{202C}\n\n", "ഩ്‎ൎ", "e\u{301}\u{302}\u{303}", "👩‍👩‍👧‍👦",
            "\u{200B}\u{200D}\u{FEFF}",
            "tab\there\u{7}bell\u{1B}[31mred ", "\u{85}next-line ", "call +1 415 555 0100 or x@y.example ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ",
            "漢字かなカナ한국어 ", "العربية עברית ", "\r\n\r\n## sub\n\n", String(repeating: "word ", count: 40),
        ]
        var text = ""
        var index = 0
        while text.utf8.count < bytes {
            text += pieces[index % pieces.count]
            index += 1
        }
        return text
    }

    static func storyCases() throws -> [Case] {
        let topic = AnnalsTopic.storyEvent
        var cases: [Case] = []
        var calmIndex = 0
        let calm = StoryEventGenerator(worlds: 2, prefix: "calm-story")
        func calmOne() throws {
            cases.append(wellFormed("story calm \(calmIndex)", try StoryEventGenerator.record(for: calm.event(calmIndex)),
                                    kbTraceless: true))
            calmIndex += 1
        }
        func add(_ name: String, _ record: KafkaRecord, _ expectation: Expectation, kb: Expectation? = nil,
                 kbTraceless: Bool = true) throws {
            try calmOne()
            cases.append(hostile(name, record, expectation, kb: kb, kbTraceless: kbTraceless))
        }

        // Integer edges: sequences beyond bigint, at Int64.max, then a later one (a regression, counted).
        try add("story sequence UInt64.max",
                try record(story("h-seq-u64", world: "hostile-seq", sequence: .max), topic: topic, key: "hostile-seq"),
                .deadLettered(["sequence must be at most 9223372036854775807"]))
        try add("story sequence Int64.max", try record(story("h-seq-i64", world: "hostile-seq", sequence: UInt64(Int64.max)), topic: topic,
                                                        key: "hostile-seq"), .applied)
        try add("story sequence after Int64.max", try record(story("h-seq-after", world: "hostile-seq", sequence: 7), topic: topic,
                                                              key: "hostile-seq"), .applied)
        try add("story sequence 0", try record(story("h-seq-0", world: "hostile-seq", sequence: 0), topic: topic, key: "hostile-seq"),
                .deadLettered(["sequence must be 1 or more"]))

        // 1 MiB summaries, just under and over --max-event-bytes (on different partitions: the mock broker keeps 5 MiB each).
        var under = story("h-summary-under", world: "hostile-big", sequence: 1)
        under.summary = String(repeating: "a long saga ", count: 1_040_000 / 12)
        try add("story 1 MiB summary under the limit", try record(under, topic: topic, key: "hostile-big", partition: 0), .applied)
        var over = story("h-summary-over", world: "hostile-big", sequence: 2)
        over.summary = String(repeating: "a long saga ", count: 1_100_000 / 12)
        try add("story summary over the limit", try record(over, topic: topic, key: "hostile-big", partition: 1),
                .deadLettered(["bytes, over the 1,048,576-byte limit (--max-event-bytes)"]))

        // Deep payloads.
        var deep = story("h-deep-20", world: "hostile-deep", sequence: 1)
        deep.payload = deepStruct(20)
        try add("story payload 20 levels deep", try record(deep, topic: topic, key: "hostile-deep"), .applied)
        var deeper = story("h-deep-300", world: "hostile-deep", sequence: 2)
        deeper.payload = deepStruct(300)
        try add("story payload 300 levels deep", try record(deeper, topic: topic, key: "hostile-deep"),
                .deadLettered(["not a valid annals.v1.StoryEvent in protobuf binary: messageDepthLimit"]))

        // NUL, C0/C1 and right-to-left overrides in ids and text.
        try add("story NUL in world_id", try record(story("h-nul-world", world: "hostile\u{0}world", sequence: 1), topic: topic,
                                                     key: "hostile\u{0}world"), .deadLettered(["world_id contains control characters"]))
        try add("story ESC in event_id", try record(story("h-esc\u{1B}[2J", world: "hostile-ctl", sequence: 1), topic: topic,
                                                     key: "hostile-ctl"), .deadLettered(["meta.event_id contains control characters"]))
        try add("story C1 in event_id", try record(story("h-c1\u{85}", world: "hostile-ctl", sequence: 1), topic: topic,
                                                    key: "hostile-ctl"), .deadLettered(["meta.event_id contains control characters"]))
        var rtl = story("h-rtl-\u{202E}lave", world: "hostile-\u{202E}dlrow", sequence: 1)
        rtl.kind = "quest-\u{202E}detelpmoc"
        rtl.actors = ["\u{202E}aria", "bren\u{202D}"]
        rtl.summary = "A \u{202E}desrever\u{202C} deed."
        try add("story RTL overrides in ids and text", try record(rtl, topic: topic, key: "hostile-\u{202E}dlrow"), .applied)
        var nulSummary = story("h-nul-summary", world: "hostile-text", sequence: 1)
        nulSummary.summary = "before\u{0}after"
        try add("story NUL in summary", try record(nulSummary, topic: topic, key: "hostile-text"), .either, kb: .applied)
        var nulPayload = story("h-nul-payload", world: "hostile-text", sequence: 2)
        nulPayload.payload = Google_Protobuf_Struct(fields: ["note": Google_Protobuf_Value(stringValue: "nul\u{0}here")])
        try add("story NUL in payload", try record(nulPayload, topic: topic, key: "hostile-text"), .either, kb: .applied)
        var controls = story("h-controls", world: "hostile-text", sequence: 3)
        controls.summary = "bell\u{7} esc\u{1B}[31m del\u{7F} c1\u{9B} tab\t"
        controls.actors = ["\u{1}soh", "nel\u{85}"]
        try add("story C0/C1 characters in summary and actors", try record(controls, topic: topic, key: "hostile-text"), .applied)
        var nulConcept = story("h-nul-concept", world: "hostile-concepts", sequence: 1)
        nulConcept.conceptUpdates = [ConceptUpdate.with {
            $0.conceptID = "vell"
            $0.name = "Vell\u{0}the Nul"
            $0.attributes = ["status": "alive\u{0}"]
        }]
        try add("story NUL in a concept update", try record(nulConcept, topic: topic, key: "hostile-concepts"), .applied,
                kb: .either, kbTraceless: false)
        var rtlConcept = story("h-rtl-concept", world: "hostile-concepts", sequence: 2)
        rtlConcept.conceptUpdates = [ConceptUpdate.with {
            $0.conceptID = "\u{202E}llev"
            $0.name = "Vell \u{202E}reversed"
            $0.attributes = ["\u{202E}key": "value\u{202E}", "": ""]
        }]
        try add("story RTL in a concept update", try record(rtlConcept, topic: topic, key: "hostile-concepts"), .applied,
                kbTraceless: false)

        // Empty, truncated, garbage, another topic's message type.
        try add("story empty value", raw([], topic: topic, key: "hostile-bytes"), .deadLettered(["empty message on topic story-event"]))
        let whole: [UInt8] = try story("h-truncated", world: "hostile-bytes", sequence: 1).serializedBytes()
        try add("story truncated protobuf", raw(Array(whole.dropLast(5)), topic: topic, key: "hostile-bytes"),
                .deadLettered(["not a valid annals.v1.StoryEvent in protobuf binary"]))
        try add("story random bytes", raw([0xff, 0xfe, 0x00, 0x13, 0x37, 0xde, 0xad, 0x0f], topic: topic, key: "hostile-bytes"),
                .deadLettered(["not a valid annals.v1.StoryEvent in protobuf binary"]))
        let document = DocumentIngested.with {
            $0.meta = meta("h-doc-on-story", at: origin)
            $0.documentID = "doc-on-story"
            $0.version = 3
            $0.title = "A document"
            $0.content = "# A document\n\nOn the wrong topic."
        }
        try add("story DocumentIngested with its type header", try record(document, topic: topic, key: "hostile-bytes",
                                                                          header: .some("annals.v1.DocumentIngested")),
                .deadLettered(["carries annals.v1.StoryEvent but the message is labelled annals.v1.DocumentIngested"]))
        // Without the header its fields line up with StoryEvent's until content (7), which is no Struct.
        try add("story DocumentIngested without a type header", try record(document, topic: topic, key: "hostile-bytes", header: .none),
                .deadLettered(["not a valid annals.v1.StoryEvent in protobuf binary"]))
        try add("story type header with control characters", try record(story("h-header", world: "hostile-bytes", sequence: 1),
                                                                         topic: topic, key: "hostile-bytes",
                                                                         header: .some("annals.v1.Story\u{1B}[2J\u{0}Event")),
                .deadLettered([#"but the message is labelled annals.v1.Story\u{1B}[2J\u{0}Event"#]))
        try add("story type header of 64 KiB", try record(story("h-header-long", world: "hostile-bytes", sequence: 1), topic: topic,
                                                           key: "hostile-bytes",
                                                           header: .some("annals.v1." + String(repeating: "\u{202E}X", count: 16_000))),
                .deadLettered(["but the message is labelled annals.v1.\\u{202E}X", "… (64010 bytes)"]))
        var crowd = story("h-crowd", world: "hostile-crowd", sequence: 1)
        crowd.actors = (0..<10_000).map { "actor-\($0)" }
        try add("story 10,000 actors", try record(crowd, topic: topic, key: "hostile-crowd"), .applied)

        // Keys and headers: none, binary, two type headers (the last one counts), bytes that are not UTF-8, a null header.
        try add("story without a key", try record(story("h-nil-key", world: "hostile-keys", sequence: 1), topic: topic, key: nil),
                .applied)
        var binaryKey = try record(story("h-binary-key", world: "hostile-keys", sequence: 2), topic: topic, key: nil)
        binaryKey.key = [0xff, 0x00, 0x1b, 0x9b]
        try add("story with a binary key", binaryKey, .applied)
        var twoHeaders = try record(story("h-two-headers", world: "hostile-keys", sequence: 3), topic: topic, key: "hostile-keys")
        twoHeaders.headers.insert(KafkaHeader(key: typeHeader, value: Array("annals.v1.MetricSample".utf8)), at: 0)
        try add("story two type headers, the last its own", twoHeaders, .applied)
        var notUTF8 = try record(story("h-header-bytes", world: "hostile-keys", sequence: 4), topic: topic, key: "hostile-keys")
        notUTF8.headers = [KafkaHeader(key: typeHeader, value: [0xff, 0xfe, 0x00])]
        try add("story type header not UTF-8", notUTF8, .deadLettered([#"but the message is labelled \u{FFFD}\u{FFFD}\u{0}"#]))
        var nullHeader = try record(story("h-null-header", world: "hostile-keys", sequence: 5), topic: topic, key: "hostile-keys")
        nullHeader.headers = [KafkaHeader(key: typeHeader, value: nil), KafkaHeader(key: "", value: [0x00])]
        try add("story null type header and an empty header name", nullHeader, .applied)

        // Times: far future, year 1, outside proto3's range, and a record timestamped 1970 (1 ms: librdkafka stamps 0 as now).
        try add("story occurred_at far future", try record(story("h-future", world: "hostile-time", sequence: 1, at: farFuture),
                                                            topic: topic, key: "hostile-time"),
                .deadLettered(["meta.occurred_at 2056-03-01T00:00:00Z is", "ahead of the record's timestamp"]))
        try add("story occurred_at year 1", try record(story("h-year-one", world: "hostile-time", sequence: 1, at: yearOne),
                                                        topic: topic, key: "hostile-time"), .applied)
        try add("story occurred_at Int64.max seconds", try record(story("h-time-max", world: "hostile-time", sequence: 2, at: .max),
                                                                   topic: topic, key: "hostile-time"),
                .deadLettered(["meta.occurred_at", "not a valid timestamp"]))
        try add("story record timestamped 1970", try record(story("h-record-1970", world: "hostile-time", sequence: 3),
                                                             topic: topic, key: "hostile-time", timestamp: 1),
                .deadLettered(["meta.occurred_at", "ahead of the record's timestamp 1970-01-01T00:00:00Z"]))
        for _ in 0..<6 { try calmOne() }
        return cases
    }

    static func document(_ id: String, version: UInt64 = 1,
                         content: String = "# Notes\n\nPlain words about the orrery.") -> DocumentIngested {
        DocumentIngested.with {
            $0.meta = meta("\(id)-v\(version)", at: origin + Int64(truncatingIfNeeded: version % 1_000))
            $0.documentID = id
            $0.version = version
            $0.worldID = "emberfall"
            $0.title = "Notes on \(id)"
            $0.source = "tests"
            $0.content = content
        }
    }

    static func documentCases() throws -> [Case] {
        let topic = AnnalsTopic.documentIngested
        var cases: [Case] = []
        var calmIndex = 0
        func calmOne() throws {
            let id = "calm-doc-\(calmIndex)"
            cases.append(wellFormed("document calm \(calmIndex)", try record(document(id), topic: topic, key: id)))
            calmIndex += 1
        }
        func add(_ name: String, _ event: DocumentIngested, _ expectation: Expectation, header: String?? = .some(nil)) throws {
            try calmOne()
            cases.append(hostile(name, try record(event, topic: topic, key: event.documentID, header: header), expectation))
        }
        try add("document 256 KiB of odd content", document("h-odd-content", content: oddText(bytes: 256 * 1_024)), .applied)
        try add("document version 0", document("h-version-0", version: 0), .deadLettered(["version must be 1 or more"]))
        try add("document version UInt64.max", document("h-version-max", version: .max), .applied)
        var many = document("h-many-concepts")
        many.concepts = (0..<3_000).map { index in
            DeclaredConcept.with {
                $0.conceptID = "concept-\(index)"
                $0.name = "Concept \(index)"
                $0.kind = "character"
                $0.attributes = ["rank": String(index)]
            }
        }
        many.relationships = (0..<1_000).map { index in
            DeclaredRelationship.with {
                $0.fromConceptID = "concept-\(index)"
                $0.toConceptID = "concept-\(index + 1)"
                $0.kind = "knows"
                $0.weight = index == 0 ? 1e308 : -Double(index)
            }
        }
        try add("document with 3,000 concepts and 1,000 relationships", many, .applied)
        var nulTitle = document("h-nul-title")
        nulTitle.title = "Title\u{0}with NUL"
        try add("document NUL in title", nulTitle, .either)
        try add("document NUL in content", document("h-nul-content", content: "# NUL\n\nbefore\u{0}after"), .either)
        var rtl = document("h-\u{202E}lmth.exe")
        rtl.title = "\u{202E}desrever title"
        rtl.worldID = "ember\u{202E}llaf"
        try add("document RTL in ids and title", rtl, .applied)
        var nanWeight = document("h-nan-weight")
        nanWeight.relationships = [DeclaredRelationship.with {
            $0.fromConceptID = "a"
            $0.toConceptID = "b"
            $0.kind = "knows"
            $0.weight = .nan
        }]
        try add("document relationship weight NaN", nanWeight, .deadLettered(["relationships[0].weight must be a finite number"]))
        var nulAttribute = document("h-nul-attribute")
        nulAttribute.concepts = [DeclaredConcept.with {
            $0.conceptID = "nul-keeper"
            $0.name = "Keeper"
            $0.attributes = ["secret": "nul\u{0}inside"]
        }]
        try add("document NUL in a concept attribute", nulAttribute, .either)
        try add("document empty document_id", document(""), .deadLettered(["document_id is empty"]))
        var controlTags = document("h-control-tags")
        controlTags.tags = ["\u{1B}[31mred", "bell\u{7}", String(repeating: "t", count: 10_000)] + (0..<2_000).map { "tag-\($0)" }
        try add("document control characters and 2,000 tags", controlTags, .applied)
        var future = document("h-doc-future")
        future.meta.occurredAt = EventTimestamp(seconds: farFuture)
        try add("document occurred_at far future", future, .deadLettered(["meta.occurred_at 2056-03-01T00:00:00Z is"]))
        var yearOneDocument = document("h-doc-year-one")
        yearOneDocument.meta.occurredAt = EventTimestamp(seconds: yearOne)
        try add("document occurred_at year 1", yearOneDocument, .applied)

        try calmOne()
        cases.append(hostile("document empty value", raw([], topic: topic, key: "h-bytes"),
                             .deadLettered(["empty message on topic document-ingested"])))
        let whole: [UInt8] = try document("h-truncated").serializedBytes()
        try calmOne()
        cases.append(hostile("document truncated protobuf", raw(Array(whole.dropLast(7)), topic: topic, key: "h-bytes"),
                             .deadLettered(["not a valid annals.v1.DocumentIngested in protobuf binary"])))
        try calmOne()
        cases.append(hostile("document StoryEvent with its type header",
                             try record(story("h-story-on-docs", world: "w", sequence: 1), topic: topic, key: "h-bytes",
                                        header: .some("annals.v1.StoryEvent")),
                             .deadLettered(["carries annals.v1.DocumentIngested but the message is labelled annals.v1.StoryEvent"])))
        for _ in 0..<4 { try calmOne() }
        return cases
    }

    static func sample(_ id: String, tier: Tier, instance: String = "i-0", at seconds: Int64, gpu: Double = 0.3,
                       queue: UInt64 = 0) -> MetricSample {
        MetricSample.with {
            $0.meta = meta(id, at: seconds)
            $0.tier = tier
            $0.instanceID = instance
            $0.sampledAt = EventTimestamp(seconds: seconds)
            $0.gpuUtilization = gpu
            $0.gpuMemoryUtilization = gpu / 2
            $0.queueDepth = queue
            $0.latencyP95Seconds = 0.3
            $0.activePlayers = 40
        }
    }

    /// Silver and bronze get the hostile samples; gold gets quiet minutes, a far-future and a year-1 sample (wave 1),
    /// then the spike (wave 2).
    static func metricCases() throws -> [Case] {
        let topic = AnnalsTopic.metricSample
        var cases: [Case] = []
        // Bronze's very first sample is dated year 1: its watermark starts there.
        cases.append(hostile("metric year-1 sample as bronze's first", try record(sample("h-bronze-year-one", tier: .bronze, at: yearOne),
                                                                              topic: topic, key: "bronze"), .applied))
        var second: Int64 = 0
        func calm(_ tier: Tier) throws {
            let id = "calm-\(tier.name)-\(second)"
            cases.append(wellFormed("metric calm \(tier.name) \(second)",
                                    try record(sample(id, tier: tier, at: origin + second), topic: topic, key: tier.name)))
        }
        func add(_ name: String, _ event: MetricSample, _ expectation: Expectation, header: String?? = .some(nil)) throws {
            try calm(.silver)
            try calm(.bronze)
            second += 10
            cases.append(hostile(name, try record(event, topic: topic, key: event.tier == .bronze ? "bronze" : "silver", header: header),
                                 expectation))
        }
        func hostileSample(_ id: String, on tier: Tier = .silver, _ change: (inout MetricSample) -> Void) -> MetricSample {
            var event = sample(id, tier: tier, at: origin + second)
            change(&event)
            return event
        }
        try add("metric gpu_utilization NaN", hostileSample("h-gpu-nan") { $0.gpuUtilization = .nan },
                .deadLettered(["gpu_utilization must be between 0 and 1, got nan"]))
        try add("metric gpu_utilization negative", hostileSample("h-gpu-negative") { $0.gpuUtilization = -0.5 },
                .deadLettered(["gpu_utilization must be between 0 and 1, got -0.5"]))
        try add("metric gpu_utilization above 1", hostileSample("h-gpu-above") { $0.gpuUtilization = 1.5 },
                .deadLettered(["gpu_utilization must be between 0 and 1, got 1.5"]))
        try add("metric gpu_memory_utilization -inf", hostileSample("h-mem-inf") { $0.gpuMemoryUtilization = -.infinity },
                .deadLettered(["gpu_memory_utilization must be between 0 and 1"]))
        try add("metric queue depth and players UInt64.max", hostileSample("h-queue-max") {
            $0.queueDepth = .max
            $0.activePlayers = .max
        }, .applied)
        try add("metric latency +inf", hostileSample("h-latency-inf", on: .bronze) { $0.latencyP95Seconds = .infinity },
                .deadLettered(["latency_p95_seconds must be a finite number ≥ 0"]))
        try add("metric latency negative", hostileSample("h-latency-negative", on: .bronze) { $0.latencyP95Seconds = -1 },
                .deadLettered(["latency_p95_seconds must be a finite number ≥ 0"]))
        try add("metric latency 1e300 s", hostileSample("h-latency-huge", on: .bronze) { $0.latencyP95Seconds = 1e300 }, .applied)
        try add("metric tier unspecified", hostileSample("h-tier") { $0.tier = .unspecified },
                .deadLettered(["tier must be gold, silver or bronze"]))
        try add("metric NUL in instance_id", hostileSample("h-instance-nul") { $0.instanceID = "gpu\u{0}1" }, .either)
        try add("metric RTL in instance_id and event_id", hostileSample("h-\u{202E}rtl", on: .bronze) { $0.instanceID = "gpu-\u{202E}1" },
                .applied)
        try add("metric spot notice with UInt64.max players", hostileSample("h-spot", on: .bronze) {
            $0.spotInterruptionNotice = true
            $0.activePlayers = .max
        }, .applied)
        try add("metric empty instance_id", hostileSample("h-instance-empty") { $0.instanceID = "" },
                .deadLettered(["instance_id is empty"]))
        try add("metric sampled_at nanos 1e9",
                hostileSample("h-nanos") { $0.sampledAt = EventTimestamp(seconds: origin, nanos: 1_000_000_000) },
                .deadLettered(["sampled_at", "not a valid timestamp"]))
        try add("metric sampled_at Int64.min", hostileSample("h-sampled-min") { $0.sampledAt = EventTimestamp(seconds: .min) },
                .deadLettered(["sampled_at", "not a valid timestamp"]))
        try add("metric StoryEvent without a type header", hostileSample("h-unused") { _ in },
                .deadLettered(["not a valid annals.v1.MetricSample in protobuf binary"]), header: .none)
        cases[cases.count - 1].record.value = try story("h-story-on-metrics", world: "w", sequence: 1).serializedBytes()
        try calm(.silver)
        cases.append(hostile("metric empty value", raw([], topic: topic, key: "silver"),
                             .deadLettered(["empty message on topic metric-sample"])))
        let whole: [UInt8] = try sample("h-truncated", tier: .silver, at: origin).serializedBytes()
        cases.append(hostile("metric truncated protobuf", raw(Array(whole.dropLast(3)), topic: topic, key: "silver"),
                             .deadLettered(["not a valid annals.v1.MetricSample in protobuf binary"])))
        second += 10
        for _ in 0..<12 {
            try calm(.silver)
            try calm(.bronze)
            second += 10
        }

        // Gold: ten quiet minutes, a sample dated 2056 (its record stamped now), one dated year 1.
        for index in 0..<60 {
            cases.append(wellFormed("metric gold quiet \(index)",
                                    try record(sample("gold-quiet-\(index)", tier: .gold, at: origin + Int64(index) * 10), topic: topic,
                                               key: "gold")))
        }
        cases.append(hostile("metric sampled_at far future (gold)", try record(sample("h-gold-future", tier: .gold, at: farFuture),
                                                                                topic: topic, key: "gold"),
                             .deadLettered(["sampled_at 2056-03-01T00:00:00Z is", "years ahead of the record's timestamp"])))
        cases.append(hostile("metric sampled_at year 1 (gold, late)", try record(sample("h-gold-year-one", tier: .gold, at: yearOne),
                                                                                  topic: topic, key: "gold"), .applied))
        return cases
    }

    static var spikeStart: Int64 { origin + 600 }

    /// Seven minutes of GPU near 1 on gold, from `spikeStart`.
    static func spikeCases() throws -> [Case] {
        try (0..<42).map { index in
            wellFormed("metric gold spike \(index)",
                       try record(sample("gold-spike-\(index)", tier: .gold, at: spikeStart + Int64(index) * 10, gpu: 0.97, queue: 40),
                                  topic: .metricSample, key: "gold"))
        }
    }

    static func decision(_ id: String, tier: Tier = .silver, desired: UInt32 = 4, at seconds: Int64 = origin) -> ScaleDecision {
        ScaleDecision.with {
            $0.meta = meta("event-\(id)", at: seconds)
            $0.decisionID = id
            $0.tier = tier
            $0.currentCapacity = 2
            $0.desiredCapacity = desired
            $0.desiredSpot = desired
            $0.reason = "tests"
            $0.policyVersion = "tests-1"
            $0.decidedAt = EventTimestamp(seconds: seconds)
        }
    }

    static func decisionCases() throws -> [Case] {
        let topic = AnnalsTopic.scaleDecision
        var cases: [Case] = []
        var calmIndex = 0
        func calmOne() throws {
            let tier: Tier = calmIndex % 2 == 0 ? .silver : .bronze
            let id = "calm-decision-\(calmIndex)"
            let event = decision(id, tier: tier, at: origin - 86_400 + Int64(calmIndex))
            cases.append(wellFormed("decision calm \(calmIndex)", try record(event, topic: topic, key: tier.name)))
            calmIndex += 1
        }
        func add(_ name: String, _ event: ScaleDecision, _ expectation: Expectation) throws {
            try calmOne()
            let key = event.tier == .unspecified ? "silver" : event.tier.name
            cases.append(hostile(name, try record(event, topic: topic, key: key), expectation))
        }
        func hostileDecision(_ id: String, on tier: Tier = .silver, _ change: (inout ScaleDecision) -> Void) -> ScaleDecision {
            var event = decision(id, tier: tier, at: origin - 2 * 86_400)
            change(&event)
            return event
        }
        try add("decision capacities overflowing UInt32 when summed", hostileDecision("h-overflow") {
            $0.desiredSpot = .max
            $0.desiredOnDemand = 1
            $0.desiredCapacity = 0
        }, .deadLettered(["desired_capacity must equal desired_spot + desired_on_demand"]))
        try add("decision capacities at UInt32.max", hostileDecision("h-capacity-max") {
            $0.currentCapacity = .max
            $0.desiredCapacity = .max
            $0.desiredSpot = .max
        }, .applied)
        try add("decision decided_at far future (gold)",
                hostileDecision("h-decided-future", on: .gold) { $0.decidedAt = EventTimestamp(seconds: farFuture) },
                .deadLettered(["decided_at 2056-03-01T00:00:00Z is", "ahead of the record's timestamp"]))
        try add("decision empty decision_id", hostileDecision("") { _ in }, .deadLettered(["decision_id is empty"]))
        try add("decision NUL in decision_id", hostileDecision("h-nul\u{0}id") { _ in },
                .deadLettered(["decision_id contains control characters"]))
        try add("decision RTL in decision_id", hostileDecision("h-\u{202E}rtl", on: .bronze) { _ in }, .applied)
        try add("decision tier unspecified", hostileDecision("h-tier") { $0.tier = .unspecified },
                .deadLettered(["tier must be gold, silver or bronze"]))
        try add("decision decided_at year 1",
                hostileDecision("h-decided-year-one", on: .bronze) { $0.decidedAt = EventTimestamp(seconds: yearOne) }, .applied)
        try add("decision window_end Int64.max seconds", hostileDecision("h-window-max") {
            $0.inputs.windowEnd = EventTimestamp(seconds: .max)
        }, .deadLettered(["inputs.window_end", "not a valid timestamp"]))
        try add("decision inputs NaN and UInt64.max", hostileDecision("h-inputs-odd", on: .bronze) {
            $0.inputs.meanGpuUtilization = .nan
            $0.inputs.maxGpuUtilization = .infinity
            $0.inputs.queueDepth = .max
            $0.inputs.activePlayers = .max
            $0.inputs.samples = .max
            $0.inputs.latencyP95Seconds = -.infinity
        }, .applied)
        try add("decision NUL in reason", hostileDecision("h-nul-reason") { $0.reason = "because\u{0}" }, .either)
        try add("decision 200 KB reason with control characters", hostileDecision("h-long-reason", on: .bronze) {
            $0.reason = String(repeating: "why\u{1B}[2J\u{7} ", count: 20_000)
        }, .applied)

        try calmOne()
        cases.append(hostile("decision empty value", raw([], topic: topic, key: "silver"),
                             .deadLettered(["empty message on topic scale-decision"])))
        let whole: [UInt8] = try decision("h-truncated").serializedBytes()
        cases.append(hostile("decision truncated protobuf", raw(Array(whole.dropLast(4)), topic: topic, key: "silver"),
                             .deadLettered(["not a valid annals.v1.ScaleDecision in protobuf binary"])))
        cases.append(hostile("decision MetricSample with its type header",
                             try record(sample("h-sample-on-decisions", tier: .silver, at: origin), topic: topic, key: "silver",
                                        header: .some("annals.v1.MetricSample")),
                             .deadLettered(["carries annals.v1.ScaleDecision but the message is labelled annals.v1.MetricSample"])))
        for _ in 0..<4 { try calmOne() }
        return cases
    }

    /// Calm events published once the workers run: the well-formed events after the hostile ones, arriving live.
    static func liveCases() throws -> [Case] {
        let calm = StoryEventGenerator(worlds: 2, prefix: "live-story")
        var cases = try (0..<6).map {
            wellFormed("story live \($0)", try StoryEventGenerator.record(for: calm.event($0)), kbTraceless: true)
        }
        cases += try (0..<3).map {
            wellFormed("document live \($0)", try record(document("live-doc-\($0)"), topic: .documentIngested, key: "live-doc-\($0)"))
        }
        cases += try (0..<3).map { index in
            let event = decision("live-decision-\(index)", tier: .bronze, at: origin - 3_600 + Int64(index))
            return wellFormed("decision live \(index)", try record(event, topic: .scaleDecision, key: "bronze"))
        }
        return cases + (try spikeCases())
    }

    // MARK: - The stack

    struct Worker {
        var name: String
        var process: ChildProcess
        var port: Int
    }

    static func startWorkers(_ kafka: TestKafkaCluster, _ database: TestDatabase) throws -> [Worker] {
        let common = ["--brokers", kafka.bootstrapServers, "--database-url", database.url, "--http-host", "127.0.0.1",
                      "--linger-ms", "20", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200"]
        let extra: [String: [String]] = [
            "annals-story-worker": [],
            "annals-kb-worker": ["--embedder", "hashing", "--dimension", "64"],
            "annals-metrics-worker": ["--batch-size", "50"],
            "annals-scaling-worker": ["--actuator", "dry-run", "--actuation-poll-ms", "200"],
        ]
        return try extra.keys.sorted().map { name in
            let port = try LocalHTTP.freePort()
            let process = try ChildProcess.annals(name, arguments: common + ["--http-port", String(port)] + (extra[name] ?? []),
                                                  logPath: ChildProcess.temporaryPath(name: "hostile-" + name, suffix: ".log"))
            return Worker(name: name, process: process, port: port)
        }
    }

    static func send(_ cases: [Case], with producer: KafkaProducer) async throws -> [Landed] {
        let results = await producer.sendAll(cases.map(\.record))
        return try zip(cases, results).map { kase, result in
            switch result {
            case .success(let report): Landed(kase: kase, partition: report.partition, offset: report.offset)
            case .failure(let error): throw TestSupportFailure("delivery of \(kase.name) failed: \(error)")
            }
        }
    }

    /// An error an operator can read: not empty, not huge, no control or bidi-override characters, no replacement
    /// characters standing for binary bytes.
    static func isReadable(_ error: String) -> Bool {
        !error.isEmpty && error.utf8.count <= 2_000 && !error.unicodeScalars.contains { scalar in
            scalar.properties.generalCategory == .control || scalar == "\u{FFFD}"
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
        }
    }

    // MARK: - The test

    @Test func everyWorkerSurvivesHostileRecordsOnEveryTopicAndTheRestApplies() async throws {
        let started = ContinuousClock.now
        let kafka = try TestKafkaCluster(topics: ["story-event": 2, "document-ingested": 2, "metric-sample": 3, "scale-decision": 3])
        let database = try TestDatabase.create(prefix: "hostile")
        defer { try? database.drop() }
        var producerConfig = kafka.config
        producerConfig["message.max.bytes"] = String(4 * 1_048_576)  // librdkafka's producer refuses 1,000,000+ bytes by default
        let producer = try KafkaProducer(config: producerConfig, logger: StoryStack.logger)

        let migrate = try ChildProcess.annals("annals", arguments: ["migrate", "--brokers", kafka.bootstrapServers,
                                                                    "--database-url", database.url],
                                              environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_KB_DIMENSION": "64"])
        #expect(try await migrate.waitForExit(timeout: .seconds(60)) == .exited(0), "\(migrate.log())")

        var landed = try await Self.send(try Self.storyCases() + Self.documentCases() + Self.metricCases() + Self.decisionCases(),
                                         with: producer)
        let workers = try Self.startWorkers(kafka, database)
        defer { for worker in workers { try? worker.process.kill(SIGKILL) } }
        landed += try await Self.send(try Self.liveCases(), with: producer)
        let hostileCount = landed.count(where: \.kase.hostile)
        print("hostile input: \(hostileCount) hostile and \(landed.count - hostileCount) well-formed records published")

        func rows(_ sql: String) async throws -> [PostgresRow] {
            try await onOwnThread { try database.connect().execute(sql).rows }
        }
        func checkAlive() throws {
            for worker in workers {
                if let status = worker.process.status() {
                    throw TestSupportFailure("\(worker.name) \(status) early; log:\n\(worker.process.logTail(60))")
                }
            }
        }
        let config = kafka.config
        func highWatermarks() async throws -> [String: Int64] {
            try await onOwnThread {
                let admin = try KafkaAdmin(config: config, logger: StoryStack.logger)
                var result: [String: Int64] = [:]
                for (topic, partitions) in ["story-event": 2, "document-ingested": 2, "metric-sample": 3, "scale-decision": 3] {
                    result[topic] = try (0..<Int32(partitions))
                        .map { try admin.watermarks(TopicPartition(topic: topic, partition: $0)).high }.reduce(0, +)
                }
                return result
            }
        }
        func checkpoints() async throws -> [String: Int64] {
            var result: [String: Int64] = [:]
            let sql = "SELECT projection || ' ' || topic AS key, sum(next_offset)::bigint AS n FROM annals.checkpoints GROUP BY 1"
            for row in try await rows(sql) {
                result[try row.string("key")] = try row.int64("n")
            }
            return result
        }

        // Done: each projection's checkpoints at its topics' ends, the decision outbox sent, scale-decision read too.
        try await waitUntil(timeout: .seconds(150), pollInterval: .milliseconds(250),
                            description: "every projection at the end of its topics") {
            try checkAlive()
            let ends = try await highWatermarks()
            let stored = try await checkpoints()
            let outbox = try await rows("SELECT to_regclass('metrics_outbox.decisions') IS NOT NULL AS present").first?.bool("present")
            guard outbox == true else { return false }
            let unsent = try await rows("SELECT count(*)::bigint AS n FROM metrics_outbox.decisions WHERE sent_at IS NULL").first?.int("n")
            guard stored["story story-event"] == ends["story-event"], stored["kb story-event"] == ends["story-event"],
                  stored["kb document-ingested"] == ends["document-ingested"], stored["metrics metric-sample"] == ends["metric-sample"],
                  unsent == 0
            else { return false }
            // Read again: the metrics worker may have sent decisions since.
            return stored["scaling scale-decision"] == (try await highWatermarks())["scale-decision"]
        }
        print("hostile input: every projection caught up after \(ContinuousClock.now - started)")

        // (1) Every worker is still running and ready.
        try checkAlive()
        for worker in workers {
            try await waitUntil(timeout: .seconds(30), pollInterval: .milliseconds(200), description: "\(worker.name) /readyz 200") {
                try checkAlive()
                let port = worker.port
                return try await onOwnThread { try LocalHTTP.get(port: port, path: "/readyz")?.status } == 200
            }
        }

        // (2) Each record applied or dead-lettered, as expected; (3) the well-formed ones applied.
        struct Coordinates: Hashable {
            var projection: String
            var topic: String
            var partition: Int
            var offset: Int64
        }
        func coordinates(_ projection: String, _ topic: String, _ sql: String) async throws -> Set<Coordinates> {
            Set(try await rows(sql).map {
                Coordinates(projection: projection, topic: topic, partition: try $0.int("partition"), offset: try $0.int64("offset"))
            })
        }
        var applied = try await coordinates("story", "story-event", #"SELECT partition, "offset" FROM story.events"#)
        applied.formUnion(try await coordinates("kb", "document-ingested", #"SELECT partition, "offset" FROM kb.documents"#))
        applied.formUnion(try await coordinates("kb", "story-event",
                                                #"SELECT partition, "offset" FROM kb.concept_versions WHERE topic = 'story-event'"#))
        applied.formUnion(try await coordinates("metrics", "metric-sample", #"SELECT partition, "offset" FROM metrics.samples"#))
        applied.formUnion(try await coordinates("scaling", "scale-decision", #"SELECT partition, "offset" FROM scaling.decisions"#))
        var letters: [Coordinates: String] = [:]
        for row in try await rows(#"SELECT projection, topic, partition, "offset", error FROM annals.dead_letters"#) {
            let at = Coordinates(projection: try row.string("projection"), topic: try row.string("topic"),
                                 partition: try row.int("partition"), offset: try row.int64("offset"))
            letters[at] = try row.string("error")
        }

        var report: [String] = []
        var expectedLetters: Set<Coordinates> = []
        for item in landed {
            for (projection, expectation) in item.kase.expect.sorted(by: { $0.key < $1.key }) {
                let at = Coordinates(projection: projection, topic: item.kase.record.topic, partition: Int(item.partition),
                                     offset: item.offset)
                let letter = letters[at]
                let wasApplied = letter == nil && (applied.contains(at) || item.kase.traceless.contains(projection))
                if letter != nil { expectedLetters.insert(at) }
                let outcome = letter.map { "dead-lettered: \($0)" } ?? (wasApplied ? "applied" : "LOST (neither applied nor dead-lettered)")
                if item.kase.hostile {
                    report.append("\(item.kase.name) [\(projection) \(at.topic)[\(at.partition)]@\(at.offset)]: \(outcome)")
                }
                #expect(letter != nil || wasApplied, "\(item.kase.name) in \(projection): neither applied nor dead-lettered")
                #expect(!(letter != nil && applied.contains(at)), "\(item.kase.name) in \(projection): both applied and dead-lettered")
                if let letter {
                    #expect(Self.isReadable(letter), "\(item.kase.name) in \(projection): unreadable error \(letter.debugDescription)")
                }
                switch expectation {
                case .applied:
                    #expect(wasApplied, "\(item.kase.name) in \(projection): expected applied, got \(outcome)")
                case .deadLettered(let words):
                    #expect(letter.map { error in words.allSatisfy { error.contains($0) } } == true,
                            "\(item.kase.name) in \(projection): expected \(expectation), got \(outcome)")
                case .either:
                    break
                }
            }
        }
        print("hostile input outcomes:\n  " + report.joined(separator: "\n  "))
        let strays = Set(letters.keys).subtracting(expectedLetters)
        #expect(strays.isEmpty, "dead letters of no published record: \(strays.map { "\($0): \(letters[$0] ?? "")" })")

        // The sequence after Int64.max is kept as a regression; the 3,000 concepts and the RTL concept are in the kb.
        let regression = try await rows("SELECT kind FROM story.sequence_gaps WHERE event_id = 'h-seq-after'")
        #expect(try regression.first?.string("kind") == "regression")
        let concepts = try await rows("SELECT count(*)::bigint AS n FROM kb.concepts WHERE concept_id LIKE 'concept-%'")
        #expect(try concepts.first?.int("n") == 3_000)
        #expect(try await rows("SELECT 1 FROM kb.concepts WHERE concept_id = '\u{202E}llev'").count == 1)

        // (4) The spike after the far-future sample scales gold out within 5 minutes of event time, and the scaling
        // worker records that decision.
        let scaleOuts = try await rows("""
            SELECT decision_id, extract(epoch FROM decided_at)::bigint AS decided, desired_capacity, current_capacity
            FROM metrics.decisions WHERE tier = 'gold' AND kind = 'scale-out' ORDER BY decided_at, decision_id
            """)
        let first = try #require(scaleOuts.first, "no scale-out decision for gold's spike")
        let decided = Int64(try first.int("decided"))
        #expect(decided >= Self.spikeStart && decided <= Self.spikeStart + 300, "decided at \(decided), spike from \(Self.spikeStart)")
        #expect(try first.int("desired_capacity") > first.int("current_capacity"))
        let decisionID = try first.string("decision_id")
        let recorded = try await rows("SELECT superseded FROM scaling.decisions WHERE decision_id = '\(decisionID)'")
        #expect(try recorded.first?.bool("superseded") == false, "the scaling worker recorded \(decisionID): \(recorded.count) rows")
        try await waitUntil(timeout: .seconds(30), pollInterval: .milliseconds(200), description: "gold's capacity actuated (dry run)") {
            try checkAlive()
            let capacity = try await rows("SELECT decision_id FROM scaling.capacity WHERE tier = 'gold'").first?.string("decision_id")
            let actuated = try await rows("SELECT decision_id FROM scaling_actuation.applied WHERE tier = 'gold'")
                .first?.string("decision_id")
            return capacity != nil && capacity == actuated
        }

        // Still up after all of it, and each stops cleanly.
        try checkAlive()
        for worker in workers {
            try worker.process.kill(SIGTERM)
            #expect(try await worker.process.waitForExit(timeout: .seconds(30)) == .exited(0),
                    "\(worker.name): \(worker.process.logTail())")
        }
        print("hostile input: wall time \(ContinuousClock.now - started)")
    }
}
