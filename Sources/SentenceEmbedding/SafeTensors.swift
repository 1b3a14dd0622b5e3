import Foundation

/// The tensors of a `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the data. Only 32-bit float tensors can be read, which is what the model has.
struct SafeTensors {
    private struct Entry {
        let dtype: String
        let shape: [Int]
        let start: Int
        let end: Int
    }

    private let data: Data
    private let dataStart: Int
    private let entries: [String: Entry]

    /// Reads the header of `data`; throws when it is malformed.
    init(_ data: Data) throws(ModelError) {
        guard data.count >= 8 else { throw .weights("the file is shorter than its header length") }
        let headerLength = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(data.count - 8) else { throw .weights("the header runs past the end of the file") }
        let header = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw .weights("the header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= data.count - 8 - Int(headerLength)
            else { throw .weights("tensor \(name) has a malformed entry") }
            entries[name] = Entry(dtype: dtype, shape: shape, start: offsets[0], end: offsets[1])
        }
        self.data = data
        self.dataStart = 8 + Int(headerLength)
        self.entries = entries
    }

    /// The float tensor `name`, which must have `shape`, in row-major order.
    func floats(_ name: String, shape: [Int]) throws(ModelError) -> [Float] {
        guard let entry = entries[name] else { throw .weights("no tensor \(name)") }
        guard entry.dtype == "F32" else { throw .weights("\(name) is \(entry.dtype), not F32") }
        guard entry.shape == shape else { throw .weights("\(name) has shape \(entry.shape), not \(shape)") }
        let count = shape.reduce(1, *)
        guard entry.end - entry.start == count * MemoryLayout<Float>.size else {
            throw .weights("\(name) has \(entry.end - entry.start) bytes for \(count) floats")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { target in
            data.withUnsafeBytes { source in
                // safetensors is little-endian, as is every platform this runs on.
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[(dataStart + entry.start)..<(dataStart + entry.end)]))
            }
        }
        return values
    }
}
