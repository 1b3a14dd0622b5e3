import Foundation

/// The document files a list of command-line paths names.
public enum DocumentPaths {
    /// Each path in the order given: a file as it is, a directory as the `.md` files directly inside it (not its
    /// subdirectories, so a README one level down is not published by accident), sorted by name. Paths that do
    /// not exist, and directories without any `.md` file, are errors.
    public static func expand(_ paths: [String]) -> (files: [String], errors: [DocumentFileError]) {
        var files: [String] = []
        var errors: [DocumentFileError] = []
        for path in paths {
            switch kind(of: path) {
            case nil:
                errors.append(DocumentFileError(path: path, "no such file or directory"))
            case .file:
                files.append(path)
            case .directory:
                let names: [String]
                do {
                    names = try FileManager.default.contentsOfDirectory(atPath: path)
                } catch {
                    errors.append(DocumentFileError(path: path, "cannot list the directory: \(error.localizedDescription)"))
                    continue
                }
                let documents = names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") }.sorted()
                    .map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
                    .filter { kind(of: $0) == .file }
                if documents.isEmpty { errors.append(DocumentFileError(path: path, "the directory has no .md files")) }
                files += documents
            }
        }
        return (files, errors)
    }

    private enum Kind { case file, directory }

    private static func kind(of path: String) -> Kind? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        return isDirectory.boolValue ? .directory : .file
    }
}
