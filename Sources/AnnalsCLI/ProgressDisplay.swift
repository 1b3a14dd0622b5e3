import Dispatch
import Foundation
import Projection
import Synchronization

/// Shows rebuild progress: a redrawn bar on a terminal, a plain line every few seconds otherwise.
final class ProgressDisplay: Sendable {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lastDrawn = Mutex<UInt64>(0)

    init(label: String) {
        self.label = label
    }

    func show(_ progress: RebuildProgress) {
        let now = DispatchTime.now().uptimeNanoseconds
        let interval: UInt64 = isTerminal ? 200_000_000 : 2_000_000_000
        let due = lastDrawn.withLock { last in
            guard now - last >= interval else { return false }
            last = now
            return true
        }
        guard due else { return }
        write(Self.line(label, progress), final: false)
    }

    func finish(_ progress: RebuildProgress) {
        write(Self.line(label, progress), final: true)
    }

    private func write(_ line: String, final: Bool) {
        let text = isTerminal ? "\r\u{1B}[2K" + line + (final ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `story [#########.........] 45% 12000/26000 events 8400 ev/s ETA 2s`
    static func line(_ label: String, _ progress: RebuildProgress) -> String {
        let fraction = progress.total > 0 ? min(Double(progress.done) / Double(progress.total), 1) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let eta = progress.etaSeconds.map { String(format: "ETA %.0fs", $0) } ?? "ETA -"
        return String(format: "%@ [%@] %3.0f%% %lld/%lld events %.0f ev/s %@",
                      label, bar, fraction * 100, progress.done, progress.total, progress.eventsPerSecond, eta)
    }
}
