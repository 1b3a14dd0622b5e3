/// A strict reader of the Prometheus text exposition format (version 0.0.4): `# HELP` / `# TYPE` lines and
/// samples `name{label="value",...} value [timestamp]`. Anything else is an error naming the line.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var text: String
        var problem: String
        var description: String { "line \(line) \(problem): \(text)" }
    }

    private(set) var types: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(parsing text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Malformed(line: 0, text: "", problem: "does not end in a newline") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ problem: String) -> Malformed { Malformed(line: number, text: String(line), problem: problem) }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#" else { continue }  // a plain comment
                switch parts[1] {
                case "TYPE":
                    guard parts.count == 4, Self.isMetricName(parts[2]),
                          ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw fail("bad TYPE") }
                    guard types[String(parts[2])] == nil else { throw fail("second TYPE for \(parts[2])") }
                    guard !samples.contains(where: { Self.family(of: $0.name, types: types) == String(parts[2]) }) else {
                        throw fail("TYPE after samples of \(parts[2])")
                    }
                    types[String(parts[2])] = String(parts[3])
                case "HELP":
                    guard Self.isMetricName(parts[2]) else { throw fail("bad HELP") }
                default: continue
                }
                continue
            }
            samples.append(try Self.sample(line, fail: fail))
        }
        for sample in samples where types[Self.family(of: sample.name, types: types)] == nil {
            throw Malformed(line: 0, text: sample.name, problem: "sample without a TYPE")
        }
    }

    /// Sum of the samples named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
        }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    private static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let type = types[base], type == "histogram" || type == "summary" { return base }
        }
        return name
    }

    private static func isMetricName<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":") }
    }

    private static func sample(_ line: Substring, fail: (String) -> Malformed) throws -> Sample {
        var rest = line.unicodeScalars[...]
        let name = String(String.UnicodeScalarView(rest.prefix { $0 != "{" && $0 != " " }))
        guard isMetricName(name) else { throw fail("bad metric name") }
        rest = rest.dropFirst(name.unicodeScalars.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = String(String.UnicodeScalarView(rest.prefix { $0 != "=" }))
                guard isMetricName(key), !key.contains(":") else { throw fail("bad label name") }
                rest = rest.dropFirst(key.unicodeScalars.count)
                guard rest.first == "=", rest.dropFirst().first == "\"" else { throw fail("label without =\"") }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let scalar = rest.popFirst() else { throw fail("unterminated label value") }
                    if scalar == "\"" { break }
                    if scalar == "\\" {
                        switch rest.popFirst() {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw fail("bad escape in label value")
                        }
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                }
                guard labels.updateValue(value, forKey: key) == nil else { throw fail("label \(key) twice") }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected , or }") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("no space before the value") }
        let fields = String(String.UnicodeScalarView(rest.dropFirst())).split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = number(fields[0]) else { throw fail("bad value") }
        if fields.count == 2 { guard Int64(fields[1]) != nil else { throw fail("bad timestamp") } }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}
