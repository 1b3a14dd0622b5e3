import ArgumentParser
import Dispatch
import Foundation
import Logging

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per projection and partition: checkpoint, lag in events and seconds, throughput, dead letters, owner.",
        discussion: """
        lag-time is the age of the oldest unapplied event (now minus its Kafka timestamp). The owner and its \
        events/s come from the workers' heartbeats in annals.workers; a worker silent for three heartbeats (at \
        least 10 s) is shown as gone. --json prints an array of partition rows. --watch redraws in place on a \
        terminal and prints one timestamped block per refresh otherwise (with --json, one line per refresh: \
        {"generatedAt": …, "partitions": [rows]}); Ctrl-C stops it.
        """)

    @Flag(help: "Print JSON instead of a table.") var json = false
    @Flag(help: "Refresh until interrupted.") var watch = false
    @Option(help: "Seconds between refreshes with --watch.") var interval = 2.0
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard interval >= 0.1, interval <= 86_400 else {
            throw ValidationError("--interval \(interval): use 0.1 to 86400 seconds")
        }
    }

    func run() throws {
        let reader = StatusReader(kafka: try connection.kafkaConfig(), databaseConninfo: connection.databaseConninfo,
                                  projections: try ProjectionCatalog.all(), logger: Logger(label: "annals.status"))
        guard watch else {
            let report = try reader.report()
            write(json ? try StatusOutput.json(report) : StatusTable.render(report))
            return
        }
        let isTerminal = isatty(STDOUT_FILENO) == 1
        let interruptSources = Self.exitOnInterrupt(isTerminal: isTerminal)
        if isTerminal { write("\u{1B}[2J") }
        withExtendedLifetime(interruptSources) { refresh(reader, isTerminal: isTerminal) }
    }

    /// Prints a report every `interval`, forever: only a signal ends it.
    private func refresh(_ reader: StatusReader, isTerminal: Bool) {
        while true {
            let started = Date()
            let text: String
            do {
                let report = try reader.report()
                text = !json ? StatusTable.render(report) : isTerminal ? try StatusOutput.json(report) : try StatusOutput.jsonLine(report)
            } catch {
                // Keep watching: the database or the broker may come back.
                text = json ? "{\"error\":\(Self.jsonString("\(error)")),\"generatedAt\":\"\(StatusOutput.timestamp(started))\"}\n"
                    : "status unavailable: \(error)\n"
            }
            if isTerminal {
                let size = Self.terminalSize()
                write(StatusOutput.redraw(text, at: started, intervalSeconds: interval, rows: size?.rows, columns: size?.columns))
            } else {
                write(json ? text : StatusOutput.block(text, at: started))
            }
            let elapsed = Date().timeIntervalSince(started)
            if elapsed < interval { Thread.sleep(forTimeInterval: interval - elapsed) }
        }
    }

    /// Writes and flushes at once: standard output to a pipe or file is block-buffered, and a watcher reads each
    /// refresh as it is printed.
    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Ctrl-C (or SIGTERM) ends the watch with status 0, leaving the cursor on a fresh line. The sources must be
    /// kept alive.
    private static func exitOnInterrupt(isTerminal: Bool) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if isTerminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
                Foundation.exit(0)
            }
            source.resume()
            return source
        }
    }

    /// Rows and columns of the terminal on standard output, read each refresh so resizing works.
    private static func terminalSize() -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    private static func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
