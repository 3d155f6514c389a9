import Synchronization

/// Caps on the connections one listener holds: in total and per client address. A connection is
/// admitted (counted) when it opens and released when it closes.
public final class ConnectionLimiter: Sendable {
    /// The caps of one listener.
    public struct Limits: Sendable, Hashable {
        public var total: Int
        public var perAddress: Int

        public init(total: Int, perAddress: Int) {
            self.total = total
            self.perAddress = perAddress
        }
    }

    /// Why a connection was refused.
    public enum Refusal: Sendable, Equatable {
        case tooManyInTotal
        case tooManyFromAddress
    }

    private struct Counts {
        var total = 0
        var perAddress: [String: Int] = [:]
    }

    public let limits: Limits
    private let counts = Mutex(Counts())

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Counts a new connection from `address`, or refuses it (nothing counted) when a cap is reached.
    public func admit(_ address: String) -> Refusal? {
        counts.withLock { counts in
            guard counts.total < limits.total else { return .tooManyInTotal }
            let fromAddress = counts.perAddress[address, default: 0]
            guard fromAddress < limits.perAddress else { return .tooManyFromAddress }
            counts.total += 1
            counts.perAddress[address] = fromAddress + 1
            return nil
        }
    }

    /// A connection admitted from `address` closed.
    public func release(_ address: String) {
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.perAddress[address, default: 1] - 1
            counts.perAddress[address] = left > 0 ? left : nil
        }
    }

    /// Connections held now.
    public var current: Int { counts.withLock { $0.total } }
}
