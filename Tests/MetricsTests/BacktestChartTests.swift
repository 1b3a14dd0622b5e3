import Foundation
import AnnalsMetrics
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `XMLElement.attribute(forName:)` answers nil on Linux's FoundationXML; the attribute list is reliable.
private func attribute(_ node: XMLNode?, _ name: String) -> String? {
    (node as? XMLElement)?.attributes?.first { $0.name == name }?.stringValue
}

@Suite struct BacktestChartTests {
    static let report = Backtest.run(LoadTrace.spike.samples())

    @Test func chartIsWellFormedSVGWithAPanelPerTier() throws {
        let svg = BacktestChart.svg(Self.report, title: "Spike <5×> & back")
        let document = try XMLDocument(xmlString: svg, options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "svg")
        #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let panels = try root.nodes(forXPath: "//*[local-name()='g'][@class='tier']")
        #expect(panels.compactMap { attribute($0, "id") } == ["gold", "silver", "bronze"])
        #expect(try root.nodes(forXPath: "//*[local-name()='polyline'][@class='capacity']").count == 3)
        #expect(try root.nodes(forXPath: "//*[local-name()='polyline'][@class='demand']").count >= 3)
        #expect(try root.nodes(forXPath: "//*[local-name()='title']").first?.stringValue == "Spike <5×> & back")
    }

    @Test func sameReportGivesTheSameBytes() {
        #expect(BacktestChart.svg(Self.report) == BacktestChart.svg(Backtest.run(LoadTrace.spike.samples())))
    }

    @Test func everyPointLiesInsideTheCanvas() throws {
        let svg = BacktestChart.svg(Self.report)
        let document = try XMLDocument(xmlString: svg, options: [])
        let root = try #require(document.rootElement())
        let width = try #require(Double(attribute(root, "width") ?? ""))
        let height = try #require(Double(attribute(root, "height") ?? ""))
        for node in try root.nodes(forXPath: "//*[local-name()='polyline']") {
            let points = attribute(node, "points") ?? ""
            for pair in points.split(separator: " ") {
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                #expect(xy.count == 2)
                #expect((0...width).contains(xy[0]) && (0...height).contains(xy[1]), "\(pair)")
            }
        }
    }

    @Test func emptyReportStillRenders() throws {
        let svg = BacktestChart.svg(Backtest.run([]))
        _ = try XMLDocument(xmlString: svg, options: [])
        #expect(svg.contains(">no samples<"))
    }
}
