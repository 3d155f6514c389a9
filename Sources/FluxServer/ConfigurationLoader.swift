import Configuration
import FluxVerify
import Foundation
import Logging
import SystemPackage

/// Builds a `FluxConfiguration` from, in order of precedence: command-line overrides, environment
/// variables (`FLUX_<SECTION>_<KEY>`), the YAML config file, and the built-in defaults.
///
/// Every value is read as text and checked here, so a bad one stops start-up with one line naming
/// the key and what is wrong.
public struct ConfigurationLoader: Sendable {
    public var configFile: String?
    public var environment: [String: String]
    /// Flag values keyed like the file (`data.dir`).
    public var overrides: [String: String]

    public init(
        configFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) {
        self.configFile = configFile
        self.environment = environment
        self.overrides = overrides
    }

    public func load(roles: Set<Role>) async throws(ConfigurationError) -> FluxConfiguration {
        let reader = try await makeReader()
        var values = ConfigurationValues(reader: reader)
        var config = FluxConfiguration()
        config.roles = roles
        try values.read(&config)
        return config
    }

    private func makeReader() async throws(ConfigurationError) -> ConfigReader {
        var providers: [any ConfigProvider] = []
        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in overrides {
            flagValues[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false)
        }
        providers.append(InMemoryProvider(name: "flags", values: flagValues))
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "flux"))
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile) else {
                throw ConfigurationError(key: "config", "file \(configFile) does not exist")
            }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw ConfigurationError(key: "config", "cannot read \(configFile): \(error)")
            }
        }
        return ConfigReader(providers: providers)
    }
}
