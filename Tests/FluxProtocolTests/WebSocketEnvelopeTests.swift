import FluxProtocol
import NIOCore
import Testing

@Suite struct WebSocketEnvelopeTests {
    private func decode(_ text: String) throws(WebSocketEnvelopeError) -> ChatFrame {
        try WebSocketEnvelope.decode(ByteBuffer(string: text))
    }

    private func body(_ frame: ChatFrame) -> String { String(buffer: frame.body) }

    @Test func theBodyIsHandedOnAsItsOwnBytes() throws {
        let frame = try decode(#"{"id":1005,"body":{"uid":7,"token":"a}b\"c{"}}"#)
        #expect(frame.id == .chatLogin)
        #expect(body(frame) == #"{"uid":7,"token":"a}b\"c{"}"#)
    }

    @Test func keysInAnyOrderWithWhitespaceAndOthersIgnored() throws {
        let frame = try decode(" {\n \"body\" : [1, {\"x\": [2]}] ,\"extra\":{\"id\":5},\t\"id\" : 1023 } \r\n")
        #expect(frame.id == .heartbeat)
        #expect(body(frame) == #"[1, {"x": [2]}]"#)
    }

    @Test func aMissingBodyIsEmptyAndScalarsArePassedOn() throws {
        #expect(try decode(#"{"id":1023}"#).body.readableBytes == 0)
        #expect(body(try decode(#"{"id":1023,"body":"text"}"#)) == #""text""#)
        #expect(body(try decode(#"{"id":1023,"body":null}"#)) == "null")
        #expect(body(try decode(#"{"id":1023,"body":-12.5e3}"#)) == "-12.5e3")
    }

    @Test(arguments: [
        "", "null", "[]", #"{"id":1005"#, #"{"id":1005,}"#, #"{"id":1005} x"#, #"{"id":1005,"body":{"a":1}"#,
        #"{"id":1005,"body":"open"#, #"{id:1005}"#, #"{"id":1005,"body"}"#, "{\"id\":1005,\"body\":{\"a\":\"\\",
    ])
    func notAnEnvelopeIsRefused(_ text: String) {
        #expect(throws: WebSocketEnvelopeError.notAnObject) { try decode(text) }
    }

    @Test(arguments: [#"{"body":{}}"#, #"{"id":"1005"}"#, #"{"id":-1}"#, #"{"id":65536}"#, #"{"id":99999999999}"#, "{}"])
    func aMissingOrInvalidIDIsRefused(_ text: String) {
        #expect(throws: WebSocketEnvelopeError.badID) { try decode(text) }
    }

    @Test func encodingWrapsTheBodyAndRoundTrips() throws {
        let frame = ChatFrame(id: .notifyTextChat, body: ByteBuffer(string: #"{"error":0,"text_array":[]}"#))
        var buffer = ByteBuffer()
        WebSocketEnvelope.encode(frame, into: &buffer)
        #expect(String(buffer: buffer) == #"{"id":1019,"body":{"error":0,"text_array":[]}}"#)
        #expect(buffer.readableBytes <= WebSocketEnvelope.encodedLength(frame))
        #expect(try WebSocketEnvelope.decode(buffer) == frame)
        var empty = ByteBuffer()
        WebSocketEnvelope.encode(ChatFrame(id: .heartbeatResponse, body: ByteBuffer()), into: &empty)
        #expect(String(buffer: empty) == #"{"id":1024,"body":{}}"#)
    }

    @Test func aSliceOfALargerBufferDecodesFromItsReaderIndex() throws {
        var buffer = ByteBuffer(string: "garbage")
        buffer.writeString(#"{"id":1007,"body":{"uid":"42"}}"#)
        buffer.moveReaderIndex(forwardBy: 7)
        let frame = try WebSocketEnvelope.decode(buffer)
        #expect(frame.id == .searchUser && body(frame) == #"{"uid":"42"}"#)
    }
}
