@testable import AnnalsCLI
import AnnalsMetrics
import Foundation
import Testing

/// `--policy FILE` / ANNALS_POLICY_FILE: partial YAML or JSON over the defaults, every problem named.
@Suite struct PolicyFileTests {
    static func problems(_ text: String) -> String {
        do {
            _ = try PolicyFile.parse(text, name: "policy.yaml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func partialYAMLKeepsTheDefaultsOfEveryKeyLeftOut() throws {
        let settings = try PolicyFile.parse("""
            # Backtest: a slower scale-in and a bigger gold tier.
            scaleInWindowMinutes: 30
            gold:
              maxInstances: 80
            scaleOutLimit:
              instances: 8
            """, name: "policy.yaml")
        var expected = ScalePolicySettings()
        expected.scaleInWindowMinutes = 30
        expected.gold.maxInstances = 80
        expected.scaleOutLimit.instances = 8
        #expect(settings == expected)
    }

    @Test func jsonIsReadToo() throws {
        let settings = try PolicyFile.parse(#"{"tolerance": 0.2, "bronze": {"gpuUtilizationTarget": 0.6}}"#, name: "policy.json")
        #expect(settings.tolerance == 0.2 && settings.bronze.gpuUtilizationTarget == 0.6)
        #expect(settings.bronze.maxInstances == ScalePolicySettings().bronze.maxInstances)
    }

    @Test func anEmptyFileMeansTheDefaults() throws {
        #expect(try PolicyFile.parse("", name: "empty.yaml") == ScalePolicySettings())
        #expect(try PolicyFile.parse("# nothing yet\n", name: "empty.yaml") == ScalePolicySettings())
    }

    @Test func unknownKeysAreNamedWithTheKnownOnes() {
        let message = Self.problems("scaleInWindowMinute: 30\ngold:\n  maxInstance: 80\n")
        #expect(message.contains("scaleInWindowMinute is not a setting"), "\(message)")
        #expect(message.contains("gold.maxInstance is not a setting; known here: gpuUtilizationTarget"), "\(message)")
        #expect(message.contains("scaleInWindowMinutes"), "\(message)")
    }

    @Test func valuesThePolicyCannotHonourAreNamed() {
        let message = Self.problems("tolerance: 1.5\nsilver:\n  minInstances: 0\n")
        #expect(message.contains("tolerance is 1.5"), "\(message)")
        #expect(message.contains("silver.minInstances is 0"), "\(message)")
    }

    @Test func wrongTypesAreNamedByTheirPath() {
        #expect(Self.problems("gold:\n  maxInstances: lots\n").contains("gold.maxInstances must be a whole number"))
        #expect(Self.problems("gold: 5\n").contains("gold must be a mapping of"))
        #expect(Self.problems("- 1\n- 2\n").contains("must hold a mapping of settings"))
    }

    @Test func theFlagWinsOverTheEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("annals-policy-\(UUID().uuidString).yaml")
        try "tolerance: 0.25\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let fromEnvironment = try PolicyOptions.parse([]).settings(environment: ["ANNALS_POLICY_FILE": file.path])
        #expect(fromEnvironment.settings.tolerance == 0.25 && fromEnvironment.source == file.path)
        #expect(try PolicyOptions.parse([]).settings(environment: [:]).source == "defaults")
        let missing = "/nonexistent/policy.yaml"
        #expect(throws: CLIError.self) {
            try PolicyOptions.parse(["--policy", missing]).settings(environment: ["ANNALS_POLICY_FILE": file.path])
        }
    }
}
