import FluxCrypto

/// The challenge–response that opens every RPC connection: both sides prove they hold the cluster secret
/// without sending it, each over a nonce the other chose.
///
/// ```
/// client → server  hello:     "FLUXRPC1" client-nonce(32)
/// server → client  challenge: "FLUXRPC1" server-nonce(32) HMAC(secret, "server" ‖ cn ‖ sn)
/// client → server  proof:     HMAC(secret, "client" ‖ cn ‖ sn)
/// server → client  accepted:  0x01
/// ```
/// Different labels for the two proofs mean neither side can be used to answer the other's challenge.
/// A plain struct so both sides can be tested without a socket.
struct RPCHandshake {
    enum Side { case client, server }

    /// What to do after a message arrived.
    enum Step: Equatable {
        /// Send these bytes and wait for the next message.
        case send([UInt8])
        /// Send these bytes; the connection is authenticated.
        case sendAndFinish([UInt8])
        /// The connection is authenticated.
        case finished
        /// The peer failed; close the connection.
        case fail(String)
    }

    private enum State {
        case clientAwaitingChallenge(clientNonce: [UInt8])
        case clientAwaitingAccept
        case serverAwaitingHello
        case serverAwaitingProof(clientNonce: [UInt8], serverNonce: [UInt8])
        case done
        case failed
    }

    static let magic = Array("FLUXRPC1".utf8)
    static let nonceLength = 32
    /// Longest handshake message (the challenge): anything longer is refused before authentication.
    static let maximumMessage = 8 + 32 + 32

    private let secret: [UInt8]
    private var state: State

    /// A client side and its hello, to send first.
    static func client(secret: [UInt8], nonce: [UInt8] = SecureRandom.bytes(nonceLength)) -> (RPCHandshake, hello: [UInt8]) {
        (RPCHandshake(secret: secret, state: .clientAwaitingChallenge(clientNonce: nonce)), magic + nonce)
    }

    /// A server side, waiting for the hello.
    static func server(secret: [UInt8]) -> RPCHandshake {
        RPCHandshake(secret: secret, state: .serverAwaitingHello)
    }

    private init(secret: [UInt8], state: State) {
        self.secret = secret
        self.state = state
    }

    var isFinished: Bool {
        if case .done = state { return true }
        return false
    }

    /// Handles the next message from the peer.
    mutating func receive(_ message: [UInt8], serverNonce: () -> [UInt8] = { SecureRandom.bytes(nonceLength) }) -> Step {
        let step = next(message, serverNonce: serverNonce)
        if case .fail = step { state = .failed }
        return step
    }

    private mutating func next(_ message: [UInt8], serverNonce: () -> [UInt8]) -> Step {
        switch state {
        case .serverAwaitingHello:
            guard message.count == Self.magic.count + Self.nonceLength, Array(message.prefix(Self.magic.count)) == Self.magic else {
                return .fail("not an RPC hello (wrong protocol or version)")
            }
            let clientNonce = Array(message.suffix(Self.nonceLength))
            let nonce = serverNonce()
            state = .serverAwaitingProof(clientNonce: clientNonce, serverNonce: nonce)
            return .send(Self.magic + nonce + proof("server", clientNonce, nonce))
        case .serverAwaitingProof(let clientNonce, let nonce):
            guard message.count == HMACSHA256.length, HMACSHA256.equal(message, proof("client", clientNonce, nonce)) else {
                return .fail("wrong cluster secret")
            }
            state = .done
            return .sendAndFinish([1])
        case .clientAwaitingChallenge(let clientNonce):
            let header = Self.magic.count
            guard message.count == header + Self.nonceLength + HMACSHA256.length, Array(message.prefix(header)) == Self.magic else {
                return .fail("not an RPC challenge (wrong protocol or version)")
            }
            let nonce = Array(message[header..<(header + Self.nonceLength)])
            guard HMACSHA256.equal(Array(message.suffix(HMACSHA256.length)), proof("server", clientNonce, nonce)) else {
                return .fail("the server proved another secret (rpc.secret differs)")
            }
            state = .clientAwaitingAccept
            return .send(proof("client", clientNonce, nonce))
        case .clientAwaitingAccept:
            guard message == [1] else { return .fail("the server refused the handshake") }
            state = .done
            return .finished
        case .done:
            return .fail("handshake message after the handshake")
        case .failed:
            return .fail("handshake already failed")
        }
    }

    private func proof(_ label: String, _ clientNonce: [UInt8], _ serverNonce: [UInt8]) -> [UInt8] {
        HMACSHA256.tag(key: secret, message: Array("flux-rpc/\(label)".utf8) + clientNonce + serverNonce)
    }
}
