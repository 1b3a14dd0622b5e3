/// Why one line was skipped.
struct LineProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Reads an exposition line by line, filing samples into families; a bad line becomes a problem and the next line
/// is read as if it were the first.
struct ExpositionParser {
    let format: ExpositionFormat
    private var families: [MetricFamily] = []
    private var familyIndex: [String: Int] = [:]
    /// Families whose type a `# TYPE` line set (the others were made by a `# HELP`, `# UNIT` or a sample).
    private var declaredTypes: Set<String> = []
    /// The family the last metadata line or sample went to: the next samples most likely belong to it too.
    private var currentFamily: Int?
    private var problems: [ExpositionProblem] = []
    private var sawEOF = false
    private var reportedContentAfterEOF = false

    init(format: ExpositionFormat) {
        self.format = format
    }

    /// 0.0.4 calls a family without `# TYPE` untyped; OpenMetrics calls it unknown.
    private var undeclaredType: MetricType { format == .openMetrics ? .unknown : .untyped }

    static func parse(_ text: String, format: ExpositionFormat?) -> Exposition {
        let lines = splitLines(text)
        let format = format ?? detectFormat(lines)
        var parser = ExpositionParser(format: format)
        for (offset, line) in lines.enumerated() {
            parser.read(line: line, number: offset + 1)
        }
        if format == .openMetrics && !parser.sawEOF {
            parser.problems.append(
                ExpositionProblem(
                    line: max(lines.count, 1), reason: "no `# EOF` at the end: the scrape may have been cut short"))
        }
        return Exposition(format: format, families: parser.families, problems: parser.problems)
    }

    /// The lines without their terminators (`\n` or `\r\n`), a leading byte-order mark, or surrounding blanks.
    static func splitLines(_ text: String) -> [ArraySlice<UInt8>] {
        var bytes = ArraySlice(Array(text.utf8))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // The newline ending the last line does not open another one.
        if let last = lines.last, last.isEmpty, lines.count > 1 { lines.removeLast() }
        return lines.map { line in
            var trimmed = line
            while let last = trimmed.last, last == UInt8(ascii: "\r") || last.isBlank { trimmed.removeLast() }
            while let first = trimmed.first, first.isBlank { trimmed.removeFirst() }
            return trimmed
        }
    }

    /// OpenMetrics when the last non-empty line is `# EOF`, which that format requires and 0.0.4 never has.
    static func detectFormat(_ lines: [ArraySlice<UInt8>]) -> ExpositionFormat {
        guard let last = lines.last(where: { !$0.isEmpty }) else { return .prometheusText }
        return isEOF(last) ? .openMetrics : .prometheusText
    }

    private static func isEOF(_ line: ArraySlice<UInt8>) -> Bool {
        var cursor = LineCursor(line)
        guard cursor.current == UInt8(ascii: "#") else { return false }
        cursor.advance()
        cursor.skipBlanks()
        return cursor.rest.elementsEqual("EOF".utf8)
    }

    mutating func read(line: ArraySlice<UInt8>, number: Int) {
        if line.isEmpty { return }
        if sawEOF {
            if !reportedContentAfterEOF {
                reportedContentAfterEOF = true
                problems.append(ExpositionProblem(line: number, reason: "content after `# EOF` is ignored"))
            }
            return
        }
        do throws(LineProblem) {
            if line.first == UInt8(ascii: "#") {
                try readComment(line)
            } else {
                try file(Self.sample(line, format: format))
            }
        } catch {
            problems.append(ExpositionProblem(line: number, reason: error.reason))
        }
    }

    // MARK: Comments and metadata

    private mutating func readComment(_ line: ArraySlice<UInt8>) throws(LineProblem) {
        if Self.isEOF(line) {
            sawEOF = true
            return
        }
        var cursor = LineCursor(line)
        cursor.advance()  // #
        cursor.skipBlanks()
        let keyword = String(decoding: cursor.token(), as: UTF8.self)
        guard keyword == "HELP" || keyword == "TYPE" || keyword == "UNIT" else { return }  // an ordinary comment
        cursor.skipBlanks()
        guard let name = cursor.metricName() else {
            throw LineProblem("`# \(keyword)` is not followed by a metric name")
        }
        guard cursor.isAtEnd || cursor.current?.isBlank == true else {
            throw LineProblem("`# \(keyword)` names an invalid metric name \(excerpt(line.dropFirst(2)))")
        }
        cursor.skipBlanks()
        switch keyword {
        case "HELP": try declareHelp(Self.unescapeHelp(cursor.rest), of: name)
        case "UNIT": try declareUnit(String(decoding: cursor.rest, as: UTF8.self), of: name)
        default: try declareType(cursor.rest, of: name)
        }
    }

    private mutating func declareType(_ text: ArraySlice<UInt8>, of name: String) throws(LineProblem) {
        let typeName = String(decoding: text, as: UTF8.self).lowercased()
        guard !typeName.isEmpty else { throw LineProblem("`# TYPE \(name)` names no type") }
        guard let type = MetricType(rawValue: typeName) else {
            throw LineProblem("`# TYPE \(name)`: unknown type \(excerpt(text))")
        }
        let index = family(named: name)
        guard !declaredTypes.contains(name) else {
            throw LineProblem("second `# TYPE` for `\(name)`: the first one stands")
        }
        guard families[index].samples.isEmpty else {
            throw LineProblem("`# TYPE` for `\(name)` comes after its samples: ignored")
        }
        families[index].type = type
        declaredTypes.insert(name)
    }

    private mutating func declareHelp(_ help: String, of name: String) throws(LineProblem) {
        let index = family(named: name)
        guard families[index].help == nil else {
            throw LineProblem("second `# HELP` for `\(name)`: the first one stands")
        }
        families[index].help = help
    }

    private mutating func declareUnit(_ unit: String, of name: String) throws(LineProblem) {
        let index = family(named: name)
        guard families[index].unit == nil else {
            throw LineProblem("second `# UNIT` for `\(name)`: the first one stands")
        }
        families[index].unit = unit
    }

    /// The index of the family with this name, made (undeclared type) when there is none yet; it becomes current.
    private mutating func family(named name: String) -> Int {
        if let index = familyIndex[name] {
            currentFamily = index
            return index
        }
        families.append(MetricFamily(name: name, type: undeclaredType))
        let index = families.count - 1
        familyIndex[name] = index
        currentFamily = index
        return index
    }

    /// HELP text with `\\`, `\n` (and OpenMetrics' `\"`) unescaped; any other backslash is kept as written.
    static func unescapeHelp(_ bytes: ArraySlice<UInt8>) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var escaping = false
        for byte in bytes {
            if escaping {
                escaping = false
                switch byte {
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): result.append(byte)
                case UInt8(ascii: "n"): result.append(UInt8(ascii: "\n"))
                default: result.append(contentsOf: [UInt8(ascii: "\\"), byte])
                }
            } else if byte == UInt8(ascii: "\\") {
                escaping = true
            } else {
                result.append(byte)
            }
        }
        if escaping { result.append(UInt8(ascii: "\\")) }
        return String(decoding: result, as: UTF8.self)
    }

    // MARK: Samples

    /// Files a sample under the current family when its name fits it, else under the family its name (less a
    /// type's suffix) declares, else under a new undeclared family named after the sample.
    private mutating func file(_ sample: ExpositionSample) throws(LineProblem) {
        if let current = currentFamily, families[current].admits(sample.name) {
            families[current].samples.append(sample)
            return
        }
        let suffixes = ["", "_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"]
        for suffix in suffixes where sample.name.hasSuffix(suffix) && sample.name.count > suffix.count {
            let base = String(sample.name.dropLast(suffix.count))
            if let index = familyIndex[base], families[index].admits(sample.name) {
                families[index].samples.append(sample)
                currentFamily = index
                return
            }
        }
        if let index = familyIndex[sample.name] {
            throw LineProblem("sample `\(sample.name)` does not fit \(families[index].type.rawValue) `\(sample.name)`")
        }
        let index = family(named: sample.name)
        families[index].samples.append(sample)
    }

    /// One sample line: `name{label="value",...} value [timestamp] [# exemplar]`.
    static func sample(_ line: ArraySlice<UInt8>, format: ExpositionFormat) throws(LineProblem) -> ExpositionSample {
        var cursor = LineCursor(line)
        guard let name = cursor.metricName() else {
            throw LineProblem("expected a metric name, found \(excerpt(line))")
        }
        cursor.skipBlanks()
        var labels: [String: String] = [:]
        if cursor.current == UInt8(ascii: "{") {
            cursor.advance()
            labels = try labelSet(&cursor, of: name)
            cursor.skipBlanks()
        }
        let valueToken = cursor.token()
        guard !valueToken.isEmpty else { throw LineProblem("sample `\(name)` has no value") }
        guard let value = parseExpositionFloat(valueToken) else {
            throw LineProblem("value \(excerpt(valueToken)) of `\(name)` is not a number")
        }
        cursor.skipBlanks()
        var timestamp: Double?
        if !cursor.isAtEnd && cursor.current != UInt8(ascii: "#") {
            let token = cursor.token()
            timestamp = try Self.timestamp(token, format: format, of: name)
            cursor.skipBlanks()
        }
        // What follows ` # ` is an OpenMetrics exemplar; it is not a sample of its own and is skipped.
        guard cursor.isAtEnd || cursor.current == UInt8(ascii: "#") else {
            throw LineProblem("unexpected \(excerpt(cursor.rest)) after the value of `\(name)`")
        }
        return ExpositionSample(name: name, labels: labels, value: value, timestamp: timestamp)
    }

    private static func timestamp(
        _ token: ArraySlice<UInt8>, format: ExpositionFormat, of name: String
    ) throws(LineProblem) -> Double {
        switch format {
        case .prometheusText:
            guard let milliseconds = Int64(String(decoding: token, as: UTF8.self)) else {
                throw LineProblem("timestamp \(excerpt(token)) of `\(name)` is not integer milliseconds")
            }
            return Double(milliseconds) / 1000
        case .openMetrics:
            guard let seconds = parseExpositionFloat(token), seconds.isFinite else {
                throw LineProblem("timestamp \(excerpt(token)) of `\(name)` is not a number of seconds")
            }
            return seconds
        }
    }

    /// The labels after `{`, through the closing `}`; a trailing comma is allowed.
    private static func labelSet(_ cursor: inout LineCursor, of name: String) throws(LineProblem) -> [String: String] {
        var labels: [String: String] = [:]
        while true {
            cursor.skipBlanks()
            if cursor.current == UInt8(ascii: "}") {
                cursor.advance()
                return labels
            }
            guard let label = cursor.labelName() else {
                if cursor.isAtEnd { throw LineProblem("labels of `\(name)` are not closed by `}`") }
                throw LineProblem("expected a label name in `\(name)`, found \(excerpt(cursor.rest))")
            }
            cursor.skipBlanks()
            guard cursor.current == UInt8(ascii: "=") else {
                throw LineProblem("label `\(label)` of `\(name)` has no `=`")
            }
            cursor.advance()
            cursor.skipBlanks()
            guard cursor.current == UInt8(ascii: "\"") else {
                throw LineProblem("value of label `\(label)` of `\(name)` is not in double quotes")
            }
            cursor.advance()
            let value = try labelValue(&cursor, label: label, of: name)
            guard labels.updateValue(value, forKey: label) == nil else {
                throw LineProblem("label `\(label)` appears twice in `\(name)`")
            }
            cursor.skipBlanks()
            switch cursor.current {
            case UInt8(ascii: ","): cursor.advance()
            case UInt8(ascii: "}"): continue
            case nil: throw LineProblem("labels of `\(name)` are not closed by `}`")
            default:
                throw LineProblem("expected `,` or `}` after label `\(label)` of `\(name)`, found \(excerpt(cursor.rest))")
            }
        }
    }

    /// A label value after its opening quote, through the closing one: `\\`, `\"` and `\n` are its only escapes.
    private static func labelValue(_ cursor: inout LineCursor, label: String, of name: String) throws(LineProblem) -> String {
        var value: [UInt8] = []
        while let byte = cursor.current {
            cursor.advance()
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = cursor.current else { break }
                cursor.advance()
                switch escaped {
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(escaped)
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                default:
                    throw LineProblem(
                        "value of label `\(label)` of `\(name)` has an invalid escape \(excerpt([UInt8(ascii: "\\"), escaped]))")
                }
            default:
                value.append(byte)
            }
        }
        throw LineProblem("value of label `\(label)` of `\(name)` has no closing quote")
    }
}
