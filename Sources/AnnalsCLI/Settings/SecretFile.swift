import Foundation

/// A secret kept in a file, e.g. a mounted Docker or Kubernetes secret: the whole file, less trailing newlines.
/// Errors name the file and the setting that pointed at it, never its contents.
enum SecretFile {
    /// The contents of `path`; `setting` says which flag or variable named it, for messages.
    static func read(_ path: String, for setting: String) throws -> String {
        let data: Data
        do {
            data = try contents(of: path)
        } catch {
            throw CLIError("cannot read \(path), named by \(setting): \(error.reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(path), named by \(setting), is not UTF-8 text")
        }
        let secret = String(text.reversed().drop { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }.reversed())
        guard !secret.isEmpty else { throw CLIError("\(path), named by \(setting), is empty") }
        return secret
    }

    /// The value of `variable`, else the contents of the file `file` names, else nil; both set is an error.
    static func environment(_ variable: String, file: String, environment: [String: String]) throws -> String? {
        let value = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        let path = environment[file].flatMap { $0.isEmpty ? nil : $0 }
        switch (value, path) {
        case (.some, .some):
            throw CLIError("\(variable) and \(file) are both set: unset one")
        case (.some(let value), nil):
            return value
        case (nil, .some(let path)):
            return try SecretFile.read(path, for: file)
        case (nil, nil):
            return nil
        }
    }

    /// Why a file could not be read, in the system's words ("No such file or directory").
    struct ReadFailure: Error {
        var reason: String
    }

    /// The bytes of the file at `path`; the error carries strerror's text, which Foundation's errors lose on Linux.
    static func contents(of path: String) throws(ReadFailure) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadFailure(reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw ReadFailure(reason: String(cString: strerror(EIO)))
        }
    }
}
