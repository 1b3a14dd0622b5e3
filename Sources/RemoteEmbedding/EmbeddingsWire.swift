import Foundation

/// The JSON of the OpenAI embeddings API (`POST <base>/embeddings`), and the checks that
/// turn a response into one vector per input, in input order. No I/O.
enum EmbeddingsWire {
    /// `{"model": …, "input": […], "encoding_format": "float", "dimensions": …}`.
    struct Request: Encodable, Equatable {
        var model: String
        var input: [String]
        var encodingFormat = "float"
        /// Sent only when the settings ask for it: many models and local servers reject it.
        var dimensions: Int?

        enum CodingKeys: String, CodingKey {
            case model, input, dimensions
            case encodingFormat = "encoding_format"
        }

        func encoded() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(self)
        }
    }

    /// `{"data": [{"index": 0, "embedding": [0.1, …]}, …]}`; other fields are ignored.
    struct Response: Decodable {
        struct Item: Decodable {
            /// Position of the input this vector belongs to; servers that omit it list vectors in input order.
            var index: Int?
            var embedding: [Float]
        }

        var data: [Item]
    }

    /// The vectors of `body`, reordered by `index` into input order, checked against the
    /// number of inputs and the dimension.
    static func vectors(from body: Data, inputCount: Int, dimension: Int, model: String) throws(OpenAIEmbedderError) -> [[Float]] {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: body)
        } catch {
            throw .malformedResponse(describe(error))
        }
        guard response.data.count == inputCount else {
            throw .wrongVectorCount(expected: inputCount, received: response.data.count)
        }
        var ordered = [[Float]?](repeating: nil, count: inputCount)
        for (position, item) in response.data.enumerated() {
            let index = item.index ?? position
            guard ordered.indices.contains(index) else {
                throw .malformedResponse("data[\(position)].index is \(index), outside 0..<\(inputCount)")
            }
            guard ordered[index] == nil else {
                throw .malformedResponse("data[\(position)].index \(index) appears twice")
            }
            guard item.embedding.count == dimension else {
                throw .wrongDimension(expected: dimension, received: item.embedding.count, model: model)
            }
            ordered[index] = item.embedding
        }
        // Counts match and no index repeats, so every slot is filled.
        return ordered.compactMap { $0 }
    }

    /// The server's own words from an error body: `error.message` (OpenAI, vLLM), `error` as
    /// a string (text-embeddings-inference, Ollama), `message` or `detail`; else the body
    /// itself. Passed through `redact` before it is cut, so no part of a secret survives the
    /// cut; whitespace collapsed, at most `limit` characters.
    static func errorMessage(from body: Data, limit: Int = 200, redacting redact: (String) -> String = { $0 }) -> String {
        let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        let candidates: [Any?] = [
            (object?["error"] as? [String: Any])?["message"], object?["error"], object?["message"], object?["detail"],
        ]
        let text = candidates.lazy.compactMap { $0 as? String }.first
            ?? String(decoding: body, as: UTF8.self)
        let collapsed = redact(text).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard !collapsed.isEmpty else { return "(empty body)" }
        return collapsed.count > limit ? String(collapsed.prefix(limit)) + "…" : collapsed
    }

    private static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "the body" : String(path.drop(while: { $0 == "." }))
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context)) has no \"\(key.stringValue)\" (is the endpoint an OpenAI-compatible /embeddings?)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(path(context)) has the wrong type: \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "\(path(context)) is not valid JSON: \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
