import NIOCore

/// Looks for a fixed byte string in a frame body without decoding its JSON: the only way the load
/// generator and the baseline relay look into bodies, so both stay cheap per frame.
enum BodyScan {
    /// The index just after the first occurrence of `marker` in `bytes`.
    static func end(of marker: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard !marker.isEmpty, bytes.count >= marker.count else { return nil }
        var start = 0
        while start <= bytes.count - marker.count {
            if bytes[start] == marker[0] {
                var offset = 1
                while offset < marker.count, bytes[start + offset] == marker[offset] { offset += 1 }
                if offset == marker.count { return start + offset }
            }
            start += 1
        }
        return nil
    }

    /// The decimal digits right after the first `marker` in `body`, if there are any.
    static func number(after marker: [UInt8], in body: ByteBuffer) -> UInt64? {
        body.withUnsafeReadableBytes { bytes -> UInt64? in
            guard var position = end(of: marker, in: bytes) else { return nil }
            let first = position
            var value: UInt64 = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                value = value &* 10 &+ UInt64(bytes[position] - 0x30)
                position += 1
            }
            return position > first ? value : nil
        }
    }
}
