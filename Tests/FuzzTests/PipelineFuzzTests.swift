import AnnalsEvents
@testable import AnnalsCLI
@testable import AnnalsMetrics
import Foundation
import Kafka
import KnowledgeBase
@testable import MetricsProjection
import Projection
import Scaling
import Story
import SwiftProtobuf
import Testing

/// Hostile events through decode → validate → fold for every projection's pure core (issue 13). A trap kills the
/// test process: that is the failure. State is carried from case to case, so sequences of hostile events interact
/// (a world whose last sequence is Int64.max, minutes closed by samples at the ends of time, decisions at UInt32.max).
///
/// Deterministic: `ANNALS_FUZZ_SEED` replays another seed, `ANNALS_FUZZ_SCALE` multiplies the case counts. The default
/// (300,000 cases) takes about two minutes in a debug build on two busy cores.
@Suite(.serialized) struct PipelineFuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["ANNALS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x00A1_1A15_0013
    static let scale = environment["ANNALS_FUZZ_SCALE"].flatMap { Double($0) } ?? 1

    static func cases(_ count: Int) -> Int { max(1, Int(Double(count) * scale)) }

    /// Every topic's decoder, as the workers build it.
    static let decoder = BatchDecoder(topics: AnnalsTopic.allCases)

    /// One Kafka message for `event`, sometimes damaged, mislabelled, empty or with an odd timestamp.
    static func message(_ event: some SwiftProtobuf.Message, topic: AnnalsTopic, offset: Int,
                        values: inout HostileValues) -> KafkaMessage {
        var bytes: [UInt8] = (try? event.serializedBytes()) ?? []
        if values.random.oneIn(4) { bytes = values.mangle(bytes) }
        var headers: [KafkaHeader] = []
        if values.random.oneIn(3) {
            let name = values.random.oneIn(10) ? values.string() : topic.messageTypeName
            headers.append(KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(name.utf8)))
        }
        let timestamp: Int64? = switch values.random.below(6) {
        case 0: nil
        case 1: values.random.pick([Int64.min, Int64.max, -1, 0, Int64.min + 1, Int64.max - 1])
        case 2: Int64(bitPattern: values.random.next())
        default: 1_700_000_000_000 + Int64(values.random.below(7_200_000))
        }
        return KafkaMessage(
            topic: values.random.oneIn(50) ? values.random.pick(["nope"] + AnnalsTopic.allCases.map(\.rawValue)) : topic.rawValue,
            partition: values.random.oneIn(20) ? Int32.max : 0, offset: values.random.oneIn(20) ? Int64.max : Int64(offset),
            key: values.random.oneIn(5) ? nil : Array(values.string().utf8),
            value: values.random.oneIn(100) ? (values.random.oneIn(2) ? nil : []) : bytes,
            headers: headers, timestampMilliseconds: timestamp)
    }

    /// Decodes like a worker, and also shows the bytes the way `annals dlq show` does when they fail.
    static func decode(_ message: KafkaMessage) -> ProjectedEvent? {
        switch decoder.decodeOne(message) {
        case .event(let event):
            return event
        case .deadLetter(let letter):
            #expect(!letter.error.isEmpty)
            if let value = letter.value {
                _ = DeadLetterLayout.eventJSON(topic: message.topic, value: value)
                _ = DeadLetterLayout.hexDump(Array(value.prefix(64)))
            }
            return nil
        }
    }

    // MARK: - story-event → story.* and kb concepts

    @Test func storyEventsNeverTrapDecodingValidationOrFolds() async {
        var values = HostileValues(random: FuzzRandom(seed: Self.seed))
        let story = StoryProjection()
        // Worlds already at the limits, as a table could hold them.
        var worlds: [String: WorldSummary] = [:]
        func reseed() {
            for world in HostileValues.worlds {
                worlds[world] = WorldSummary(
                    worldID: world, eventCount: values.random.pick([0, 1, .max, .max - 1]),
                    firstEventAt: values.random.pick([.min, 0, .max]), lastEventAt: values.random.pick([.min, 0, .max]),
                    lastSequence: values.random.pick([0, 1, .max, .max - 1, Int64(UInt32.max)]),
                    gapCount: values.random.pick([0, .max]))
            }
        }
        reseed()
        var applied: Set<String> = []
        var batch: [(event: StoryEvent, coordinates: EventCoordinates)] = []
        var concepts: [String: ConceptState] = [:]
        var valid = 0
        let count = Self.cases(100_000)
        for index in 0..<count {
            // Minutes of CPU: give the cooperative pool back now and then, or the suites beside this one starve.
            if index % 256 == 0 { await Task.yield() }
            if index % 5_000 == 0 { reseed() }
            let event = values.storyEvent(sequenceHint: UInt64(index / 3 + 1))
            guard let projected = Self.decode(Self.message(event, topic: .storyEvent, offset: index, values: &values)),
                  case .storyEvent(let decoded) = projected.event else { continue }
            valid += 1
            _ = story.prepare(projected)
            let changes = NarrativeChanges.updates(in: decoded, at: projected.coordinates)
            for change in changes.concepts {
                concepts["\(change.worldID)/\(change.conceptID)", default: ConceptState()].apply(change)
            }
            batch.append((decoded, projected.coordinates))
            if batch.count > values.random.below(16) {
                let folded = StoryFold.fold(batch, worlds: worlds, applied: applied)
                #expect(folded.newEvents.count <= batch.count)
                for world in folded.worlds { worlds[world.worldID] = world }
                applied.formUnion(folded.newEvents.map(\.event.meta.eventID))
                if applied.count > 20_000 { applied = [] }
                batch = []
            }
        }
        #expect(valid > count / 5, "most cases should reach the folds, not stop at validation")
        print("fuzz story-event: \(count) cases, \(valid) valid, seed \(Self.seed)")
    }

    // MARK: - document-ingested → kb.*

    @Test func documentsNeverTrapDecodingValidationPlansOrConceptFolds() async throws {
        var values = HostileValues(random: FuzzRandom(seed: Self.seed ^ 0xD0C))
        let embedders = [try HashingEmbedder(dimension: 8), try HashingEmbedder(dimension: 384)]
        var declared: [String: Set<RelationshipChange.Key>] = [:]
        var stored: [String: Int64] = [:]
        var plans: [DocumentPlan] = []
        var concepts: [String: ConceptState] = [:]
        var edges: [RelationshipChange.Key: RelationshipChange] = [:]
        var valid = 0
        let count = Self.cases(10_000)
        for index in 0..<count {
            // Minutes of CPU: give the cooperative pool back now and then, or the suites beside this one starve.
            if index % 256 == 0 { await Task.yield() }
            let document = values.document()
            guard let projected = Self.decode(Self.message(document, topic: .documentIngested, offset: index, values: &values)),
                  case .documentIngested(let decoded) = projected.event else { continue }
            valid += 1
            let chunking = values.random.oneIn(20)
                ? ChunkingSettings(targetCharacters: values.random.pick([Int.min, -1, 0, 1, 2, Int.max]),
                                   overlapCharacters: values.random.pick([Int.min, -1, 0, 1, Int.max]),
                                   maxCharacters: values.random.pick([Int.min, 0, 1, 3, Int.max]))
                : ChunkingSettings(targetCharacters: 200, overlapCharacters: 40, maxCharacters: 300)
            let plan = DocumentPlan.make(decoded, chunking: chunking, embedder: values.random.pick(embedders))
            #expect(plan.isEmbedded)
            plans.append(plan)
            let previous = declared[decoded.documentID] ?? []
            let changes = NarrativeChanges.declared(by: decoded, at: projected.coordinates, replacing: previous)
            declared[decoded.documentID] = Set(changes.relationships.filter(\.present).map(\.key))
            for change in changes.concepts {
                let key = "\(change.worldID)/\(change.conceptID)"
                concepts[key] = ConceptState.folding([change], onto: concepts[key] ?? ConceptState())
            }
            for change in changes.relationships where edges.count < 2_000 || edges[change.key] != nil {
                edges[change.key] = change
            }
            if plans.count >= 8 {
                for newer in DocumentVersions.replacements(plans, documentID: \.documentID, version: \.version, stored: stored) {
                    stored[newer.documentID] = newer.version
                }
                plans = []
                let graph = edges.values.filter(\.present).map {
                    ConceptEdge(fromConceptID: $0.key.fromConceptID, toConceptID: $0.key.toConceptID, kind: $0.key.kind,
                                weight: $0.weight, worldID: $0.key.worldID.isEmpty ? nil : $0.key.worldID)
                }
                let start = values.identifier(HostileValues.concepts)
                _ = ConceptGraph.walk(from: start, depth: values.random.pick([Int.min, 0, 1, 5, Int.max])) { frontier in
                    let wanted = Set(frontier)
                    return graph.filter { wanted.contains($0.fromConceptID) || wanted.contains($0.toConceptID) }
                }
            }
        }
        #expect(valid > count / 5, "most cases should reach the folds, not stop at validation")
        print("fuzz document-ingested: \(count) cases, \(valid) valid, seed \(Self.seed)")
    }

    // MARK: - metric-sample → metrics.* and the policy

    /// Valid settings at their extremes: they must not make any event value trap either.
    static let extremeSettings = ScalePolicySettings(
        gold: .init(minInstances: 1, maxInstances: ScalePolicySettings.instanceCeiling, queueDepthPerInstance: .leastNonzeroMagnitude,
                    gpuUtilizationTarget: .leastNonzeroMagnitude, latencyP95ThresholdSeconds: .leastNonzeroMagnitude),
        silver: .init(minInstances: ScalePolicySettings.instanceCeiling, maxInstances: ScalePolicySettings.instanceCeiling,
                      queueDepthPerInstance: .greatestFiniteMagnitude,
                      gpuUtilizationTarget: 1, latencyP95ThresholdSeconds: .greatestFiniteMagnitude),
        bronze: .init(minInstances: 1, maxInstances: 1),
        tolerance: 0, scaleOutLimit: .init(fraction: .greatestFiniteMagnitude, instances: .max),
        latencyStep: .init(fraction: .greatestFiniteMagnitude, instances: .max), scaleInWindowMinutes: 1,
        missingDataMinutes: .max, spotShare: 1, minOnDemand: 0, spotNoticeMemoryMinutes: .max, allowedLatenessSeconds: .max)

    @Test func metricSamplesNeverTrapDecodingRollupsPolicyOrBacktest() async throws {
        #expect(Self.extremeSettings.problems.isEmpty)
        var values = HostileValues(random: FuzzRandom(seed: Self.seed ^ 0x5A3))
        let settingsChoices = [ScalePolicySettings(), Self.extremeSettings]
        var autoscalers = settingsChoices.map { Autoscaler(settings: $0) }
        var passStates: [[Tier: TierAutoscaler.State]] = [[:], [:]]
        var rollups = MinuteRollups()
        var recent: [MetricSample] = []
        var pending: [SampleAt] = []
        var valid = 0
        let count = Self.cases(115_000)
        for index in 0..<count {
            // Minutes of CPU: give the cooperative pool back now and then, or the suites beside this one starve.
            if index % 256 == 0 { await Task.yield() }
            let sample = values.sample()
            guard let projected = Self.decode(Self.message(sample, topic: .metricSample, offset: index, values: &values)),
                  case .metricSample(let decoded) = projected.event else { continue }
            valid += 1
            rollups.add(decoded)
            if rollups.count > 5_000 { rollups = MinuteRollups() }
            for which in autoscalers.indices {
                let observation = autoscalers[which].observe(decoded)
                for decision in observation.decisions {
                    let event = AnnalsEvent.scaleDecision(decision.event())
                    _ = EventValidator.problems(in: event)
                }
            }
            pending.append((decoded, projected.coordinates))
            if pending.count > values.random.below(32) {
                for which in settingsChoices.indices {
                    let pass = try PolicyPass(settings: settingsChoices[which]).run(pending, states: passStates[which])
                    passStates[which].merge(pass.states) { $1 }
                }
                pending = []
            }
            if values.random.oneIn(2_000) {
                // A restart: the stored state, encoded and decoded, resumes the policy.
                for which in autoscalers.indices {
                    let data = try JSONEncoder().encode(autoscalers[which].state)
                    let state = try JSONDecoder().decode(Autoscaler.State.self, from: data)
                    autoscalers[which] = Autoscaler(settings: settingsChoices[which], restoring: state)
                    _ = autoscalers[which].finish()
                }
            }
            recent.append(decoded)
            if recent.count >= 1_500 {
                Self.backtest(recent, values: &values)
                recent = []
            }
        }
        for which in autoscalers.indices { _ = autoscalers[which].finish() }
        #expect(valid > count / 5, "most cases should reach the folds, not stop at validation")
        print("fuzz metric-sample: \(count) cases, \(valid) valid, seed \(Self.seed)")
    }

    /// The backtest and what `annals backtest` prints, over samples squeezed into a few hours (the backtest walks
    /// every minute between the first and the last) at a hostile point in time.
    static func backtest(_ samples: [MetricSample], values: inout HostileValues) {
        let bases: [Int64] = [-62_135_596_800, 0, 1_700_000_000, 253_402_300_799 - 4 * 3_600]
        let base = values.random.pick(bases)
        let squeezed = samples.map { sample in
            var sample = sample
            sample.sampledAt.seconds = base + (sample.sampledAt.seconds & 0x3FFF)
            return sample
        }
        var lines = RecordedSamples()
        lines.read(lines: squeezed.compactMap { try? $0.jsonString() }.joined(separator: "\n"), name: "fuzz")
        for policy in [ScalePolicySettings(), extremeSettings] {
            let settings = BacktestSettings(
                policy: policy, provisioningDelayMinutes: values.random.pick([0, 1, 3]),
                initialCapacity: [.gold: values.random.pick([Int.min, 0, 1, Int.max])])
            let report = Backtest.run(squeezed, settings: settings)
            guard let output = try? BacktestOutput(report, samples: squeezed.count, source: "fuzz", policySource: "fuzz") else {
                Issue.record("the built-in prices price every tier")
                continue
            }
            _ = output.text
            _ = try? output.json()
            _ = BacktestChart.svg(report)
        }
    }

    // MARK: - scale-decision → scaling.* and actuation

    @Test func scaleDecisionsNeverTrapDecodingFoldsOrActuationPlans() async {
        var values = HostileValues(random: FuzzRandom(seed: Self.seed ^ 0xDEC))
        var capacity: [String: TierCapacity] = [:]
        var known: Set<String> = []
        var applied: [AppliedDecision] = []
        let schedule = RetrySchedule()
        let target = ActuationTarget(actuator: "dry-run", resource: "fuzz")
        var batch: [(decision: ScaleDecision, coordinates: EventCoordinates)] = []
        var valid = 0
        let count = Self.cases(75_000)
        for index in 0..<count {
            // Minutes of CPU: give the cooperative pool back now and then, or the suites beside this one starve.
            if index % 256 == 0 { await Task.yield() }
            let decision = values.decision()
            guard let projected = Self.decode(Self.message(decision, topic: .scaleDecision, offset: index, values: &values)),
                  case .scaleDecision(let decoded) = projected.event else { continue }
            valid += 1
            batch.append((decoded, projected.coordinates))
            guard batch.count > values.random.below(16) else { continue }
            let changes = ScalingFold.fold(batch, capacity: capacity, known: known)
            batch = []
            for row in changes.capacity { capacity[row.tier] = row }
            known.formUnion(changes.newDecisions.map(\.decision.decisionID))
            if known.count > 20_000 { known = [] }
            // The actuation loop's pure half: what is still to carry out, newest decision per tier.
            let pending = ActuationPlan.pending(capacity: Array(capacity.values), applied: applied) { _ in target }
            for request in pending where values.random.oneIn(2) {
                applied.append(AppliedDecision(tier: request.tier, target: target, stamp: request.stamp, desired: request.desired))
            }
            _ = schedule.delay(afterFailures: values.random.pick([Int.min, 0, 1, 64, Int.max]), kind: .transient)
            if applied.count > 100 { applied.removeFirst(50) }
        }
        #expect(valid > count / 5, "most cases should reach the folds, not stop at validation")
        print("fuzz scale-decision: \(count) cases, \(valid) valid, seed \(Self.seed)")
    }
}
