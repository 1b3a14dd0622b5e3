import KnowledgeBase
import Projection
import Testing

/// The pure rules: folding changes in event time, and walking relationships.
struct ConceptStateTests {
    static func change(_ id: String, at time: Int64, name: String = "", description: String = "",
                       attributes: [String: String] = [:]) -> ConceptChange {
        ConceptChange(worldID: "w", conceptID: "c", name: name, kind: "", description: description, attributes: attributes,
                      cause: ChangeCause(eventID: id, occurredAtMicroseconds: time, source: .story(sequence: time),
                                         coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: time)))
    }

    @Test func changesFoldInEventTimeWhateverOrderTheyAreGiven() {
        let changes = [
            Self.change("b", at: 2, description: "second", attributes: ["hp": "5", "mood": "grim"]),
            Self.change("a", at: 1, name: "Vell", description: "first", attributes: ["hp": "10"]),
            Self.change("c", at: 3, attributes: ["mood": ""]),
        ]
        let state = ConceptState.folding(changes)
        #expect(state.name == "Vell")
        #expect(state.description == "second")
        #expect(state.attributes == ["hp": "5"])
        #expect(state.changeCount == 3)
        #expect(state.lastCause?.eventID == "c")
        #expect(ConceptState.folding(changes.reversed()) == state)
    }

    @Test(arguments: [
        (1, "b", 2, "a", true),    // earlier time first, whatever the ids
        (1, "a", 1, "b", true),    // same time: event id decides
        (1, "Z", 1, "a", true),    // bytewise: uppercase sorts before lowercase
        (1, "é", 1, "f", false),   // bytewise: multi-byte UTF-8 after ASCII
    ] as [(Int64, String, Int64, String, Bool)])
    func causesOrderByEventTimeThenEventIDBytes(_ t1: Int64, _ id1: String, _ t2: Int64, _ id2: String, _ firstIsEarlier: Bool) {
        #expect((Self.change(id1, at: t1).cause < Self.change(id2, at: t2).cause) == firstIsEarlier)
    }

    static func edge(_ from: String, _ to: String) -> ConceptEdge {
        ConceptEdge(fromConceptID: from, toConceptID: to, kind: "knows", weight: 1, worldID: nil)
    }

    @Test func walksFollowEdgesBothWaysToTheDepthVisitingEachConceptOnce() {
        let graph = [Self.edge("a", "b"), Self.edge("c", "a"), Self.edge("b", "d"), Self.edge("d", "e"), Self.edge("c", "b")]
        let edges = { (frontier: [String]) in graph.filter { frontier.contains($0.fromConceptID) || frontier.contains($0.toConceptID) } }
        #expect(ConceptGraph.walk(from: "a", depth: 1, edges: edges).map(\.conceptID) == ["b", "c"])
        let two = ConceptGraph.walk(from: "a", depth: 2, edges: edges)
        #expect(two.map(\.conceptID) == ["b", "c", "d"])
        #expect(two.map(\.depth) == [1, 1, 2])
        #expect(ConceptGraph.walk(from: "a", depth: 5, edges: edges).map(\.conceptID) == ["b", "c", "d", "e"])
        #expect(ConceptGraph.walk(from: "lonely", depth: 3, edges: edges).isEmpty)
    }
}
