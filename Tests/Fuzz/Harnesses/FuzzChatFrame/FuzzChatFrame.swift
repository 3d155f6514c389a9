// libFuzzer harness: the chat frame decoder (docs/fuzzing.md).
//
// Input: 2 bytes of body limit (big-endian), 1 byte that seeds how the stream is cut into reads, then the
// byte stream a client sends. Checks, for any input:
// - `ChatFrameDecoder.decodeFrame` never crashes; each frame it returns consumed exactly its header and
//   body, has a body within the limit and encodes (`ChatFrameEncoder`) back to the bytes it was read from;
// - an incomplete frame consumes nothing; a refused one is `bodyTooLarge` naming that header's id and
//   length, and consumes nothing;
// - `ChatFrameStream` (what the chat server runs on each read), fed the same stream in arbitrary pieces,
//   yields the same frames and then the same error, and keeps no more bytes than the incomplete frame.
import FluxProtocol
import FuzzSupport
import NIOCore

@main enum FuzzChatFrame {
    static func main() { runFuzzer(fuzzOne) }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard input.count >= 3 else { return 0 }
    let requestedLimit = Int(UInt16(input[0]) << 8 | UInt16(input[1]))
    var seed = UInt64(input[2]) &+ 1
    let stream = ByteBuffer(bytes: input[3...])
    let limit = ChatFrameDecoder(maximumBodyLength: requestedLimit).maximumBodyLength
    check(limit == min(requestedLimit, ChatFrame.maximumBodyLength), "limit \(limit) for \(requestedLimit)")

    // The whole stream at once.
    var buffer = stream
    var frames: [ChatFrame] = []
    var failure: ChatFrameError?
    while true {
        let before = buffer
        do {
            guard let frame = try ChatFrameDecoder.decodeFrame(from: &buffer, maximumBodyLength: limit) else {
                check(buffer == before && buffer.readerIndex == before.readerIndex, "an incomplete frame consumed bytes")
                if before.readableBytes >= ChatFrame.headerLength {
                    let length = Int(before.getInteger(at: before.readerIndex + 2, as: UInt16.self)!)
                    check(before.readableBytes < ChatFrame.headerLength + length, "a complete frame was not returned")
                }
                break
            }
            let consumed = buffer.readerIndex - before.readerIndex
            check(consumed == ChatFrame.headerLength + frame.body.readableBytes, "consumed \(consumed) bytes")
            check(frame.body.readableBytes <= limit, "body of \(frame.body.readableBytes) bytes over the limit \(limit)")
            var encoded = ByteBuffer()
            try ChatFrameEncoder.encode(frame, into: &encoded)
            check(encoded == before.getSlice(at: before.readerIndex, length: consumed)!, "frame does not encode to its bytes")
            frames.append(frame)
        } catch let error as ChatFrameError {
            check(buffer.readerIndex == before.readerIndex, "a refused frame consumed bytes")
            let id = before.getInteger(at: before.readerIndex, as: UInt16.self)!
            let length = Int(before.getInteger(at: before.readerIndex + 2, as: UInt16.self)!)
            check(length > limit && error == .bodyTooLarge(id: id, length: length, limit: limit), "unexpected \(error)")
            failure = error
            break
        } catch {
            check(false, "unexpected error \(error)")
        }
    }

    // The same stream in pieces, as the chat server reads it.
    var reader = ChatFrameStream(maximumBodyLength: requestedLimit)
    var rest = stream
    var piped: [ChatFrame] = []
    var pipedFailure: ChatFrameError?
    while rest.readableBytes > 0, pipedFailure == nil {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let piece = rest.readSlice(length: min(rest.readableBytes, Int(seed >> 33) % 64 + 1))!
        reader.append(piece)
        do {
            while let frame = try reader.next() { piped.append(frame) }
            check(reader.pendingBytes < ChatFrame.headerLength + limit, "\(reader.pendingBytes) bytes kept for an incomplete frame")
        } catch {
            pipedFailure = error
        }
    }
    check(piped == frames, "\(piped.count) frames in pieces, \(frames.count) at once")
    check(pipedFailure == failure, "error \(String(describing: pipedFailure)) in pieces, \(String(describing: failure)) at once")
    return 0
}
