import FluxProtocol

/// Why a `ChatClient` call did not get its frame.
public enum ChatClientError: Error, Sendable, Equatable {
    /// No matching frame arrived in time.
    case timeout(MessageID?)
    /// The connection is closed.
    case closed
}
