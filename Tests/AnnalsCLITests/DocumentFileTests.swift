import AnnalsEvents
import DocumentIngest
import Testing

@Suite struct DocumentFileTests {
    static let body = """
        # The Cinder Vault

        Beneath the Brazier Tower lies a sealed room — its door a disc of black iron.

        ## Heat

        Nobody who opened it came out unscathed.

        """
    /// `printf '%s' "$body" | sha256sum`, computed outside Swift.
    static let bodySHA256 = "c94bc5c2babf4d36065630335a34901bb239628fd7c754af05bdf7591eb38466"

    static let frontMatter = """
        ---
        id: place-the-cinder-vault
        version: 3
        world: cindermoor
        title: The Cinder Vault
        source: samples/places
        tags: [place, vault]
        concepts:
          - id: the-cinder-vault
            name: The Cinder Vault
            kind: place
            description: A sealed Maker chamber.
            attributes: {status: sealed, heat: extreme}
          - {id: the-brazier-tower, name: The Brazier Tower, kind: place}
        relationships:
          - {from: the-cinder-vault, to: the-brazier-tower, kind: beneath, weight: 0.9}
          - {from: the-brazier-tower, to: cindermoor, kind: located-in}
        ---

        """

    static func parse(_ text: String) throws(DocumentFileError) -> DocumentIngested {
        try DocumentFile(path: "vault.md", text: text).event
    }

    @Test func frontMatterFieldsBecomeTheEventAndTheBodyItsContent() throws {
        let event = try Self.parse(Self.frontMatter + Self.body)
        #expect(event.documentID == "place-the-cinder-vault")
        #expect(event.version == 3)
        #expect(event.worldID == "cindermoor")
        #expect(event.title == "The Cinder Vault")
        #expect(event.source == "samples/places")
        #expect(event.tags == ["place", "vault"])
        #expect(event.content == Self.body)
        #expect(event.concepts.map(\.conceptID) == ["the-cinder-vault", "the-brazier-tower"])
        #expect(event.concepts[0].kind == "place" && event.concepts[0].description_p == "A sealed Maker chamber.")
        #expect(event.concepts[0].attributes == ["status": "sealed", "heat": "extreme"])
        #expect(event.concepts[1].attributes.isEmpty && event.concepts[1].description_p.isEmpty)
        #expect(event.relationships.map { [$0.fromConceptID, $0.toConceptID, $0.kind] }
            == [["the-cinder-vault", "the-brazier-tower", "beneath"], ["the-brazier-tower", "cindermoor", "located-in"]])
        #expect(event.relationships.map(\.weight) == [0.9, 1.0], "weight defaults to 1")
        // What consumers enforce holds for what the loader produces.
        #expect(EventValidator.problems(in: .documentIngested(event)).isEmpty)
    }

    @Test func contentHashIsTheSha256sumOfTheBody() throws {
        #expect(try Self.parse(Self.frontMatter + Self.body).contentHash == Self.bodySHA256)
        #expect(DocumentFile.sha256Hex(Self.body) == Self.bodySHA256)
    }

    @Test func eventIDTimeAndProducerFollowFromTheFileAlone() throws {
        let event = try Self.parse(Self.frontMatter + Self.body)
        #expect(event.meta.eventID == "doc-place-the-cinder-vault-v3-c94bc5c2babf")
        #expect(event.meta.occurredAt == DocumentFile.defaultOccurredAt)
        #expect(event.meta.occurredAt.seconds == 1_767_225_600)  // 2026-01-01T00:00:00Z
        #expect(event.meta.producer == "annals-ingest")
        #expect(event.meta.schemaVersion == 1)
        #expect(try Self.parse(Self.frontMatter + Self.body) == event, "loading twice gives the same event")

        let revised = try Self.parse(Self.frontMatter + Self.body + "A new line.\n")
        #expect(revised.meta.eventID != event.meta.eventID, "a different content hash gives a different event id")
    }

    @Test func occurredAtInTheFrontMatterSetsTheEventTime() throws {
        let text = Self.frontMatter.replacingOccurrences(of: "title:", with: "occurred_at: 2026-02-01T12:30:00.5Z\ntitle:")
        let event = try Self.parse(text + Self.body)
        #expect(event.meta.occurredAt.seconds == 1_769_949_000 && event.meta.occurredAt.nanos == 500_000_000)
    }

    @Test func omittingTheWorldMakesADocumentGlobal() throws {
        let text = Self.frontMatter.replacingOccurrences(of: "world: cindermoor\n", with: "")
        #expect(try Self.parse(text + Self.body).worldID == "")
    }

    @Test func windowsLineEndingsAreReadAndTheContentKeptByteForByte() throws {
        let crlf = { (text: String) in text.replacingOccurrences(of: "\n", with: "\r\n") }
        let event = try Self.parse(crlf(Self.frontMatter) + crlf(Self.body))
        #expect(event.documentID == "place-the-cinder-vault" && event.concepts.count == 2)
        #expect(event.content == crlf(Self.body))
        // printf with \r\n, | sha256sum.
        #expect(event.contentHash == "2db96afb460913a4669007190a9db47c02adffd3a2711d2b7e6cfae00c0bc34b")
    }

    @Test func aLeadingByteOrderMarkIsIgnored() throws {
        #expect(try Self.parse("\u{FEFF}" + Self.frontMatter + Self.body).contentHash == Self.bodySHA256)
    }

    @Test func aDocumentIDNearTheLengthLimitStillGetsAValidEventID() throws {
        let id = String(repeating: "a", count: EventValidator.maxIdentifierLength)
        let event = try Self.parse(Self.frontMatter.replacingOccurrences(of: "id: place-the-cinder-vault", with: "id: \(id)") + Self.body)
        #expect(event.meta.eventID.hasPrefix("doc-") && event.meta.eventID.utf8.count == 36)
        #expect(EventValidator.problems(in: .documentIngested(event)).isEmpty)
    }

    /// A broken front matter, the line the problem is reported on, and words the message must contain.
    struct BrokenFile: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var line: Int?
        var says: [String]
        var testDescription: String { name }
    }

    static let minimal = "---\nid: doc\nversion: 1\ntitle: T\n"
    static let brokenFiles: [BrokenFile] = [
        .init(name: "missing id", text: "---\nversion: 1\ntitle: T\n---\n# T\n", line: nil, says: ["missing `id`"]),
        .init(name: "missing title", text: "---\nid: doc\nversion: 1\n---\n# T\n", line: nil, says: ["missing `title`"]),
        .init(name: "version zero", text: "---\nid: doc\nversion: 0\ntitle: T\n---\n# T\n", line: 3, says: ["`version`", "from 1", "`0`"]),
        .init(name: "version a word", text: "---\nid: doc\nversion: two\ntitle: T\n---\n# T\n", line: 3, says: ["`version`", "`two`"]),
        .init(name: "version a fraction", text: "---\nid: doc\nversion: 1.5\ntitle: T\n---\n# T\n", line: 3, says: ["`version`", "`1.5`"]),
        .init(name: "version negative", text: "---\nid: doc\nversion: -2\ntitle: T\n---\n# T\n", line: 3, says: ["`version`", "`-2`"]),
        .init(name: "unknown key", text: minimal + "colour: red\n---\n# T\n", line: 5, says: ["unknown key `colour`", "known keys: id, version"]),
        .init(name: "unknown concept key", text: minimal + "concepts:\n  - {id: a, name: A, kind: place, colour: red}\n---\n# T\n",
              line: 6, says: ["unknown key `concepts[0].colour`"]),
        .init(name: "relationship endpoint a mapping", text: minimal + "relationships:\n  - {from: {id: a}, to: b, kind: k}\n---\n# T\n",
              line: 6, says: ["`relationships[0].from` must be a concept id (a string), got a mapping"]),
        .init(name: "relationship endpoint a list", text: minimal + "relationships:\n  - from: a\n    to: [b, c]\n    kind: k\n---\n# T\n",
              line: 7, says: ["`relationships[0].to` must be a concept id (a string), got a list"]),
        .init(name: "relationship endpoint missing", text: minimal + "relationships:\n  - {from: a, kind: k}\n---\n# T\n",
              line: 6, says: ["missing `relationships[0].to`"]),
        .init(name: "relationship weight not a number", text: minimal + "relationships:\n  - {from: a, to: b, kind: k, weight: heavy}\n---\n# T\n",
              line: 6, says: ["`relationships[0].weight`", "`heavy`"]),
        .init(name: "concept without kind", text: minimal + "concepts:\n  - id: a\n    name: A\n---\n# T\n",
              line: 6, says: ["missing `concepts[0].kind`"]),
        .init(name: "concept id repeated", text: minimal + "concepts:\n  - {id: a, name: A, kind: place}\n  - {id: a, name: B, kind: place}\n---\n# T\n",
              line: 7, says: ["`concepts[1].id` repeats concept `a` declared on line 6"]),
        .init(name: "attributes not a mapping", text: minimal + "concepts:\n  - {id: a, name: A, kind: place, attributes: [x]}\n---\n# T\n",
              line: 6, says: ["`concepts[0].attributes` must be a mapping"]),
        .init(name: "attribute without value", text: minimal + "concepts:\n  - {id: a, name: A, kind: place, attributes: {status: }}\n---\n# T\n",
              line: 6, says: ["`concepts[0].attributes.status` has no value"]),
        .init(name: "tags not a list", text: minimal + "tags: {a: b}\n---\n# T\n", line: 5, says: ["`tags` must be a list"]),
        .init(name: "concepts not a list", text: minimal + "concepts: the-cinder-vault\n---\n# T\n", line: 5, says: ["`concepts` must be a list"]),
        .init(name: "empty world", text: minimal + "world: ''\n---\n# T\n", line: 5, says: ["`world` is empty", "omit it"]),
        .init(name: "id with control characters", text: "---\nid: \"a\\tb\"\nversion: 1\ntitle: T\n---\n# T\n", line: 2,
              says: ["`id` contains control characters"]),
        .init(name: "bad occurred_at", text: minimal + "occurred_at: yesterday\n---\n# T\n", line: 5,
              says: ["`occurred_at` must be an RFC 3339 date-time", "`yesterday`"]),
        .init(name: "invalid YAML", text: "---\nid: doc\nversion: 1\ntitle: [T\n---\n# T\n", line: 5, says: ["invalid YAML"]),
        .init(name: "tab-indented YAML", text: "---\nid: doc\nconcepts:\n\t- id: a\n---\n# T\n", line: 4, says: ["invalid YAML"]),
        .init(name: "duplicate key", text: minimal + "id: other\n---\n# T\n", line: 2, says: ["duplicate key `id`"]),
        .init(name: "front matter not a mapping", text: "---\n- id\n- version\n---\n# T\n", line: 2, says: ["must be a mapping of keys"]),
        .init(name: "empty front matter", text: "---\n---\n# T\n", line: 1, says: ["the front matter is empty"]),
        .init(name: "no front matter", text: "# T\n\nJust markdown.\n", line: 1, says: ["no front matter", "`---`"]),
        .init(name: "front matter never closed", text: minimal + "# T\n", line: 1, says: ["never closed"]),
        .init(name: "no content", text: minimal + "---\n\n  \n", line: 5, says: ["no markdown after the front matter"]),
    ]

    @Test(arguments: brokenFiles)
    func brokenFrontMatterIsRejectedWithTheLineAndTheProblem(_ file: BrokenFile) {
        do {
            let event = try Self.parse(file.text)
            Issue.record("accepted: \(event)")
        } catch {
            #expect(error.path == "vault.md")
            let problem = error.problems.first { problem in file.says.allSatisfy { problem.message.contains($0) } }
            #expect(problem != nil, "\(error)")
            #expect(problem?.line == file.line, "\(error)")
        }
    }

    @Test func everyProblemInAFileIsReportedInLineOrder() {
        let text = "---\nid: doc\nversion: zero\ncolour: red\nconcepts:\n  - {id: a, name: A}\nrelationships:\n  - {from: [a], to: b, kind: k}\n---\n"
        do {
            let event = try Self.parse(text)
            Issue.record("accepted: \(event)")
        } catch {
            #expect(error.problems.map(\.line) == [nil, 3, 4, 6, 8, 9], "\(error)")
            #expect(error.problems.first?.message.contains("missing `title`") == true)
            #expect(error.description.split(separator: "\n").first == "vault.md: missing `title` (the document's title)")
            #expect(error.description.split(separator: "\n").dropFirst().first?.hasPrefix("vault.md:3: `version`") == true)
        }
    }
}
