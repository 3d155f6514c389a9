// libFuzzer harness: decoding the bodies clients send (docs/fuzzing.md).
//
// The input is one body, decoded as every request type the server reads from a client, the way the
// server reads it: chat bodies with `ChatFrame.decode` (JSONDecoder over the frame's ByteBuffer), gate
// bodies with `JSONDecoder` over `Data`, as `GateRoutes` does. For any input:
// - decoding never crashes, and a refusal is a `DecodingError` (what the server answers with 1001; any
//   other error would be answered as an internal error, 1014);
// - a body that decodes re-encodes (JSONEncoder) to JSON that decodes to an equal value.
import FluxProtocol
import Foundation
import FuzzSupport
import NIOCore
import NIOFoundationCompat

@main enum FuzzPayloads {
    static func main() { runFuzzer(fuzzOne) }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let frame = ChatFrame(id: .textChat, body: ByteBuffer(bytes: input))
    let body = Data(input)

    // Chat requests (ChatService.dispatch).
    chat(ChatLoginRequest.self, frame)
    chat(SearchUserRequest.self, frame)
    chat(AddFriendRequest.self, frame)
    chat(AuthFriendRequest.self, frame)
    chat(TextChatMessage.self, frame)
    chat(HistoryRequest.self, frame)
    chat(ReceiptMessage.self, frame)
    chat(UpdateProfileRequest.self, frame)
    chat(HeartbeatRequest.self, frame)
    // Gate requests (GateRoutes).
    gate(VerifyCodeRequest.self, body)
    gate(RegisterRequest.self, body)
    gate(ResetPasswordRequest.self, body)
    gate(LoginRequest.self, body)
    return 0
}

func chat<T: Codable & Equatable>(_: T.Type, _ frame: ChatFrame) {
    let value: T
    do {
        value = try frame.decode(T.self)
    } catch {
        check(error is DecodingError, "\(T.self): \(type(of: error)) is not a DecodingError: \(error)")
        return
    }
    roundTrip(value)
}

func gate<T: Codable & Equatable>(_: T.Type, _ body: Data) {
    let value: T
    do {
        value = try JSONDecoder().decode(T.self, from: body)
    } catch {
        check(error is DecodingError, "\(T.self): \(type(of: error)) is not a DecodingError: \(error)")
        return
    }
    roundTrip(value)
}

func roundTrip<T: Codable & Equatable>(_ value: T) {
    let encoded: Data
    do {
        encoded = try JSONEncoder().encode(value)
    } catch {
        fatalError("property failed: \(T.self) \(value) does not encode: \(error)")
    }
    let decoded = try? JSONDecoder().decode(T.self, from: encoded)
    check(decoded == value, "\(T.self) \(value) encodes to \(String(decoding: encoded, as: UTF8.self)), read back as \(String(describing: decoded))")
}
