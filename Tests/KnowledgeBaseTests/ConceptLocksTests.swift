import AnnalsEvents
@testable import KnowledgeBase
import Projection
import Testing

/// The advisory lock keys serialising batches that touch the same concept or relationship; pure.
@Suite struct ConceptLocksTests {
    static let edge = RelationshipChange.Key(worldID: "ashfall", fromConceptID: "vell", toConceptID: "lamplighters", kind: "member-of")

    @Test func aKeyIsAFixedHashTheSameInEveryProcess() {
        // Pinned: a seeded hash (Swift's Hasher) would differ between the two workers' processes and lock nothing.
        let vell = ConceptLocks.Scope.concept(worldID: "ashfall", conceptID: "vell")
        #expect(ConceptLocks.hash(vell, schema: "\"kb\"") == 17_275_757_923_591_577_951)
        #expect(ConceptLocks.hash(.relationship(Self.edge), schema: "\"kb\"") == 14_280_516_860_797_750_858)
        #expect(ConceptLocks.key(vell, schema: "\"kb\"") == Int32(ConceptLocks.hash(vell, schema: "\"kb\"") % 512))
    }

    @Test(arguments: [
        (ConceptLocks.Scope.concept(worldID: "ashfall", conceptID: "vell"), ConceptLocks.Scope.concept(worldID: "", conceptID: "vell")),
        (.concept(worldID: "ashfall", conceptID: "vell"), .concept(worldID: "ashfall", conceptID: "brann")),
        (.concept(worldID: "ab", conceptID: "c"), .concept(worldID: "a", conceptID: "bc")),
        (.concept(worldID: "a\u{0}b", conceptID: ""), .concept(worldID: "a", conceptID: "b")),
        (.concept(worldID: "ashfall", conceptID: "vell"),
         .relationship(.init(worldID: "ashfall", fromConceptID: "vell", toConceptID: "", kind: ""))),
        (.relationship(edge), .relationship(.init(worldID: "ashfall", fromConceptID: "lamplighters", toConceptID: "vell", kind: "member-of"))),
        (.relationship(edge), .relationship(.init(worldID: "", fromConceptID: "vell", toConceptID: "lamplighters", kind: "member-of"))),
    ])
    func differentScopesHaveDifferentHashes(_ a: ConceptLocks.Scope, _ b: ConceptLocks.Scope) {
        #expect(ConceptLocks.hash(a, schema: "\"kb\"") != ConceptLocks.hash(b, schema: "\"kb\""))
    }

    @Test func aShadowSchemasHashesAreNotTheLiveOnes() {
        let scope = ConceptLocks.Scope.concept(worldID: "ashfall", conceptID: "vell")
        #expect(ConceptLocks.hash(scope, schema: "\"kb\"") != ConceptLocks.hash(scope, schema: "\"kb_shadow\""))
    }

    @Test func aBatchTouchingThousandsOfConceptsHoldsAtMostOneLockPerBucket() {
        let scopes = (0..<5_000).map { ConceptLocks.Scope.concept(worldID: "world-\($0 % 40)", conceptID: "concept-\($0)") }
        let keys = ConceptLocks.keys(scopes, schema: "\"kb\"")
        #expect(keys.count <= Int(ConceptLocks.buckets))
        #expect(keys.count > Int(ConceptLocks.buckets) * 9 / 10, "the hash spreads keys over the buckets")
        #expect(keys.allSatisfy { (0..<Int32(ConceptLocks.buckets)).contains($0) })
    }

    @Test func keysAreDistinctAndAscendingSoEveryBatchLocksInOneOrder() {
        let scopes: [ConceptLocks.Scope] = [
            .concept(worldID: "ashfall", conceptID: "vell"), .relationship(Self.edge), .concept(worldID: "ashfall", conceptID: "vell"),
            .concept(worldID: "", conceptID: "kaela"), .concept(worldID: "verdance", conceptID: "brann"),
        ]
        let keys = ConceptLocks.keys(scopes, schema: "\"kb\"")
        #expect(keys.count == 4)
        #expect(keys == keys.sorted())
        #expect(keys == ConceptLocks.keys(scopes.reversed(), schema: "\"kb\""), "the order changes are met in does not matter")
    }

    @Test func aBatchLocksEveryConceptAndRelationshipItRecomputes() {
        let cause = ChangeCause(eventID: "ashfall-1", occurredAtMicroseconds: 0, source: .story(sequence: 1),
                                coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: 0))
        let changes = NarrativeChanges(
            concepts: [ConceptChange(worldID: "ashfall", conceptID: "vell", name: "", kind: "", description: "",
                                     attributes: ["status": "wounded"], cause: cause)],
            relationships: [RelationshipChange(key: Self.edge, weight: 1, present: false, cause: cause)])
        #expect(ConceptLocks.scopes(of: changes) == [.concept(worldID: "ashfall", conceptID: "vell"), .relationship(Self.edge)])
        #expect(ConceptLocks.scopes(of: NarrativeChanges()).isEmpty)
    }
}
