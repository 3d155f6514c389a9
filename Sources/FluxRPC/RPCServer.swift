import FluxProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The JSON-over-TCP RPC server: each role that serves RPC registers its methods here. Calls on one
/// connection are handled concurrently; answers carry the call's id.
public final class RPCServer: Service, Sendable {
    /// Handles the JSON params of one call and returns the JSON result, or throws a `FluxError`.
    public typealias Handler = @Sendable (Data) async throws -> Data

    private let host: String
    private let port: Int
    private let logger: Logger
    private let handlers = Mutex<[String: Handler]>([:])
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Signalled with the bound port.
    public let ready = ReadySignal()

    public init(host: String, port: Int, logger: Logger) {
        self.host = host
        self.port = port
        self.logger = logger
        register("rpc.ping") { _ in Data("{}".utf8) }
    }

    /// Registers `method`; a later registration of the same name replaces it.
    public func register(_ method: String, _ handler: @escaping Handler) {
        handlers.withLock { $0[method] = handler }
    }

    /// Registers a typed method.
    public func register<P: Decodable & Sendable, R: Encodable & Sendable>(
        _ method: String, _ params: P.Type, _ body: @escaping @Sendable (P) async throws -> R
    ) {
        register(method) { data in
            let decoded: P
            do {
                decoded = try JSONDecoder().decode(P.self, from: data)
            } catch {
                throw FluxError(.badJSON, "bad params for \(method): \(error)")
            }
            return try JSONEncoder().encode(try await body(decoded))
        }
    }

    public func run() async throws {
        do {
            try await listen()
        } catch {
            await ready.fail(error)
            throw error
        }
    }

    private func listen() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RPCFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(RPCFrameEncoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = listener.channel.localAddress?.port ?? port
        logger.notice("rpc listening", metadata: ["address": "\(host):\(boundPort)"])
        await ready.signal(port: boundPort)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
            // Peers keep their connections open; close them so shutdown completes (their calls fail
            // with "connection lost" and they reconnect elsewhere or later).
            for channel in self.connections.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let channel = connection.channel
        connections.withLock { $0[ObjectIdentifier(channel)] = channel }
        defer { connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) } }
        try? await connection.executeThenClose { inbound, outbound in
            let (answers, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await answer in answers {
                        do { try await outbound.write(answer) } catch { break }
                    }
                    channel.close(promise: nil)
                }
                await withTaskGroup(of: Void.self) { calls in
                    do {
                        for try await message in inbound {
                            calls.addTask {
                                let answer = await self.answer(Data(buffer: message))
                                continuation.yield(ByteBuffer(data: answer))
                            }
                        }
                    } catch {
                        logger.debug("rpc connection ended", metadata: ["error": "\(error)"])
                    }
                    await calls.waitForAll()
                }
                continuation.finish()
            }
        }
    }

    private func answer(_ data: Data) async -> Data {
        let call: RPCEnvelope.Call
        do {
            call = try RPCEnvelope.decodeCall(data)
        } catch {
            return RPCEnvelope.encodeAnswer(id: 0, result: .failure(FluxError(.badJSON, "not an RPC call")))
        }
        guard let handler = handlers.withLock({ $0[call.method] }) else {
            return RPCEnvelope.encodeAnswer(id: call.id, result: .failure(FluxError(.unknownMessage, "no method \(call.method)")))
        }
        do {
            return RPCEnvelope.encodeAnswer(id: call.id, result: .success(try await handler(call.params)))
        } catch let error as FluxError {
            return RPCEnvelope.encodeAnswer(id: call.id, result: .failure(error))
        } catch {
            logger.error("rpc method failed", metadata: ["method": "\(call.method)", "error": "\(error)"])
            return RPCEnvelope.encodeAnswer(id: call.id, result: .failure(FluxError(.internalError, "\(error)")))
        }
    }
}

import NIOFoundationCompat
