import Foundation

/// The clocks a `FluxServer` reads where time decides an outcome: wall-clock seconds for the windows of
/// the abuse limits (they must agree across hosts), and the monotonic instant the in-memory KV measures
/// expiries against. A real server uses the real clocks; tests inject ones that move only when told, so a
/// limit's window cannot roll over between two requests of a test.
public struct ServerClocks: Sendable {
    /// Wall-clock seconds since 1970.
    public var wallSeconds: @Sendable () -> Double
    /// Now, for the expiries of the in-memory KV (`kv.url` = `memory:`; Redis keeps its own time).
    public var monotonic: @Sendable () -> ContinuousClock.Instant

    public init(wallSeconds: @escaping @Sendable () -> Double, monotonic: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.wallSeconds = wallSeconds
        self.monotonic = monotonic
    }

    /// The system's clocks.
    public static let real = ServerClocks(wallSeconds: { Date().timeIntervalSince1970 }, monotonic: { ContinuousClock.now })
}
