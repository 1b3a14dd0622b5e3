/// The documents one ingest run publishes: every file loaded on its own, then checked against the files before it.
///
/// A file that names the same document id and version as an earlier one but says something different is
/// rejected (a consumer keeps the first it sees of a version, so the revision would be silently lost); the same
/// file given twice is kept, since publishing it twice changes nothing.
public struct IngestBatch: Sendable {
    /// Valid documents in the order given.
    public private(set) var accepted: [DocumentFile] = []
    /// Files that cannot be published, with why.
    public private(set) var rejected: [DocumentFileError] = []

    public init() {}

    /// Expands `paths` (files, or directories of `.md` files) and loads every file.
    public init(paths: [String]) {
        let (files, errors) = DocumentPaths.expand(paths)
        rejected = errors
        for file in files {
            add(Result { () throws(DocumentFileError) in try DocumentFile.load(path: file) })
        }
    }

    /// Adds one loaded file, or the reason it could not be loaded.
    public mutating func add(_ loaded: Result<DocumentFile, DocumentFileError>) {
        switch loaded {
        case .failure(let error):
            rejected.append(error)
        case .success(let file):
            let id = file.event.documentID
            let version = file.event.version
            if let earlier = accepted.first(where: { $0.event.documentID == id && $0.event.version == version }),
               earlier.event != file.event {
                rejected.append(DocumentFileError(path: file.path,
                    "document `\(id)` version \(version) is also in \(earlier.path) with different content or front matter: "
                    + "give the revision a higher version"))
            } else {
                accepted.append(file)
            }
        }
    }
}
