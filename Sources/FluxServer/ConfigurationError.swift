/// A configuration value is missing or wrong. `description` is the one line printed at start-up.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key as written in the config file (`gate.port`).
    public let key: String
    public let message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    /// The environment variable that sets the key (`FLUX_GATE_PORT`).
    public var environmentName: String {
        "FLUX_" + key.replacingOccurrences(of: ".", with: "_").uppercased()
    }

    public var description: String {
        key == "role" ? "configuration error: --role: \(message)" : "configuration error: \(key) (\(environmentName)): \(message)"
    }
}

import Foundation
