import CZlib

/// gzip (RFC 1952) through zlib, the format archive segments are stored in (`gunzip` reads them).
enum Gzip {
    /// `bytes` compressed at zlib's default level.
    static func compress(_ bytes: [UInt8]) throws(ArchiveFormatError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .compression("zlib refused to start compressing")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw .compression("zlib could not finish compressing (status \(status))") }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// The bytes `compressed` holds (one gzip member), refused when they would exceed `limit` or do not end
    /// where the data does.
    static func decompress(_ compressed: [UInt8], limit: Int) throws(ArchiveFormatError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .compression("zlib refused to start decompressing")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var status = Z_OK
        var tooLarge = false
        compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while status == Z_OK {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if output.count + produced > limit {
                    tooLarge = true
                    return
                }
                output.append(contentsOf: chunk[..<produced])
                if status == Z_BUF_ERROR, stream.avail_in == 0 { return }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        if tooLarge { throw .malformed("it decompresses to more than \(limit) bytes") }
        guard status == Z_STREAM_END else { throw .malformed("not a complete gzip stream (zlib status \(status))") }
        guard stream.avail_in == 0 else { throw .malformed("\(stream.avail_in) bytes follow the gzip stream") }
        return output
    }
}
