import Postgres
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("postgres://u:s3cret@127.0.0.1:5432/x", "postgres://u:xxxxx@127.0.0.1:5432/x"),
        ("postgresql://u:s3cret@h/db?sslmode=require", "postgresql://u:xxxxx@h/db?sslmode=require"),
        ("postgres://u@h/db?password=s3cret&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable"),
        ("postgres://u:p%40ss@h:1,h2:2/db", "postgres://u:xxxxx@h:1,h2:2/db"),
        ("postgres://h/db", "postgres://h/db"),
        ("host=h user=u password=s3cret dbname=x", "host=h user=u password=xxxxx dbname=x"),
        ("host=h password = 's3 cr\\'et' port=5", "host=h password = xxxxx port=5"),
        ("sslpassword=s3cret host=h", "sslpassword=xxxxx host=h"),
        ("", ""),
    ])
    func redactsPasswords(conninfo: String, expected: String) {
        #expect(redacted(conninfo) == expected)
    }

    @Test func unparseableConninfoIsHiddenEntirely() {
        #expect(!redacted("host=h password='s3cret").contains("s3cret"))
    }
}
