@testable import KnowledgeBase
import Testing

/// The embedding cache and the API's vector replica read vectors back from pgvector's text form: every float must
/// come back bit for bit, or a replay from the cache would not rebuild the tables exactly.
@Suite struct VectorTextTests {
    @Test func whatTheProjectionWritesComesBackBitForBit() {
        var generator = SystemRandomNumberGenerator()
        let special: [Float] = [0, -0.0, 1, -1, .leastNormalMagnitude, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 1e-5, 0.1, 123456.79]
        for _ in 0..<200 {
            let vector = special + (0..<384).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
                .filter(\.isFinite)
            let parsed = VectorText.parse(KnowledgeBaseSQL.vectorLiteral(vector))
            #expect(parsed?.map(\.bitPattern) == vector.map(\.bitPattern))
        }
    }

    @Test func pgvectorsOwnSpellingsParse() {
        #expect(VectorText.parse("[]") == [])
        #expect(VectorText.parse("[1]") == [1])
        #expect(VectorText.parse("[1e-05,-0.5,3.4028235e+38]") == [1e-5, -0.5, 3.4028235e+38])
        #expect(VectorText.parse("[ 1, 2 ]") == [1, 2])
    }

    @Test func anythingElseIsNotAVector() {
        for text in ["", "[", "]", "1,2", "[1,]", "[,1]", "[1,,2]", "[1;2]", "[a]", "(1,2)", "[1,2", "1,2]", "[1 2]"] {
            #expect(VectorText.parse(text) == nil, "\(text)")
        }
    }
}
