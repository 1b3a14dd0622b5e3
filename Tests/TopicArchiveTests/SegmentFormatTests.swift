import Kafka
import LoadGeneration
import Testing
@testable import TopicArchive

/// Segments, their compression and the archive's key layout: pure.
@Suite struct SegmentFormatTests {
    static let records = [
        ArchivedRecord(offset: 7, timestampMilliseconds: 1_764_000_000_123, key: Array("world-1".utf8), value: Array("payload".utf8),
                       headers: [KafkaHeader(key: "annals-type", value: Array("annals.v1.StoryEvent".utf8)), KafkaHeader(key: "empty", value: nil)]),
        ArchivedRecord(offset: 8, timestampMilliseconds: nil, key: nil, value: nil, headers: []),
        ArchivedRecord(offset: 10, timestampMilliseconds: -5, key: [], value: [0, 255, 0], headers: [KafkaHeader(key: "ünïcødé ✓", value: [])]),
    ]

    @Test func aSegmentDecodesToWhatWasEncodedThroughGzip() throws {
        let raw = SegmentCodec.encode(topic: "story-event", partition: 3, records: Self.records)
        let compressed = try Gzip.compress(raw)
        #expect(Array(compressed.prefix(2)) == [0x1F, 0x8B], "a gzip member, as gunzip reads it")
        let decoded = try SegmentCodec.decode(try Gzip.decompress(compressed, limit: 1 << 20))
        #expect(decoded == SegmentCodec.Decoded(topic: "story-event", partition: 3, records: Self.records))
        #expect(try SegmentCodec.decode(SegmentCodec.encode(topic: "t", partition: 0, records: [])).records.isEmpty)
    }

    @Test func compressionShrinksRepetitiveRecords() throws {
        let records = (0..<2_000).map { ArchivedRecord(offset: Int64($0), timestampMilliseconds: 1_764_000_000_000 + Int64($0),
                                                       key: Array("world-\($0 % 7)".utf8), value: Array(repeating: UInt8(65), count: 200), headers: []) }
        let raw = SegmentCodec.encode(topic: "story-event", partition: 0, records: records)
        let compressed = try Gzip.compress(raw)
        #expect(compressed.count * 10 < raw.count, "\(compressed.count) of \(raw.count)")
        #expect(try Gzip.decompress(compressed, limit: raw.count) == raw)
        #expect(throws: ArchiveFormatError.self, "a limit below the size refuses it") { try Gzip.decompress(compressed, limit: raw.count - 1) }
    }

    /// Truncations, flipped bytes and garbage: every one is refused with a reason, none traps.
    @Test func damagedBytesAreRefusedNeverTrapped() throws {
        let raw = SegmentCodec.encode(topic: "story-event", partition: 3, records: Self.records)
        for length in 0..<raw.count {
            #expect(throws: ArchiveFormatError.self, "cut at \(length)") { try SegmentCodec.decode(Array(raw.prefix(length))) }
        }
        #expect(throws: ArchiveFormatError.self) { try SegmentCodec.decode(raw + [0]) }
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            var damaged = raw
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? SegmentCodec.decode(damaged)  // decoded or refused; reaching here means no trap
        }
        let compressed = try Gzip.compress(raw)
        #expect(throws: ArchiveFormatError.self) { try Gzip.decompress(Array(compressed.dropLast(5)), limit: 1 << 20) }
        #expect(throws: ArchiveFormatError.self) { try Gzip.decompress(compressed + [1, 2, 3], limit: 1 << 20) }
        #expect(throws: ArchiveFormatError.self) { try Gzip.decompress(Array("not gzip".utf8), limit: 1 << 20) }
        for _ in 0..<500 {
            var damaged = compressed
            damaged[Int(generator.next() % UInt64(damaged.count))] ^= UInt8(1 + generator.next() % 255)
            _ = try? SegmentCodec.decode(try Gzip.decompress(damaged, limit: 1 << 20))
        }
    }

    @Test func keysAreZeroPaddedSoThatKeyOrderIsOffsetOrder() {
        let layout = ArchiveLayout(prefix: "/dr/annals/")
        #expect(layout.prefix == "dr/annals")
        let key = layout.segmentKey(topic: "story-event", partition: 2, start: 0, end: 50_000)
        #expect(key == "dr/annals/story-event/2/00000000000000000000-00000000000000050000.segment.gz")
        #expect(layout.parse(key)! == ("story-event", 2, 0, 50_000, false))
        let manifest = layout.manifestKey(topic: "story-event", partition: 2, start: 50_000, end: 50_001)
        #expect(layout.parse(manifest)! == ("story-event", 2, 50_000, 50_001, true))
        #expect(layout.segmentKey(topic: "t", partition: 0, start: 9, end: 10) < layout.segmentKey(topic: "t", partition: 0, start: 10, end: 11))
        for other in ["dr/annals/story-event/2/notes.txt", "dr/annals/story-event/x/00000000000000000000-00000000000000050000.segment.gz",
                      "elsewhere/story-event/2/00000000000000000000-00000000000000050000.segment.gz",
                      "dr/annals/story-event/2/00000000000000000005-00000000000000000005.segment.gz"] {
            #expect(layout.parse(other) == nil, "\(other)")
        }
        #expect(ArchiveLayout(prefix: "").segmentKey(topic: "t", partition: 1, start: 0, end: 1) == "t/1/00000000000000000000-00000000000000000001.segment.gz")
    }

    @Test func aListingGivesEachPartitionsCompleteSegmentsAndTheOneAStoppedRunLeft() {
        let layout = ArchiveLayout(prefix: "a")
        let keys = [
            layout.segmentKey(topic: "t", partition: 0, start: 0, end: 100), layout.manifestKey(topic: "t", partition: 0, start: 0, end: 100),
            layout.segmentKey(topic: "t", partition: 0, start: 100, end: 150),
            layout.manifestKey(topic: "t", partition: 1, start: 0, end: 10),
        ]
        let archives = PartitionArchive.partitions(in: keys, layout: layout)
        let zero = archives[TopicPartition(topic: "t", partition: 0)]!
        #expect(zero.end == 100 && zero.resumable == .init(start: 100, end: 150))
        let one = archives[TopicPartition(topic: "t", partition: 1)]!
        #expect(one.end == nil && one.missingSegments == [.init(start: 0, end: 10)] && one.resumable == nil)
    }

    @Test(arguments: [
        // archive end, log start, log end → plan
        (nil, 0, 0, ArchivePlan.upToDate(end: 0)),
        (nil, 0, 500, .archive(from: 0, to: 500, lost: nil)),
        (500, 0, 500, .upToDate(end: 500)),
        (500, 0, 800, .archive(from: 500, to: 800, lost: nil)),
        (500, 600, 800, .archive(from: 600, to: 800, lost: 500..<600)),
        (nil, 50, 80, .archive(from: 50, to: 80, lost: 0..<50)),
        (500, 700, 700, .archive(from: 700, to: 700, lost: 500..<700)),
        (900, 0, 800, .aheadOfLog(archiveEnd: 900, logEnd: 800)),
    ] as [(Int64?, Int64, Int64, ArchivePlan)])
    func thePlanOfAPartition(archiveEnd: Int64?, logStart: Int64, logEnd: Int64, expected: ArchivePlan) {
        #expect(ArchivePlan.plan(archiveEnd: archiveEnd, logStart: logStart, logEnd: logEnd) == expected)
    }
}
