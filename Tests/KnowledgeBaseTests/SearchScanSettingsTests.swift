import Postgres
import TestSupport
import Testing

@testable import KnowledgeBase

/// The statement every search's transaction starts with turns pgvector's iterative scan on (so a world-filtered
/// HNSW scan keeps going until it has enough of the world's rows) and sets ef_search, for that transaction only.
@Suite struct SearchScanSettingsTests {
    @Test(arguments: [SearchSettings(), SearchSettings(efSearch: 40, globalEfSearch: 30, iterativeScan: .strictOrder, maxScanTuples: 5_000)],
          [SearchSQL.Part.world("emberfall"), .global])
    func aSearchsTransactionRunsWithItsScanSettings(settings: SearchSettings, part: SearchSQL.Part) async throws {
        let (inside, after) = try await onOwnThread {
            let database = try TestDatabase.create(prefix: "kb_scan_settings")
            defer { try? database.drop() }
            let connection = try database.connect()
            try connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            let inside = try connection.transaction { tx in
                let statement = SearchSQL.scanSettings(settings, part: part, exact: false)
                try tx.execute(statement.sql, statement.parameters)
                return try ["hnsw.iterative_scan", "hnsw.ef_search", "hnsw.max_scan_tuples"].map { try tx.execute("SHOW \($0)").rows[0][0] }
            }
            return (inside, try connection.execute("SHOW hnsw.iterative_scan").rows[0][0])
        }
        #expect(inside[0] == settings.iterativeScan.rawValue)
        #expect(inside[1] == String(part == .global ? settings.globalEfSearch : settings.efSearch))
        if let maxScanTuples = settings.maxScanTuples { #expect(inside[2] == String(maxScanTuples)) }
        #expect(after == "off", "only for the search's transaction")
    }
}
