@testable import FluxGate
import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The gate's connection deadlines on an embedded channel, whose clock moves only when the test moves it:
/// head 10 s from opening, body 20 s from its head, keep-alive 5 s from falling idle.
@Suite struct RequestDeadlineHandlerTests {
    let channel: EmbeddedChannel

    init() throws {
        channel = EmbeddedChannel(handler: RequestDeadlineHandler(headTimeout: .seconds(10), bodyTimeout: .seconds(20), keepAliveTimeout: .seconds(5)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    func pass(_ seconds: Int64) { channel.embeddedEventLoop.advanceTime(by: .seconds(seconds)) }
    func request() throws { try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: "flux", path: "/x"))) }
    func requestEnd() throws { try channel.writeInbound(HTTPRequestPart.end(nil)) }
    func respond() throws {
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
    }

    /// Open 4 s into the 5 s keep-alive timeout, closed at 5 s.
    func expectClosedOnlyAtTheKeepAliveTimeout(_ why: Comment) {
        pass(4)
        #expect(channel.isActive)
        pass(1)
        #expect(!channel.isActive, why)
    }

    @Test func eachPhaseHasItsDeadline() throws {
        pass(9)
        try request()  // the head in time
        pass(19)
        try requestEnd()  // the body in time
        pass(1000)
        #expect(channel.isActive, "the server's own work has no deadline")
        try respond()
        expectClosedOnlyAtTheKeepAliveTimeout("idle past the keep-alive timeout")
    }

    @Test func aStalledHeadOrBodyIsClosed() throws {
        pass(10)
        #expect(!channel.isActive, "no head within the header timeout")
        let other = EmbeddedChannel(handler: RequestDeadlineHandler(headTimeout: .seconds(10), bodyTimeout: .seconds(20), keepAliveTimeout: .seconds(5)))
        try other.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try other.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: "flux", path: "/x")))
        other.embeddedEventLoop.advanceTime(by: .seconds(19))
        #expect(other.isActive)
        other.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!other.isActive, "no body end within the body timeout")
    }

    @Test func anAnswerBeforeTheBodyEndsKeepsTheBodyDeadlineThenTheKeepAlive() throws {
        try request()
        try respond()  // a 404, say, answered without reading the body
        pass(19)
        #expect(channel.isActive, "the keep-alive timeout ran while the body was still due")
        try requestEnd()
        expectClosedOnlyAtTheKeepAliveTimeout("the body ended after its answer and the connection has no deadline")
    }

    @Test func pipelinedRequestsAreIdleOnlyOnceAllAreAnswered() throws {
        try request()
        try requestEnd()
        try request()
        try requestEnd()
        try respond()
        pass(6)
        #expect(channel.isActive, "closed while the second request was being worked on")
        try respond()
        pass(5)
        #expect(!channel.isActive)
    }

    @Test func aConnectionCloseAnswerClosesOnceWritten() throws {
        try request()
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge, headerFields: [.connection: "close"])))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}
