import Foundation
import TestSupport
import Testing

/// The web page at `/` in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium from
/// the venv): it lists the worlds, searches one, pages its story and shows a concept with its relationships.
@Suite struct WebPageTests {
    @Test func theWebPageSearchesAWorldReadsItsStoryAndShowsAConcept() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_web_page")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)
        // ANNALS_SCREENSHOT keeps the screenshot (docs/annals-api-page.png is made this way).
        let screenshot = ProcessInfo.processInfo.environment["ANNALS_SCREENSHOT"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("annals-web-page-\(getpid()).png").path
        let script = OpenAPIConformanceTests.root.appendingPathComponent("Tests/browser/web_page.py").path
        let result = try await OpenAPIConformanceTests.run(
            OpenAPIConformanceTests.venv.appendingPathComponent("bin/python").path,
            [script, "http://127.0.0.1:\(api.port)", screenshot])
        await api.stop()
        print(result.output)
        #expect(result.status == 0, "\(result.output)")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot was saved")
        if ProcessInfo.processInfo.environment["ANNALS_SCREENSHOT"] == nil { try? FileManager.default.removeItem(atPath: screenshot) }
    }
}
