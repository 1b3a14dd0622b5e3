import Foundation
import Postgres
import Projection
import Scaling
import Testing
import TestSupport

/// `annals cost` against decisions recorded in `scaling.decisions`, with prices from a file.
@Suite struct CostCommandTests {
    @Test func theRecordedCapacityIsPricedByTierAndByUTCDay() async throws {
        let database = try TestDatabase.create(prefix: "cost")
        defer { try? database.drop() }
        let db = try database.connect()
        try ProjectionMigrator.migrate(ScalingProjection(), connection: db)
        // gold: 8 + 2 from 22:30 (before the period), 16 + 4 from 00:00; silver: 4 + 1 from 23:40; one after the end.
        let decisions: [(id: String, tier: String, at: String, spot: Int, onDemand: Int)] = [
            ("g1", "gold", "2026-12-05T22:30:00Z", 8, 2), ("g2", "gold", "2026-12-06T00:00:00Z", 16, 4),
            ("s1", "silver", "2026-12-05T23:40:00Z", 4, 1), ("g3", "gold", "2026-12-06T01:00:00Z", 40, 10),
        ]
        for (offset, decision) in decisions.enumerated() {
            try db.execute(
                """
                INSERT INTO scaling.decisions (decision_id, event_id, tier, current_capacity, desired_capacity, desired_spot,
                    desired_on_demand, reason, policy_version, decided_at, superseded, occurred_at, producer, topic,
                    partition, "offset")
                VALUES ($1, $1, $2, 0, $3, $4, $5, 'test', 'v1', $6::timestamptz, false, $6::timestamptz, 'test',
                        'scale-decision', 0, $7)
                """,
                [PostgresValue(decision.id), PostgresValue(decision.tier), .int(decision.spot + decision.onDemand),
                 .int(decision.spot), .int(decision.onDemand), PostgresValue(decision.at), .int(offset)])
        }
        let prices = ChildProcess.temporaryPath(name: "prices", suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: prices) }
        try #"{"region": "test", "prices": {"g5.xlarge": {"onDemand": 1, "spot": 0.25}, "g5.2xlarge": {"onDemand": 2, "spot": 0.5}}}"#
            .write(toFile: prices, atomically: true, encoding: .utf8)

        let run = try await CommandLineTests.annals([
            "cost", "--since", "2026-12-05T23:30:00Z", "--until", "2026-12-06T00:30:00Z", "--prices", prices, "--json",
            "--database-url", database.url,
        ])
        #expect(run.status == .exited(0), "\(run)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tiers = try #require(report["tiers"] as? [[String: Any]])
        func figure(_ tier: String, _ key: String) -> Double {
            let entry = tier == "total" ? report["total"] : tiers.first { $0["tier"] as? String == tier }?["cost"]
            return (entry as? [String: Any])?[key] as? Double ?? -1
        }
        // gold: 30 min at 8 × $0.25 + 2 × $1 = $4/h, then 30 min at 16 × 0.25 + 4 = $8/h → $2 + $4.
        #expect(abs(figure("gold", "dollars") - 6) < 1e-9, "\(run)")
        #expect(abs(figure("gold", "spotHours") - 12) < 1e-9 && abs(figure("gold", "onDemandHours") - 3) < 1e-9)
        #expect(abs(figure("gold", "dollarsAtPeak") - 8) < 1e-9, "20 instances (16 + 4) the whole hour")
        #expect(abs(figure("gold", "dollarsAllOnDemand") - 15) < 1e-9, "5 + 10 instance-hours at $1")
        // silver: 50 min at 4 × $0.5 + 1 × $2 = $4/h.
        #expect(abs(figure("silver", "dollars") - 4 * 50 / 60) < 1e-9)
        #expect(abs(figure("silver", "dollarsAllOnDemand") - 5 * 2 * 50 / 60) < 1e-9)
        #expect(figure("bronze", "dollars") == 0, "no bronze decision: nothing counted")
        #expect(abs(figure("total", "dollars") - (6 + 4.0 * 50 / 60)) < 1e-9)

        let days = try #require(report["days"] as? [[String: Any]])
        #expect(days.map { $0["day"] as? String } == ["2026-12-05", "2026-12-06"])
        let first = try #require(days.first?["dollars"] as? [String: Double])
        let second = try #require(days.last?["dollars"] as? [String: Double])
        #expect(abs((first["gold"] ?? 0) - 2) < 1e-9 && abs((first["silver"] ?? 0) - 4.0 * 20 / 60) < 1e-9)
        #expect(abs((second["gold"] ?? 0) - 4) < 1e-9 && abs((second["silver"] ?? 0) - 2) < 1e-9)
        #expect(abs((first["total"] ?? 0) + (second["total"] ?? 0) - figure("total", "dollars")) < 1e-9)

        let text = try await CommandLineTests.annals([
            "cost", "--since", "2026-12-05T23:30:00Z", "--until", "2026-12-06T00:30:00Z", "--prices", prices,
            "--database-url", database.url,
        ])
        #expect(text.stdout.contains("gold at g5.xlarge ($1.00 on demand, $0.25 spot an hour): $6.00"), "\(text)")
        #expect(text.stdout.contains("2026-12-06  $6.00"), "\(text)")
        let backwards = try await CommandLineTests.annals(["cost", "--since", "2026-12-06T00:00:00Z", "--until", "2026-12-05T00:00:00Z",
                                                           "--database-url", database.url])
        #expect(backwards.status != .exited(0) && backwards.stderr.contains("--since must be before --until"), "\(backwards)")
    }
}
