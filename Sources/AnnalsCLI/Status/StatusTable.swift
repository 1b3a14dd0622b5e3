import Foundation

/// `annals status` as text: per projection a table of partitions, notes, and its workers. Pure.
enum StatusTable {
    static func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        for (index, projection) in report.projections.enumerated() {
            if index > 0 { lines.append("") }
            lines += render(projection)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ projection: ProjectionStatus) -> [String] {
        let version = projection.tablesVersion.map { "tables version \($0)" } ?? "not migrated"
        var lines = ["\(projection.name) (code version \(projection.codeVersion), \(version))"]
        if let problem = projection.problem {
            lines.append("  \(problem)")
        } else {
            let header = ["topic/partition", "checkpoint", "high-watermark", "lag", "lag-time", "events/s", "dead-letters", "worker"]
            let rows = projection.partitions.map(cells)
            lines += table(header: header, rows: rows, rightAligned: 1...6).map { "  " + $0 }
            for partition in projection.partitions {
                if let why = partition.lagSecondsUnknown {
                    lines.append("  lag-time of \(partition.topic)/\(partition.partition) unknown: \(why)")
                }
            }
        }
        if let replay = projection.replay {
            let ending = replay.swaps ? "swapped in when built" : "as of \(replay.until ?? "its stop offsets"), kept for inspection"
            lines.append("  replay into \(replay.shadowSchema): \(replay.applied) of \(replay.total) events (\(ending)); "
                + "if it is not running, `annals replay \(projection.name) --resume` or `--abandon`")
        }
        if projection.workers.isEmpty {
            lines.append("  workers: none running")
        } else {
            for (index, worker) in projection.workers.enumerated() {
                lines.append((index == 0 ? "  workers: " : "           ") + describe(worker))
            }
        }
        return lines
    }

    /// One partition's row.
    static func cells(_ partition: PartitionStatus) -> [String] {
        [
            "\(partition.topic)/\(partition.partition)",
            partition.checkpoint.map(String.init) ?? "-",
            String(partition.highWatermark),
            String(partition.lag),
            partition.lagSeconds.map(duration) ?? "?",
            partition.eventsPerSecond.map(rate) ?? "-",
            String(partition.deadLetters),
            owner(partition),
        ]
    }

    /// `host:pid`, `host:pid +1` when others claim it too, `none (last seen host:pid 2m ago)`, or `none`.
    static func owner(_ partition: PartitionStatus) -> String {
        if let owner = partition.owner {
            let others = partition.otherClaimants?.count ?? 0
            return owner.label + (others > 0 ? " +\(others)" : "")
        }
        if let last = partition.lastSeenOwner {
            return "none (last seen \(last.label) \(duration(last.heartbeatAgeSeconds)) ago)"
        }
        return "none"
    }

    static func describe(_ worker: WorkerStatus) -> String {
        guard worker.live else {
            return "\(worker.label) gone (last heartbeat \(duration(worker.heartbeatAgeSeconds)) ago)"
        }
        var facts = ["group \(worker.group)", worker.partitions == 1 ? "1 partition" : "\(worker.partitions) partitions"]
        if let endpoint = worker.httpEndpoint { facts.append(endpoint) }
        facts.append("heartbeat \(duration(worker.heartbeatAgeSeconds)) ago")
        return "\(worker.label) (\(facts.joined(separator: ", ")))"
    }

    /// Columns padded to their widest cell: left-aligned, except the `rightAligned` ones; the last is not padded.
    static func table(header: [String], rows: [[String]], rightAligned: ClosedRange<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let cell = row[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if rightAligned.contains(column) { return padding + cell }
                return column == row.count - 1 ? cell : cell + padding
            }.joined(separator: "  ")
        }
    }

    /// `0s`, `3.2s`, `42s`, `4m05s`, `3h12m`, `2d04h`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        if seconds < 10 {
            let tenths = (seconds * 10).rounded() / 10
            return tenths == tenths.rounded() ? "\(Int(tenths))s" : String(format: "%.1fs", tenths)
        }
        let whole = seconds < Double(Int.max) ? Int(seconds.rounded()) : Int.max
        switch whole {
        case ..<60: return "\(whole)s"
        case ..<3_600: return String(format: "%dm%02ds", whole / 60, whole % 60)
        case ..<86_400: return String(format: "%dh%02dm", whole / 3_600, whole % 3_600 / 60)
        default: return String(format: "%dd%02dh", whole / 86_400, whole % 86_400 / 3_600)
        }
    }

    /// `0`, `0.4`, `9.5`, `120`, `48213`.
    static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite, perSecond > 0 else { return "0" }
        return perSecond < 10 ? String(format: "%.1f", perSecond) : String(format: "%.0f", perSecond)
    }
}
