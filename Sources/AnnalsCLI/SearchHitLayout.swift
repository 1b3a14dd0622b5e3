import KnowledgeBase

/// How `annals search` prints hits on a terminal; pure.
///
/// ```
///  1. 0.03252  The Ember Library  (ember-library #0, v1)  world emberfall
///     The Ember Library › The Cinder Codex
///     vector #1 cos 0.412 · text #3 ts_rank_cd 0.100
///     Kaela recovered the Cinder Codex from beneath the scriptorium after the
///     Ash Wyrm was driven off. …
/// ```
struct SearchHitLayout {
    /// Total line width, indentation included.
    var width: Int
    /// Most lines of chunk text per hit; 0 prints the whole text.
    var maxTextLines: Int

    func render(_ hits: [SearchHit]) -> String {
        hits.enumerated().map { index, hit in render(hit, rank: index + 1, rankWidth: String(hits.count).count) }
            .joined(separator: "\n\n")
    }

    func render(_ hit: SearchHit, rank: Int, rankWidth: Int) -> String {
        let number = String(rank)
        let marker = String(repeating: " ", count: max(0, rankWidth - number.count)) + number + ". "
        let indent = String(repeating: " ", count: marker.count)
        let world = hit.worldID.map { "world \($0)" } ?? "global"
        var lines = [marker + Self.fixed(hit.score, 5) + "  " + hit.title + "  (\(hit.documentID) #\(hit.ordinal), v\(hit.version))  " + world]
        if !hit.headingPath.isEmpty {
            lines.append(indent + hit.headingPath.joined(separator: " › "))
        }
        let vector = hit.vectorRank.map { "vector #\($0) cos \(Self.fixed(hit.cosineSimilarity ?? 0, 3))" } ?? "vector –"
        let text = hit.textRank.map { "text #\($0) ts_rank_cd \(Self.fixed(hit.textScore ?? 0, 3))" } ?? "text –"
        lines.append(indent + vector + " · " + text)
        lines += wrap(hit.text, width: max(20, width - indent.count)).map { indent + $0 }
        return lines.joined(separator: "\n")
    }

    /// Whitespace collapsed, words wrapped at `width`, words longer than a line cut; at most `maxTextLines`
    /// lines, the last ending in "…" when text was left out.
    func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            var word = Substring(word)
            while word.count > width {
                if !line.isEmpty {
                    lines.append(line)
                    line = ""
                }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        guard maxTextLines > 0, lines.count > maxTextLines else { return lines }
        var kept = Array(lines.prefix(maxTextLines))
        var last = kept[kept.count - 1]
        while last.count + 2 > width, let space = last.lastIndex(of: " ") {
            last = String(last[..<space])
        }
        if last.count + 2 > width { last = String(last.prefix(max(0, width - 2))) }
        kept[kept.count - 1] = last + " …"
        return kept
    }

    /// `value` with `decimals` decimals, without locale-dependent formatting.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = String(Int(scaled - Double(whole) * scale))
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        return sign + "\(whole)." + String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
    }
}
