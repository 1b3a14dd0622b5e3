// Writes the shipped load traces (Samples/load-traces/*.jsonl) from their generator, or with --check reports
// files that differ from it and exits 1. Usage: swift run annals-traces [--check] [directory]
import Foundation
import AnnalsMetrics

let usage = """
    usage: annals-traces [--check] [directory, default Samples/load-traces]

    Writes the shipped load traces (one JSON-lines file of metric samples per trace) from their generator; with
    --check, writes nothing and exits 1 naming the files that differ from it.

    """
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage, terminator: "")
    exit(0)
}
let check = arguments.contains("--check")
arguments.removeAll { $0 == "--check" }
if arguments.contains(where: { $0.hasPrefix("-") }) || arguments.count > 1 {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments.first ?? "Samples/load-traces")
var stale: [String] = []
do {
    if !check { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    for trace in LoadTrace.shipped {
        let file = directory.appendingPathComponent("\(trace.name).jsonl")
        let text = try trace.jsonLines()
        if check {
            let existing = FileManager.default.contents(atPath: file.path)
            if existing != Data(text.utf8) { stale.append(file.path) }
        } else {
            try Data(text.utf8).write(to: file, options: .atomic)
            let lines = text.utf8.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            print("\(file.path): \(lines) samples, \(text.utf8.count) bytes")
        }
    }
} catch {
    FileHandle.standardError.write(Data("annals-traces: \(error)\n".utf8))
    exit(1)
}
if !stale.isEmpty {
    FileHandle.standardError.write(Data(
        ("differ from the generator (run `swift run annals-traces` and commit):\n" + stale.joined(separator: "\n") + "\n").utf8))
    exit(1)
}
