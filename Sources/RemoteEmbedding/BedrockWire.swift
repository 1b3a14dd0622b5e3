import Foundation

/// The JSON of Titan Text Embeddings v2's InvokeModel, and the checks that turn a response into a vector. No I/O.
enum BedrockWire {
    /// `{"dimensions": …, "inputText": …, "normalize": true}`.
    struct Request: Encodable, Equatable {
        var inputText: String
        var dimensions: Int
        /// Unit vectors, as the knowledge base's cosine search expects.
        var normalize = true
    }

    /// `{"embedding": [0.1, …], "inputTextTokenCount": n}`; other fields are ignored.
    struct Response: Decodable {
        /// Doubles, so that a value out of Float's range is reported rather than failing the decoding.
        var embedding: [Double]
        var inputTextTokenCount: Int?
    }

    /// The body of one call. Encoding a string and an integer cannot fail; an error would be JSONEncoder's own.
    static func body(text: String, dimension: Int) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(Request(inputText: text, dimensions: dimension)))
    }

    /// The vector in `body`, checked to have `dimension` finite components.
    static func vector(from body: [UInt8], dimension: Int, modelID: String) throws(BedrockEmbedderError) -> [Float] {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: Data(body))
        } catch {
            throw .malformedResponse("not a Titan embedding ({\"embedding\": [...]}): "
                + String(decoding: body.prefix(120), as: UTF8.self))
        }
        guard response.embedding.count == dimension else {
            throw .wrongDimension(expected: dimension, received: response.embedding.count, modelID: modelID)
        }
        if let position = response.embedding.firstIndex(where: { !$0.isFinite || abs($0) > Double(Float.greatestFiniteMagnitude) }) {
            throw .malformedResponse("component \(position) of the embedding is \(response.embedding[position]), not a finite number")
        }
        return response.embedding.map(Float.init)
    }
}
