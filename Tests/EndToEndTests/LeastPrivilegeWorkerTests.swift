import Foundation
import Testing
import TestSupport

/// Issue 5, least privilege: a worker connected as a login granted only its projection's writer role runs without
/// DDL rights, on tables the owner migrated with `annals migrate --roles`, and on through a blue/green replay.
@Suite("Least privilege", .timeLimit(.minutes(3)))
struct LeastPrivilegeWorkerTests {
    @Test func aStoryWorkerLoggedInAsTheStoryWriterProjectsEveryEvent() async throws {
        let stack = try StoryStack(name: "least_privilege")
        let roles = try TestRoles()
        defer {
            stack.tearDown()
            try? roles.drop()
        }
        let (migrated, output) = try await stack.runCLI(
            ["migrate", "--roles", "--role-prefix", roles.prefix, "--database-url", stack.database.url])
        try #require(migrated == .exited(0), "\(output)")
        #expect(output.contains("role \(roles.prefix)_story_writer writes story"), "\(output)")
        let login = try await StoryStack.blocking { try roles.createLogin("story_worker", memberOf: ["\(roles.prefix)_story_writer"]) }

        let generator = StoryEventGenerator(worlds: 10, prefix: "least-privilege")
        try await generator.publish(0..<2_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("least-privilege"), batchSize: 500,
                                           databaseURL: stack.database.url(as: login))
        defer { _ = try? worker.kill(SIGKILL) }
        try await stack.waitForCheckpoints(total: 2_000, workers: [worker])
        try await waitUntil(timeout: .seconds(90), description: "the worker's heartbeat in annals.workers") {
            try await stack.count("annals.workers") == 1
        }

        // The owner rebuilds the tables blue/green: the schema swapped in is a new one, granted to the writer as
        // it was created, so the worker carries on in it.
        let (replayed, replayLog) = try await stack.runCLI(["replay", "story"] + stack.connectionArguments)
        #expect(replayed == .exited(0) && replayLog.contains("swapped it in"), "\(replayLog)")
        try await generator.publish(2_000..<3_000, with: stack.producer)
        try await stack.waitForCheckpoints(total: 3_000, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        #expect(try await stack.count("story.events") == 3_000)
        #expect(try await stack.count("annals.dead_letters") == 0)
        #expect(try await stack.rowsDifferingFromGenerator(generator, 0..<3_000).isEmpty)
        // The worker created nothing: every story table still belongs to the owner who migrated.
        let owners = try await stack.query(
            "SELECT DISTINCT tableowner::text AS owner, current_user::text AS migrator FROM pg_tables WHERE schemaname = 'story'")
        #expect(try owners.map { try $0.string("owner") } == owners.map { try $0.string("migrator") } && owners.count == 1)
        #expect(!worker.log().contains("permission denied"), "\(worker.logTail())")
    }
}
