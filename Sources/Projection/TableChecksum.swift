import Postgres

/// Order-independent checksums of a projection's tables, for proving two builds equal.
public enum TableChecksum {
    /// Per table: row count and the MD5 of the sorted MD5s of every row's text form.
    public static func checksums(of projection: any Projection, schema: String? = nil,
                                 connection: PostgresConnection) throws -> [(table: String, rows: Int, checksum: String)] {
        let schema = quoteIdentifier(schema ?? projection.schema)
        return try projection.tables.map { table in
            let result = try connection.execute(
                """
                SELECT count(*) AS rows, coalesce(md5(string_agg(h, '' ORDER BY h)), '') AS checksum
                FROM (SELECT md5(t::text) AS h FROM \(schema).\(quoteIdentifier(table)) t) rowhashes
                """)
            let row = result.rows.first
            return (table, try row?.int("rows") ?? 0, try row?.string("checksum") ?? "")
        }
    }
}
