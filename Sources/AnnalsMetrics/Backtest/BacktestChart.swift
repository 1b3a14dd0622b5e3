/// Renders a backtest as an SVG chart: one panel per tier, demand (instance-equivalents) against capacity over
/// event time, the tier's maximum dashed, a legend. Plain string building: the same report gives the same bytes.
public enum BacktestChart {
    /// Layout in SVG user units.
    static let width = 960.0
    static let left = 64.0
    static let right = 24.0
    static let top = 96.0
    static let panelHeight = 180.0
    static let panelGap = 56.0
    static let bottom = 24.0

    static let demandColour = "#d95f02"
    static let capacityColour = "#1b6ca8"
    static let maximumColour = "#888888"

    /// The chart of `report`; `title` heads it.
    public static func svg(_ report: BacktestReport, title: String = "Backtest: demand against capacity") -> String {
        let panels = report.tiers.filter { !$0.minutes.isEmpty }
        let height = top + Double(max(1, panels.count)) * (panelHeight + panelGap) - panelGap + bottom + 24
        var svg = SVGText()
        svg.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.line("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">")
        svg.line("<title>\(escape(title))</title>")
        svg.line("<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>")
        svg.line("<text x=\"\(f(left))\" y=\"24\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>")
        svg.line("<text x=\"\(f(left))\" y=\"42\" fill=\"#555555\">policy \(escape(report.policyVersion)), "
            + "provisioning delay \(report.settings.provisioningDelayMinutes) min</text>")
        legend(&svg)
        guard let first = panels.compactMap({ $0.minutes.first?.minute }).min(),
              let last = panels.compactMap({ $0.minutes.last?.minute }).max() else {
            svg.line("<text x=\"\(f(left))\" y=\"\(f(top + 24))\">no samples</text>")
            svg.line("</svg>")
            return svg.text
        }
        let span = Double(last.minutes(since: first) + 1)
        for (index, tier) in panels.enumerated() {
            panel(&svg, tier, limits: report.settings.policy.clamped[tier.tier], first: first, span: span,
                  y0: top + Double(index) * (panelHeight + panelGap))
        }
        svg.line("</svg>")
        return svg.text
    }

    private static func legend(_ svg: inout SVGText) {
        let items = [
            ("demand (instance-equivalents)", demandColour, ""), ("capacity", capacityColour, ""),
            ("tier maximum", maximumColour, " stroke-dasharray=\"6 4\""),
        ]
        var x = left
        svg.line("<g class=\"legend\">")
        for (label, colour, dash) in items {
            svg.line("<line x1=\"\(f(x))\" y1=\"58\" x2=\"\(f(x + 24))\" y2=\"58\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>")
            svg.line("<text x=\"\(f(x + 30))\" y=\"62\">\(escape(label))</text>")
            x += 30 + Double(label.count) * 6.5 + 24
        }
        svg.line("</g>")
    }

    private static func panel(
        _ svg: inout SVGText, _ tier: TierBacktest, limits: TierScaleSettings, first: Minute, span: Double, y0: Double
    ) {
        let plotWidth = width - left - right
        let peakDemand = tier.minutes.compactMap(\.demand).max() ?? 0
        let peakCapacity = tier.minutes.map(\.capacity).max() ?? 0
        // Demand far above the ceiling (a backlog) would flatten everything else: it is clipped at twice the maximum.
        let highest = max(Double(limits.maxInstances), Double(peakCapacity), min(peakDemand, 2 * Double(limits.maxInstances)))
        let yStep = niceStep(highest / 5)
        let yMax = (highest / yStep).rounded(.up) * yStep
        func x(_ minute: Minute, _ offset: Double = 0) -> Double {
            left + (Double(minute.minutes(since: first)) + offset) / span * plotWidth
        }
        func y(_ value: Double) -> Double { y0 + panelHeight - min(max(value, 0), yMax) / yMax * panelHeight }

        svg.line("<g class=\"tier\" id=\"\(escape(tier.tier.name))\">")
        svg.line("<text x=\"\(f(left))\" y=\"\(f(y0 - 8))\" font-weight=\"bold\">\(escape(tier.tier.name))</text>")
        svg.line("<text x=\"\(f(left + 56))\" y=\"\(f(y0 - 8))\" fill=\"#555555\">\(tier.decisions.count) decisions, "
            + "\(tier.minutesUnderTarget) minutes under target, \(tier.instanceMinutesProvisioned) instance-minutes "
            + "provisioned vs \(tier.instanceMinutesNeeded) needed"
            + (peakDemand > yMax ? "; demand clipped at \(Figures.short(yMax)) (peak \(Figures.short(peakDemand, decimals: 0)))" : "")
            + "</text>")
        var tick = 0.0
        while tick <= yMax + 1e-9 {
            svg.line("<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#eeeeee\"/>")
            svg.line("<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Figures.short(tick))</text>")
            tick += yStep
        }
        let xStep = [5, 10, 15, 30, 60, 120, 240, 360, 720, 1_440].first { span / Double($0) <= 12 } ?? 2_880
        var m = first
        while Double(m.minutes(since: first)) <= span {
            if m.index % Int64(xStep) == 0 {
                svg.line("<line x1=\"\(f(x(m)))\" y1=\"\(f(y0 + panelHeight))\" x2=\"\(f(x(m)))\" y2=\"\(f(y0 + panelHeight + 4))\" stroke=\"#333333\"/>")
                svg.line("<text x=\"\(f(x(m)))\" y=\"\(f(y0 + panelHeight + 16))\" text-anchor=\"middle\">\(clock(m))</text>")
            }
            m = m.advanced(by: 1)
        }
        svg.line("<line x1=\"\(f(left))\" y1=\"\(f(y0))\" x2=\"\(f(left))\" y2=\"\(f(y0 + panelHeight))\" stroke=\"#333333\"/>")
        svg.line("<line x1=\"\(f(left))\" y1=\"\(f(y0 + panelHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(y0 + panelHeight))\" stroke=\"#333333\"/>")
        svg.line("<line class=\"maximum\" x1=\"\(f(left))\" y1=\"\(f(y(Double(limits.maxInstances))))\" x2=\"\(f(width - right))\" "
            + "y2=\"\(f(y(Double(limits.maxInstances))))\" stroke=\"\(maximumColour)\" stroke-dasharray=\"6 4\"/>")

        var capacity: [String] = []
        for minute in tier.minutes {
            let level = f(y(Double(minute.capacity)))
            capacity.append("\(f(x(minute.minute))),\(level)")
            capacity.append("\(f(x(minute.minute, 1))),\(level)")
        }
        svg.line("<polyline class=\"capacity\" fill=\"none\" stroke=\"\(capacityColour)\" stroke-width=\"2\" points=\"\(capacity.joined(separator: " "))\"/>")
        // Demand is drawn at each minute's middle; minutes without samples break the line.
        var run: [String] = []
        func flush() {
            if !run.isEmpty {
                svg.line("<polyline class=\"demand\" fill=\"none\" stroke=\"\(demandColour)\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"/>")
            }
            run = []
        }
        for minute in tier.minutes {
            guard let demand = minute.demand else {
                flush()
                continue
            }
            run.append("\(f(x(minute.minute, 0.5))),\(f(y(demand)))")
        }
        flush()
        svg.line("</g>")
    }

    /// 1, 2 or 5 × a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        for factor in [1.0, 2, 5, 10] where magnitude * factor >= raw { return magnitude * factor }
        return magnitude * 10
    }

    /// `18:05` from the minute's UTC time.
    private static func clock(_ minute: Minute) -> String {
        let text = minute.description
        guard let t = text.firstIndex(of: "T") else { return text }
        return String(text[text.index(after: t)...].dropLast())
    }

    private static func f(_ value: Double) -> String { Figures.fixed(value, decimals: 1) }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Lines of SVG.
private struct SVGText {
    var text = ""
    mutating func line(_ line: String) { text += line + "\n" }
}
