import KnowledgeBase
import Testing

@Suite struct DocumentVersionsTests {
    struct Item: Equatable, Sendable, CustomStringConvertible {
        var id: String
        var version: Int64
        var description: String { "\(id)@\(version)" }
    }

    @Test(arguments: [
        ("new document", [Item(id: "a", version: 1)], [:], ["a@1"]),
        ("newer than stored", [Item(id: "a", version: 2)], ["a": 1], ["a@2"]),
        ("same as stored", [Item(id: "a", version: 1)], ["a": 1], []),
        ("older arriving late", [Item(id: "a", version: 1)], ["a": 3], []),
        ("highest in the batch wins", [Item(id: "a", version: 3), Item(id: "a", version: 1), Item(id: "a", version: 2)], [:], ["a@3"]),
        ("same event twice", [Item(id: "a", version: 2), Item(id: "a", version: 2)], [:], ["a@2"]),
        ("batch order kept", [Item(id: "b", version: 1), Item(id: "a", version: 1)], [:], ["b@1", "a@1"]),
    ] as [(String, [Item], [String: Int64], [String])])
    func onlyANewerVersionReplacesADocument(name: String, items: [Item], stored: [String: Int64], expected: [String]) {
        let chosen = DocumentVersions.replacements(items, documentID: \.id, version: \.version, stored: stored)
        #expect(chosen.map(\.description) == expected, "\(name)")
    }
}
