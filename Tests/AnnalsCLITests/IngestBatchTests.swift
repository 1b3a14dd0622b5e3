@testable import AnnalsCLI
import DocumentIngest
import Foundation
import Testing

@Suite struct IngestBatchTests {
    static func document(_ id: String, version: Int = 1, world: String? = nil, body: String = "# T\n\nText.\n") -> String {
        "---\nid: \(id)\nversion: \(version)\n" + (world.map { "world: \($0)\n" } ?? "") + "title: T\n---\n" + body
    }

    static func file(_ path: String, _ text: String) -> Result<DocumentFile, DocumentFileError> {
        Result { () throws(DocumentFileError) in try DocumentFile(path: path, text: text) }
    }

    /// A fresh directory holding `files` (name → contents), removed by the caller.
    static func directory(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, contents) in files {
            let file = path + "/" + name
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test func aRevisionUnderAVersionAlreadyGivenIsRejectedNamingTheEarlierFile() {
        var batch = IngestBatch()
        batch.add(Self.file("a.md", Self.document("lore", body: "# T\n\nFirst.\n")))
        batch.add(Self.file("b.md", Self.document("lore", body: "# T\n\nSecond.\n")))
        batch.add(Self.file("c.md", Self.document("lore", version: 2, body: "# T\n\nSecond.\n")))
        #expect(batch.accepted.map(\.path) == ["a.md", "c.md"])
        #expect(batch.rejected.map(\.description) == [
            "b.md: document `lore` version 1 is also in a.md with different content or front matter: give the revision a higher version",
        ])
    }

    @Test func theSameFileTwiceIsKeptSincePublishingItAgainChangesNothing() {
        var batch = IngestBatch()
        batch.add(Self.file("a.md", Self.document("lore")))
        batch.add(Self.file("a.md", Self.document("lore")))
        #expect(batch.accepted.count == 2 && batch.rejected.isEmpty)
    }

    @Test func directoriesGiveTheirMarkdownFilesSortedWithoutDescending() throws {
        let root = try Self.directory([
            "b.md": Self.document("b"), "a.md": Self.document("a"), "notes.txt": "not a document",
            ".hidden.md": "ignored", "nested/c.md": Self.document("c"),
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (files, errors) = DocumentPaths.expand([root, root + "/nested/c.md"])
        #expect(files == [root + "/a.md", root + "/b.md", root + "/nested/c.md"])
        #expect(errors.isEmpty)
    }

    @Test func missingPathsAndDirectoriesWithoutDocumentsAreErrors() throws {
        let root = try Self.directory(["notes.txt": "not a document"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let batch = IngestBatch(paths: [root, root + "/missing.md"])
        #expect(batch.accepted.isEmpty)
        #expect(batch.rejected.map(\.description) == [
            "\(root): the directory has no .md files", "\(root)/missing.md: no such file or directory",
        ])
    }

    @Test func unreadableFilesAreRejectedWithTheReason() throws {
        let root = try Self.directory([:])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data([0x2D, 0x2D, 0x2D, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: root + "/latin1.md"))
        let batch = IngestBatch(paths: [root + "/latin1.md"])
        #expect(batch.rejected.map(\.description) == ["\(root)/latin1.md: is not UTF-8 text"])
    }

    @Test func aGoodFileIsAcceptedBesideABadOne() throws {
        let root = try Self.directory(["good.md": Self.document("good", world: "tidemark"), "bad.md": "---\nid: bad\n---\n# T\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let batch = IngestBatch(paths: [root])
        #expect(batch.accepted.map(\.event.documentID) == ["good"])
        #expect(batch.rejected.map(\.path) == [root + "/bad.md"])
        #expect(batch.rejected.first?.description.contains("missing `version`") == true)
    }

    @Test func dryRunSummaryListsEachDocumentInAlignedColumns() throws {
        let files = try [
            DocumentFile(path: "a.md", text: Self.document("lore-short", body: "# T\n\none two three\n")),
            DocumentFile(path: "b.md", text: Self.document("place-a-longer-id", version: 12, world: "tidemark")),
        ]
        #expect(IngestCommand.summary(files) == """
            id                 version  world     title  words  concepts  relationships
            lore-short         1        global    T      5      0         0
            place-a-longer-id  12       tidemark  T      3      0         0

            """)
    }
}
