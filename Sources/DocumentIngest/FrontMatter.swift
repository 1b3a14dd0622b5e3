/// A markdown file cut at its front matter: the YAML between the opening `---` line and the closing `---` (or `...`)
/// line, and the markdown body after it. Line endings may be `\n` or `\r\n`; a leading byte-order mark is ignored.
struct FrontMatter: Equatable {
    var yaml: String
    /// File line of the YAML's first line, so YAML positions can be reported as file lines.
    var yamlFirstLine: Int
    /// Everything after the closing delimiter line, byte for byte.
    var body: String
    /// File line of the closing delimiter.
    var closingLine: Int

    /// Throws when there is no front matter or it is never closed; `path` names the file in the error.
    static func split(_ text: String, path: String) throws(DocumentFileError) -> FrontMatter {
        var text = Substring(text)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        // "\r\n" is one Character in Swift, unequal to "\n": split on both.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        guard let first = lines.first, isDelimiter(first, closing: false) else {
            throw DocumentFileError(path: path, line: 1, "no front matter: the file must start with a `---` line, then YAML "
                + "(id, version, title…), then a `---` line, then the markdown")
        }
        guard let closing = lines.indices.dropFirst().first(where: { isDelimiter(lines[$0], closing: true) }) else {
            throw DocumentFileError(path: path, line: 1, "the front matter opened here is never closed: add a `---` line after the YAML")
        }
        let yamlStart = lines[1].startIndex
        let bodyStart = closing + 1 < lines.count ? lines[closing + 1].startIndex : text.endIndex
        return FrontMatter(
            yaml: String(text[yamlStart..<lines[closing].startIndex]), yamlFirstLine: 2,
            body: String(text[bodyStart...]), closingLine: closing + 1)
    }

    private static func isDelimiter(_ line: Substring, closing: Bool) -> Bool {
        var line = line
        while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
        return line == "---" || (closing && line == "...")
    }
}
