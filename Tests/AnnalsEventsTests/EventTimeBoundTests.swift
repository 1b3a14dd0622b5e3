import AnnalsEvents
import Testing

@Suite struct EventTimeBoundTests {
    /// 2026-12-06T10:00:00Z.
    static let recordSeconds: Int64 = 1_796_551_200
    static let recordMilliseconds = recordSeconds * 1_000

    static func sample(sampledAt seconds: Int64, nanos: Int32 = 0) -> AnnalsEvent {
        var sample = MetricSample()
        sample.meta.eventID = "s"
        sample.meta.occurredAt = EventTimestamp(seconds: recordSeconds)
        sample.tier = .gold
        sample.instanceID = "gold-00"
        sample.sampledAt = EventTimestamp(seconds: seconds, nanos: nanos)
        return .metricSample(sample)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sampledAt: Int64
        var nanos: Int32 = 0
        var record: Int64? = EventTimeBoundTests.recordMilliseconds
        var horizon: Int64 = 3_600
        /// The problem expected (or part of it), or nil when the sample is plausible.
        var problem: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an hour ahead is within the horizon", sampledAt: recordSeconds + 3_600, problem: nil),
        Case(name: "a second past the horizon", sampledAt: recordSeconds + 3_601,
             problem: "sampled_at 2026-12-06T11:00:01Z is 3601 s ahead of the record's timestamp 2026-12-06T10:00:00Z "
                + "(more than the 3600 s horizon, --event-time-horizon-seconds); a producer clock or unit wrong?"),
        Case(name: "a nanosecond past the horizon is within (microsecond resolution)", sampledAt: recordSeconds + 3_600,
             nanos: 999, problem: nil),
        Case(name: "a microsecond past the horizon", sampledAt: recordSeconds + 3_600, nanos: 1_000,
             problem: "sampled_at 2026-12-06T11:00:00Z is 3600 s ahead of the record's timestamp 2026-12-06T10:00:00Z "
                + "(more than the 3600 s horizon, --event-time-horizon-seconds); a producer clock or unit wrong?"),
        Case(name: "years ahead", sampledAt: 2_719_094_400,
             problem: "sampled_at 2056-03-01T00:00:00Z is 29 years ahead of the record's timestamp 2026-12-06T10:00:00Z "
                + "(more than the 3600 s horizon, --event-time-horizon-seconds); a producer clock or unit wrong?"),
        Case(name: "days ahead", sampledAt: recordSeconds + 3 * 86_400 + 5, problem: "sampled_at 2026-12-09T10:00:05Z is 3 days ahead"),
        Case(name: "hours ahead", sampledAt: recordSeconds + 5 * 3_600, problem: "sampled_at 2026-12-06T15:00:00Z is 5 hours ahead"),
        Case(name: "long past is plausible", sampledAt: 0, problem: nil),
        Case(name: "year 1 is plausible", sampledAt: -62_135_596_800, problem: nil),
        Case(name: "no record timestamp: no bound", sampledAt: 253_402_300_799, record: nil, problem: nil),
        Case(name: "horizon 0 allows the record's own time", sampledAt: recordSeconds, horizon: 0, problem: nil),
        Case(name: "a negative horizon counts as 0", sampledAt: recordSeconds + 1, horizon: -5,
             problem: "sampled_at 2026-12-06T10:00:01Z is 1 s ahead of the record's timestamp 2026-12-06T10:00:00Z (more than the 0 s horizon"),
        Case(name: "the largest horizon bounds nothing", sampledAt: 253_402_300_799, horizon: .max, problem: nil),
        Case(name: "the largest record timestamp bounds nothing", sampledAt: 253_402_300_799, record: .max, problem: nil),
        Case(name: "the smallest record timestamp bounds nothing", sampledAt: 253_402_300_799, record: .min, problem: nil),
        Case(name: "a record timestamp far before year 1", sampledAt: 253_402_300_799, record: -9_000_000_000_000_000,
             problem: "sampled_at 9999-12-31T23:59:59Z is far ahead of the record's timestamp -9000000000000000 ms"),
        Case(name: "milliseconds sent as seconds", sampledAt: recordMilliseconds,
             problem: "sampled_at is not a valid timestamp: 1796551200000 s since the epoch is outside years 1 to 9999 "
                + "(2026-12-06T10:00:00Z if milliseconds: milliseconds sent as seconds?)"),
        Case(name: "microseconds sent as seconds", sampledAt: recordMilliseconds * 1_000,
             problem: "(2026-12-06T10:00:00Z if microseconds: microseconds sent as seconds?)"),
        Case(name: "the largest seconds", sampledAt: .max,
             problem: "sampled_at is not a valid timestamp: 9223372036854775807 s since the epoch is outside years 1 to 9999"),
        Case(name: "the smallest seconds", sampledAt: .min, record: .min, horizon: .max,
             problem: "sampled_at is not a valid timestamp: -9223372036854775808 s since the epoch is outside years 1 to 9999"),
        Case(name: "just past year 9999", sampledAt: 253_402_300_800, record: nil, problem: "sampled_at is not a valid timestamp"),
        Case(name: "just before year 1", sampledAt: -62_135_596_801, problem: "sampled_at is not a valid timestamp"),
        Case(name: "negative nanos", sampledAt: recordSeconds, nanos: -1,
             problem: "sampled_at is not a valid timestamp: nanos -1 outside 0 to 999,999,999"),
        Case(name: "a whole second of nanos", sampledAt: recordSeconds, nanos: 1_000_000_000,
             problem: "sampled_at is not a valid timestamp: nanos 1000000000 outside 0 to 999,999,999"),
        Case(name: "the smallest nanos", sampledAt: recordSeconds, nanos: .min, problem: "sampled_at is not a valid timestamp: nanos"),
    ]

    @Test(arguments: cases)
    func sampledAtIsBoundedByTheRecordTimestamp(_ c: Case) {
        let problems = EventTimeBound.problems(
            in: Self.sample(sampledAt: c.sampledAt, nanos: c.nanos), recordTimestampMilliseconds: c.record, horizonSeconds: c.horizon)
            .filter { $0.field == "sampled_at" }
        if let expected = c.problem {
            #expect(problems.count == 1)
            #expect(problems.first?.description.contains(expected) == true, "\(problems)")
        } else {
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    static let farFuture = EventTimestamp(seconds: 2_719_094_400)
    static let now = EventTimestamp(seconds: recordSeconds)

    /// Every event time a projection folds, each set far ahead on its own.
    static let fieldCases: [(String, AnnalsEvent)] = {
        var story = StoryEvent()
        story.meta.occurredAt = farFuture
        var document = DocumentIngested()
        document.meta.occurredAt = farFuture
        var sampleMeta = MetricSample()
        sampleMeta.meta.occurredAt = farFuture
        sampleMeta.sampledAt = now
        var decided = ScaleDecision()
        decided.meta.occurredAt = now
        decided.decidedAt = farFuture
        decided.inputs.windowEnd = now
        var window = ScaleDecision()
        window.meta.occurredAt = now
        window.decidedAt = now
        window.inputs.windowEnd = farFuture
        return [
            ("meta.occurred_at", .storyEvent(story)), ("meta.occurred_at", .documentIngested(document)),
            ("meta.occurred_at", .metricSample(sampleMeta)), ("decided_at", .scaleDecision(decided)),
            ("inputs.window_end", .scaleDecision(window)),
        ]
    }()

    @Test(arguments: fieldCases)
    func everyFoldedEventTimeIsBounded(field: String, event: AnnalsEvent) {
        let problems = EventTimeBound.problems(in: event, recordTimestampMilliseconds: Self.recordMilliseconds, horizonSeconds: 3_600)
        #expect(problems.map(\.field) == [field])
        #expect(problems.first?.problem.hasPrefix("2056-03-01T00:00:00Z is 29 years ahead") == true)
    }

    @Test(arguments: [Int64.min, -62_135_596_801, 253_402_300_800, Int64.max])
    func decisionTimesMustBeValidTimestamps(seconds: Int64) {
        var decision = ScaleDecision()
        decision.meta.occurredAt = Self.now
        decision.decidedAt = EventTimestamp(seconds: seconds)
        decision.inputs.windowEnd = EventTimestamp(seconds: seconds)
        let problems = EventTimeBound.problems(in: .scaleDecision(decision), recordTimestampMilliseconds: nil, horizonSeconds: 3_600)
        #expect(problems.map(\.field) == ["decided_at", "inputs.window_end"])
        #expect(problems.allSatisfy { $0.problem.hasPrefix("is not a valid timestamp") })
    }

    @Test func absentTimesAreNotChecked() {
        #expect(EventTimeBound.problems(in: .scaleDecision(ScaleDecision()), recordTimestampMilliseconds: 0, horizonSeconds: 0).isEmpty)
        #expect(EventTimeBound.problems(in: .metricSample(MetricSample()), recordTimestampMilliseconds: 0, horizonSeconds: 0).isEmpty)
    }
}
