@testable import FluxRPC
import FluxProtocol
import NIOCore
import Testing

/// The handshake and envelope codecs, without sockets.
@Suite struct RPCHandshakeTests {
    let secret = Array("the-cluster-secret-of-32-bytes-or-more".utf8)

    @Test func bothSidesFinishWithTheSameSecret() {
        var (client, hello) = RPCHandshake.client(secret: secret)
        var server = RPCHandshake.server(secret: secret)
        guard case .send(let challenge) = server.receive(hello) else { Issue.record("no challenge"); return }
        guard case .send(let proof) = client.receive(challenge) else { Issue.record("no proof"); return }
        guard case .sendAndFinish(let accepted) = server.receive(proof) else { Issue.record("not accepted"); return }
        #expect(server.isFinished)
        #expect(client.receive(accepted) == .finished)
        #expect(client.isFinished)
        // The secret itself never crosses the wire.
        for message in [hello, challenge, proof, accepted] {
            #expect(!message.containsSubsequence(secret))
        }
    }

    @Test func aClientWithAnotherSecretIsRefused() {
        var (client, hello) = RPCHandshake.client(secret: Array("another-secret-of-32-bytes-or-more!!".utf8))
        var server = RPCHandshake.server(secret: secret)
        guard case .send(let challenge) = server.receive(hello) else { Issue.record("no challenge"); return }
        // The client sees at once that the server does not share its secret.
        guard case .fail = client.receive(challenge) else { Issue.record("client accepted a foreign server"); return }
        // A client that answers anyway (an attacker replaying bytes) is refused by the server.
        guard case .fail(let reason) = server.receive(Array(repeating: 0, count: 32)) else { Issue.record("server accepted"); return }
        #expect(reason.contains("secret"))
        #expect(!server.isFinished)
    }

    @Test func garbageAndOldProtocolFramesAreRefused() {
        var server = RPCHandshake.server(secret: secret)
        guard case .fail = server.receive(Array(#"{"id":1,"method":"status.assign","params":{"uid":1}}"#.utf8)) else {
            Issue.record("a JSON call was taken as a hello")
            return
        }
        var other = RPCHandshake.server(secret: secret)
        guard case .fail = other.receive([]) else { Issue.record("empty hello accepted"); return }
    }

    @Test func aProofCannotBeReplayedOnAnotherConnection() {
        var (client, hello) = RPCHandshake.client(secret: secret)
        var first = RPCHandshake.server(secret: secret)
        guard case .send(let challenge) = first.receive(hello, serverNonce: { Array(repeating: 1, count: 32) }),
            case .send(let proof) = client.receive(challenge)
        else { Issue.record("handshake did not run"); return }
        // Same hello, new server nonce: the recorded proof no longer fits.
        var second = RPCHandshake.server(secret: secret)
        _ = second.receive(hello, serverNonce: { Array(repeating: 2, count: 32) })
        guard case .fail = second.receive(proof) else { Issue.record("replayed proof accepted"); return }
    }

    @Test func envelopesRoundTrip() throws {
        let cases: [RPCEnvelope] = [
            .call(id: 7, method: "status.assign", params: ByteBuffer(string: #"{"uid":42}"#)),
            .call(id: .max, method: "", params: ByteBuffer()),
            .result(id: 1, ByteBuffer(string: "[1,2,3]")),
            .error(id: 9, FluxError(.rateLimited, "slow down é")),
        ]
        for envelope in cases {
            #expect(try RPCEnvelope.decode(envelope.encoded()) == envelope)
        }
        #expect(throws: RPCEnvelopeError.self) { try RPCEnvelope.decode(ByteBuffer(bytes: [1, 0, 0])) }
        #expect(throws: RPCEnvelopeError.self) { try RPCEnvelope.decode(ByteBuffer(bytes: [9, 0, 0, 0, 0, 0, 0, 0, 1])) }
        #expect(throws: RPCEnvelopeError.self) { try RPCEnvelope.decode(ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 0, 0, 1, 200, 65])) }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
