// libFuzzer harness: what an RPC peer can send (docs/fuzzing.md).
//
// The first input byte picks what the rest is.
// Even: one RPC message after framing, as an authenticated peer could send it.
// - `RPCEnvelope.decode` never crashes, accepts exactly the messages whose header is complete (kind 1–3,
//   id, method name or error code) and reads the id right; what it decodes encodes back to the same
//   envelope (when the method name still fits its one-byte length);
// - `RPCServerHandler` given the message answers a call with one error envelope (no method is registered)
//   and closes the connection on anything else.
// Odd: the byte stream an unauthenticated peer sends to an RPC listener (4-byte length framing).
// - the handshake state machine (server side, and client side too) never finishes without the secret:
//   the server answers only a well-formed hello, with one challenge, and refuses everything after a failure;
// - the server pipeline (`RPCPipeline.configureServer` on an embedded channel: framing, handshake
//   handler, call handler) never writes anything but one challenge: no acceptance, no RPC answer.
@testable import FluxRPC
import FluxProtocol
import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded

@main enum FuzzRPC {
    static func main() { runFuzzer(fuzzOne) }
}

let secret = Array("the-cluster-secret-of-32-bytes-or-more".utf8)
let clientNonce = [UInt8](repeating: 0xC1, count: RPCHandshake.nonceLength)
let serverNonce = [UInt8](repeating: 0x5E, count: RPCHandshake.nonceLength)
let quiet = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let peer = try! SocketAddress(ipAddress: "127.0.0.1", port: 9)

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    let rest = ByteBuffer(bytes: input.dropFirst())
    if mode & 1 == 0 {
        envelope(rest)
    } else {
        handshake(rest)
    }
    return 0
}

// MARK: - Envelopes

func envelope(_ message: ByteBuffer) {
    let bytes = Array(message.readableBytesView)
    let kind = bytes.first
    let complete = bytes.count >= 9 && (kind == 1 && bytes.count >= 10 && bytes.count >= 10 + Int(bytes[9])
        || kind == 2 || kind == 3 && bytes.count >= 11)
    let decoded: RPCEnvelope
    do {
        decoded = try RPCEnvelope.decode(message)
    } catch {
        check(!complete, "refused a complete message: \(error)")
        return
    }
    check(complete, "accepted an incomplete message as \(decoded)")
    let id = message.getInteger(at: message.readerIndex + 1, as: UInt64.self)!
    switch decoded {
    case .call(let decodedID, let method, _):
        check(decodedID == id, "call id \(decodedID), header \(id)")
        if method.utf8.count <= 255 { roundTrip(decoded) }
    case .result(let decodedID, let value):
        check(decodedID == id && value.readableBytes == bytes.count - 9, "result \(decoded)")
        roundTrip(decoded)
    case .error(let decodedID, let error):
        check(decodedID == id && (0...65535).contains(error.code.rawValue), "error \(decoded)")
        roundTrip(decoded)
    }

    // An authenticated connection's call handler, with no method registered.
    let channel = EmbeddedChannel()
    try! channel.pipeline.syncOperations.addHandler(RPCServerHandler(methods: RPCMethods(), logger: quiet, maximumInFlight: 4))
    try! channel.connect(to: peer).wait()
    try! channel.writeInbound(message)
    var answers: [RPCEnvelope] = []
    while let answer = try! channel.readOutbound(as: ByteBuffer.self) {
        guard let envelope = try? RPCEnvelope.decode(answer) else { fatalError("property failed: the server wrote a bad envelope") }
        answers.append(envelope)
    }
    if case .call(let id, let method, _) = decoded {
        check(answers.count == 1, "\(answers.count) answers to one call")
        guard case .error(let answerID, let error) = answers[0] else { fatalError("property failed: answered \(answers[0])") }
        check(answerID == id && error.code == .unknownMessage, "answered \(answers[0]) to method \(method)")
        check(channel.isActive, "closed after a call")
    } else {
        check(answers.isEmpty && !channel.isActive, "answered \(answers) to \(decoded), open: \(channel.isActive)")
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
}

func roundTrip(_ envelope: RPCEnvelope) {
    let again = try? RPCEnvelope.decode(envelope.encoded())
    check(again == envelope, "\(envelope) encodes to something read back as \(String(describing: again))")
}

// MARK: - Handshake

func handshake(_ stream: ByteBuffer) {
    // The messages the framing would pass on.
    var rest = stream
    var messages: [[UInt8]] = []
    while let length = rest.getInteger(at: rest.readerIndex, as: UInt32.self), rest.readableBytes - 4 >= Int(length) {
        rest.moveReaderIndex(forwardBy: 4)
        messages.append(Array(rest.readBytes(length: Int(length))!))
    }

    var server = RPCHandshake.server(secret: secret)
    var failed = false
    for (index, message) in messages.enumerated() {
        let step = server.receive(message, serverNonce: { serverNonce })
        switch step {
        case .send(let reply):
            check(!failed && index == 0, "answered message \(index) after a failure or a hello")
            check(message.count == 40 && message.starts(with: RPCHandshake.magic), "took \(message) for a hello")
            check(reply.count == 72 && reply.starts(with: RPCHandshake.magic + serverNonce), "challenge \(reply)")
        case .sendAndFinish, .finished:
            fatalError("property failed: the server accepted without the secret after \(messages)")
        case .fail:
            failed = true
        }
        check(!server.isFinished, "the server finished without the secret")
    }

    var (client, _) = RPCHandshake.client(secret: secret, nonce: clientNonce)
    for message in messages {
        switch client.receive(message) {
        case .send, .sendAndFinish, .finished:
            fatalError("property failed: the client accepted a server without the secret: \(messages)")
        case .fail:
            break
        }
        check(!client.isFinished, "the client finished without the secret")
    }

    // The real server pipeline, fed the stream in two reads.
    let channel = EmbeddedChannel()
    let calls = RPCServerHandler(methods: RPCMethods(), logger: quiet, maximumInFlight: 4)
    try! RPCPipeline.configureServer(channel, security: RPCSecurity(secret: secret), logger: quiet, calls: calls)
    try! channel.connect(to: peer).wait()
    let cut = stream.readableBytes / 2
    for piece in [stream.getSlice(at: stream.readerIndex, length: cut)!, stream.getSlice(at: stream.readerIndex + cut, length: stream.readableBytes - cut)!] {
        guard channel.isActive else { break }
        do {
            try channel.writeInbound(piece)
        } catch {
            break
        }
    }
    channel.embeddedEventLoop.advanceTime(by: .seconds(10))
    var written = ByteBuffer()
    while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { written.writeImmutableBuffer(buffer) }
    var replies = 0
    while let length = written.readInteger(as: UInt32.self) {
        guard let reply = written.readBytes(length: Int(length)) else { fatalError("property failed: a cut reply") }
        replies += 1
        check(replies == 1 && reply.count == 72 && reply.starts(with: RPCHandshake.magic), "the server wrote \(reply) (reply \(replies))")
    }
    check(written.readableBytes == 0, "the server wrote \(written.readableBytes) unframed bytes")
    check(!channel.isActive, "the connection is still open after the handshake timeout")
    _ = try? channel.finish(acceptAlreadyClosed: true)
}
