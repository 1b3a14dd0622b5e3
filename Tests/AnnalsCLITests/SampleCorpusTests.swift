import AnnalsEvents
import DocumentIngest
import Foundation
import Testing
import Yams

/// The sample knowledge base under `Samples/knowledge-base`: what the demo, the search tests and the recall
/// figures rely on.
@Suite struct SampleCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/knowledge-base").path
    static let documentsDirectory = root + "/documents"
    static let updatesDirectory = root + "/updates"

    static func load(_ directory: String) throws -> [DocumentFile] {
        let batch = IngestBatch(paths: [directory])
        guard batch.rejected.isEmpty else {
            throw SampleCorpusError(batch.rejected.map(\.description).joined(separator: "\n"))
        }
        return batch.accepted
    }

    /// Every concept declared anywhere in the corpus: id → the world of the declaring document (nil = global).
    static func declaredConcepts() throws -> [String: String?] {
        var declared: [String: String?] = [:]
        for file in try load(documentsDirectory) + load(updatesDirectory) {
            for concept in file.event.concepts { declared[concept.conceptID] = file.event.worldID.isEmpty ? nil : file.event.worldID }
        }
        return declared
    }

    /// Whether something in `world` (nil = global) may refer to a concept declared in `declaredIn`.
    static func visible(_ declaredIn: String??, from world: String?) -> Bool {
        guard let declaredIn else { return false }  // not declared at all
        return declaredIn == nil || declaredIn == world
    }

    // MARK: - Documents

    @Test func thirteenDocumentsLoadWithDistinctIdsAtVersionOne() throws {
        let documents = try Self.load(Self.documentsDirectory)
        #expect(documents.count == 13)
        #expect(Set(documents.map(\.event.documentID)).count == 13)
        #expect(documents.allSatisfy { $0.event.version == 1 })
        #expect(documents.allSatisfy { URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent == $0.event.documentID },
                "file names are the document ids")
    }

    @Test func everyDocumentHasHeadingsParagraphsAndSeveralConcepts() throws {
        for document in try Self.load(Self.documentsDirectory) {
            let event = document.event
            #expect((400...1_500).contains(document.wordCount), "\(event.documentID): \(document.wordCount) words")
            #expect((3...8).contains(event.concepts.count), "\(event.documentID): \(event.concepts.count) concepts")
            #expect(!event.relationships.isEmpty, "\(event.documentID)")
            #expect(event.content.hasPrefix("# \(event.title)\n"), "\(event.documentID) starts with its title as heading")
            #expect(event.content.components(separatedBy: "\n## ").count >= 4, "\(event.documentID) has sections")
            #expect(!event.tags.isEmpty && !event.source.isEmpty, "\(event.documentID)")
        }
    }

    @Test func aboutHalfTheDocumentsAreGlobalAndTheRestSpanThreeWorlds() throws {
        let documents = try Self.load(Self.documentsDirectory)
        let worlds = Dictionary(grouping: documents.filter { !$0.event.worldID.isEmpty }, by: \.event.worldID)
        #expect(documents.filter { $0.event.worldID.isEmpty }.count == 7)
        #expect(worlds.mapValues(\.count) == ["cindermoor": 2, "tidemark": 2, "gloamwood": 2])
    }

    @Test func eachConceptIsDeclaredByOneDocumentOnly() throws {
        var declaredBy: [String: String] = [:]
        for document in try Self.load(Self.documentsDirectory) {
            for concept in document.event.concepts {
                #expect(declaredBy[concept.conceptID] == nil,
                        "\(concept.conceptID) declared by \(declaredBy[concept.conceptID] ?? "") and \(document.event.documentID)")
                declaredBy[concept.conceptID] = document.event.documentID
            }
        }
    }

    @Test func relationshipEndpointsAreDeclaredAndVisibleFromTheDocumentsWorld() throws {
        let declared = try Self.declaredConcepts()
        for document in try Self.load(Self.documentsDirectory) + Self.load(Self.updatesDirectory) {
            let world = document.event.worldID.isEmpty ? nil : document.event.worldID
            for relationship in document.event.relationships {
                for end in [relationship.fromConceptID, relationship.toConceptID] {
                    #expect(Self.visible(declared[end], from: world), "\(document.path): \(end) is not declared where \(world ?? "global") can see it")
                }
            }
        }
    }

    @Test func relationshipsConnectDocumentsSeveralHopsDeep() throws {
        // Concept graph, undirected: from Tamsin Ashe (a Cindermoor character) the Keymakers' leader is three hops away.
        var edges: [String: Set<String>] = [:]
        for document in try Self.load(Self.documentsDirectory) {
            for relationship in document.event.relationships {
                edges[relationship.fromConceptID, default: []].insert(relationship.toConceptID)
                edges[relationship.toConceptID, default: []].insert(relationship.fromConceptID)
            }
        }
        var distance = ["tamsin-ashe": 0]
        var frontier = ["tamsin-ashe"]
        while !frontier.isEmpty {
            frontier = frontier.flatMap { node in
                let hops = distance[node, default: 0] + 1
                return (edges[node] ?? []).filter { distance[$0] == nil }.map { next in
                    distance[next] = hops
                    return next
                }
            }
        }
        #expect(distance["odile-marrow"] == 3)  // tamsin-ashe → the-ember-wardens → the-keymakers-guild → odile-marrow
        #expect((distance.values.max() ?? 0) >= 4)
        #expect(distance.count == Set(edges.keys).count, "every concept with a relationship is connected")
    }

    @Test func theUpdateIsVersionTwoOfAnExistingDocumentWithRevisedContent() throws {
        let originals = Dictionary(uniqueKeysWithValues: try Self.load(Self.documentsDirectory).map { ($0.event.documentID, $0.event) })
        let updates = try Self.load(Self.updatesDirectory)
        #expect(updates.count == 1)
        for update in updates.map(\.event) {
            let original = try #require(originals[update.documentID], "\(update.documentID) is not in documents/")
            #expect(update.version == 2 && original.version == 1)
            #expect(update.worldID == original.worldID && update.title == original.title)
            #expect(update.contentHash != original.contentHash && update.meta.eventID != original.meta.eventID)
            #expect(update.meta.occurredAt.seconds > original.meta.occurredAt.seconds)
        }
        // Publishing documents then updates is accepted as one batch: a new version, not a conflict.
        let batch = IngestBatch(paths: [Self.documentsDirectory, Self.updatesDirectory])
        #expect(batch.rejected.isEmpty && batch.accepted.count == 14)
    }

    // MARK: - Queries

    struct JudgedQuery: Decodable {
        var world: String?
        var query: String
        var expect: String
    }

    /// The judged queries of `file`: queries.yaml (keyword-ish and paraphrases) or paraphrase-queries.yaml (sharing
    /// no content word with their answer).
    static func queries(_ file: String = "queries.yaml") throws -> [JudgedQuery] {
        let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
        let raw = try #require(try Yams.load(yaml: text) as? [[String: String]], "\(file): a list of string mappings")
        #expect(raw.allSatisfy { Set($0.keys).isSubset(of: ["world", "query", "expect"]) })
        return try YAMLDecoder().decode([JudgedQuery].self, from: text)
    }

    @Test(arguments: [("queries.yaml", 24), ("paraphrase-queries.yaml", 40)])
    func everyQueryExpectsADocumentVisibleFromItsWorld(file: String, atLeast: Int) throws {
        let documents = Dictionary(uniqueKeysWithValues: try Self.load(Self.documentsDirectory).map { ($0.event.documentID, $0.event) })
        let queries = try Self.queries(file)
        #expect(queries.count >= atLeast)
        #expect(Set(queries.map(\.query)).count == queries.count, "no query twice")
        for query in queries {
            let expected = try #require(documents[query.expect], "\(query.query): no document \(query.expect)")
            #expect(expected.worldID.isEmpty || expected.worldID == query.world,
                    "\(query.query): \(query.expect) is in \(expected.worldID), not visible from \(query.world ?? "global only")")
            #expect(!query.query.trimmingCharacters(in: .whitespaces).isEmpty)
        }
        #expect(Set(queries.map(\.world)) == [nil, "cindermoor", "tidemark", "gloamwood"])
        #expect(Set(queries.map(\.expect)) == Set(documents.keys), "every document is the answer to some query")
        #expect(queries.contains { $0.world != nil && documents[$0.expect]?.worldID.isEmpty == true },
                "some world-scoped queries expect a global document")
    }

    // MARK: - Story events

    static func storyEvents() throws -> [StoryEvent] {
        let text = try String(contentsOfFile: root + "/story-events.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { index, line in
            guard case .storyEvent(let event) = try AnnalsTopic.storyEvent.decode(json: String(line)) else {
                throw SampleCorpusError("line \(index + 1) is not a story event")
            }
            return event
        }
    }

    @Test func storyEventsDecodeWithSequencesOneToNPerWorld() throws {
        let events = try Self.storyEvents()
        #expect((20...30).contains(events.count))
        let byWorld = Dictionary(grouping: events, by: \.worldID)
        #expect(Set(byWorld.keys) == ["cindermoor", "tidemark", "gloamwood"])
        for (world, worldEvents) in byWorld {
            #expect(worldEvents.map(\.sequence) == Array(1...UInt64(worldEvents.count)), "\(world)")
        }
        #expect(Set(events.map(\.meta.eventID)).count == events.count, "event ids are unique")
        let times = events.map { $0.meta.occurredAt.microsecondsSinceEpoch }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "occurred_at increases through the file")
        #expect(events.filter { !$0.conceptUpdates.isEmpty }.count >= 10)
        #expect(events.contains { $0.relationshipUpdates.contains { $0.change == .upsert } })
        #expect(events.contains { $0.relationshipUpdates.contains { $0.change == .remove } })
    }

    @Test func storyEventsChangeConceptsAndRelationshipsTheirWorldCanSee() throws {
        let declared = try Self.declaredConcepts()
        // Relationships each world sees: global documents' and its own, then what its events upsert and remove.
        var relationships: [String: Set<[String]>] = [:]
        let documents = try Self.load(Self.documentsDirectory)
        for world in ["cindermoor", "tidemark", "gloamwood"] {
            relationships[world] = Set(documents.filter { $0.event.worldID.isEmpty || $0.event.worldID == world }
                .flatMap(\.event.relationships).map { [$0.fromConceptID, $0.toConceptID, $0.kind] })
        }
        for event in try Self.storyEvents() {
            for update in event.conceptUpdates {
                #expect(Self.visible(declared[update.conceptID], from: event.worldID), "\(event.meta.eventID): \(update.conceptID)")
                #expect(!update.name.isEmpty && !update.kind.isEmpty, "\(event.meta.eventID): \(update.conceptID)")
            }
            for change in event.relationshipUpdates {
                let edge = [change.relationship.fromConceptID, change.relationship.toConceptID, change.relationship.kind]
                for end in edge.prefix(2) {
                    #expect(Self.visible(declared[end], from: event.worldID), "\(event.meta.eventID): \(end)")
                }
                switch change.change {
                case .upsert:
                    relationships[event.worldID, default: []].insert(edge)
                case .remove:
                    #expect(relationships[event.worldID]?.remove(edge) != nil, "\(event.meta.eventID) removes \(edge), which \(event.worldID) does not have")
                default:
                    Issue.record("\(event.meta.eventID): change is \(change.change)")
                }
            }
        }
    }
}

struct SampleCorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
