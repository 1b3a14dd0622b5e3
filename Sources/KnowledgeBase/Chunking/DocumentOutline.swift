/// A run of text under one heading: the heading line itself and the paragraphs up to the next heading.
struct OutlineSection: Equatable {
    /// Headings above and including this section's own, outermost first.
    var headingPath: [String]
    /// Character spans of the heading line and each paragraph, trimmed, never empty, in order.
    var paragraphs: [Range<Int>]
}

/// Splits a document into sections at Markdown ATX headings (`#` to `######`) and sections into
/// paragraphs at blank lines. Lines inside ``` or ~~~ fences are never headings.
enum DocumentOutline {
    static func sections(of table: CharacterTable) -> [OutlineSection] {
        var sections: [OutlineSection] = []
        var current = OutlineSection(headingPath: [], paragraphs: [])
        var headingStack: [(level: Int, title: String)] = []
        var paragraph: Range<Int>? = nil
        var fence: Character? = nil

        func closeParagraph() {
            if let span = paragraph, !span.isEmpty { current.paragraphs.append(span) }
            paragraph = nil
        }

        var lineStart = 0
        while lineStart < table.count {
            var lineEnd = lineStart
            while lineEnd < table.count && !table.characters[lineEnd].isNewline { lineEnd += 1 }
            let line = lineStart..<lineEnd
            let content = table.trimmed(line)

            if content.isEmpty {
                closeParagraph()
            } else if fence == nil, let heading = heading(in: line, of: table) {
                closeParagraph()
                if !current.paragraphs.isEmpty { sections.append(current) }
                while let last = headingStack.last, last.level >= heading.level { headingStack.removeLast() }
                headingStack.append(heading)
                current = OutlineSection(headingPath: headingStack.map(\.title), paragraphs: [content])
            } else {
                if let marker = fenceMarker(in: content, of: table) {
                    if fence == nil { fence = marker } else if fence == marker { fence = nil }
                }
                if let open = paragraph {
                    paragraph = open.lowerBound..<content.upperBound
                } else {
                    paragraph = content
                }
            }
            lineStart = lineEnd + 1
        }
        closeParagraph()
        if !current.paragraphs.isEmpty { sections.append(current) }
        return sections
    }

    /// `level` and title of an ATX heading line: up to three spaces, 1–6 `#`, then whitespace or
    /// the end of the line; a closing run of `#` is dropped from the title.
    static func heading(in line: Range<Int>, of table: CharacterTable) -> (level: Int, title: String)? {
        let characters = table.characters
        var index = line.lowerBound
        var indent = 0
        while index < line.upperBound && characters[index] == " " && indent < 3 {
            index += 1
            indent += 1
        }
        var level = 0
        while index < line.upperBound && characters[index] == "#" {
            index += 1
            level += 1
        }
        guard (1...6).contains(level) else { return nil }
        guard index == line.upperBound || table.isWhitespace[index] else { return nil }
        var title = table.trimmed(index..<line.upperBound)
        var closing = title.upperBound
        while closing > title.lowerBound && characters[closing - 1] == "#" { closing -= 1 }
        if closing == title.lowerBound || table.isWhitespace[closing - 1] {
            title = table.trimmed(title.lowerBound..<closing)
        }
        return (level, table.text(title))
    }

    /// "`" or "~" when a trimmed line opens or closes a fence of three or more of them.
    private static func fenceMarker(in content: Range<Int>, of table: CharacterTable) -> Character? {
        guard content.count >= 3 else { return nil }
        let first = table.characters[content.lowerBound]
        guard first == "`" || first == "~" else { return nil }
        for index in content.lowerBound..<(content.lowerBound + 3) where table.characters[index] != first {
            return nil
        }
        return first
    }
}
