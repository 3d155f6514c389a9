import Configuration
import FluxChat
import FluxCrypto
import FluxKV
import FluxVerify
import Foundation
import Logging

/// Reads and checks each key of the Flux configuration. See `docs/configuration.md`.
struct ConfigurationValues {
    let reader: ConfigReader

    mutating func read(_ config: inout FluxConfiguration) throws(ConfigurationError) {
        if let dir = text("data.dir") {
            guard !dir.isEmpty else { throw ConfigurationError(key: "data.dir", "must not be empty") }
            config.dataDirectory = dir
        }
        config.databaseURL = text("db.url")
        if let sync = text("db.sqlite_synchronous") {
            guard ["full", "normal"].contains(sync.lowercased()) else {
                throw ConfigurationError(key: "db.sqlite_synchronous", "'\(sync)' is neither full nor normal")
            }
            config.sqliteSynchronousFull = sync.lowercased() == "full"
        }
        if let url = text("kv.url") {
            guard url == "memory:" || url.hasPrefix("redis://") else {
                throw ConfigurationError(key: "kv.url", "'\(url)' is neither memory: nor redis://host:port/db")
            }
            if url.hasPrefix("redis://") {
                do { _ = try RedisURL(parsing: url) } catch { throw ConfigurationError(key: "kv.url", error.message) }
            }
            config.keyValueURL = url
        }
        if let host = text("rpc.host") { config.rpcHost = try hostValue("rpc.host", host) }
        if let port = try port("status.rpc_port") { config.statusRPCPort = port }
        if let host = text("metrics.host") { config.metricsHost = try hostValue("metrics.host", host) }
        if let port = try port("metrics.port") { config.metricsPort = port }
        if let mib = try integer("memory.trim_threshold_mib", in: 0...1_048_576) { config.memoryTrimThresholdMiB = mib }
        if let port = try port("verify.rpc_port") { config.verifyRPCPort = port }
        if let port = try port("chat.rpc_port") { config.chatRPCPort = port }
        if let list = text("status.address") { config.statusAddresses = try hostPortList("status.address", list) }
        if let list = text("verify.address") { config.verifyAddresses = try hostPortList("verify.address", list) }
        try readRPCSecurity(&config)
        if let address = text("chat.rpc_advertise") { config.chatRPCAdvertise = try hostPort("chat.rpc_advertise", address) }
        if let url = text("mail.smtp_url"), !url.isEmpty {
            do {
                config.smtpURL = try SMTPURL(parsing: url)
            } catch {
                throw ConfigurationError(key: "mail.smtp_url", error.message)
            }
        }
        if let from = text("mail.from") {
            guard from.contains("@"), !from.contains("\r"), !from.contains("\n") else {
                throw ConfigurationError(key: "mail.from", "'\(from)' is not an e-mail address")
            }
            config.verify.mailFrom = from
        }
        if let level = text("log.level") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(key: "log.level", "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            config.logLevel = parsed
        }
        if let logN = try integer("security.scrypt_log_n", in: 10...20) {
            config.passwordParameters.logN = logN
        }

        if let host = text("gate.host") { config.gate.host = try hostValue("gate.host", host) }
        if let port = try port("gate.port") { config.gate.port = port }
        if let size = try integer("gate.max_body_bytes", in: 256...(16 << 20)) { config.gate.maxBodyBytes = size }
        if let count = try integer("gate.max_login_failures", in: 1...1_000_000) { config.gate.maxLoginFailures = count }
        if let count = try integer("gate.max_login_failures_per_address", in: 1...1_000_000) { config.gate.maxLoginFailuresPerAddress = count }
        if let count = try integer("gate.login_slowdown_after", in: 1...1_000_000) { config.gate.loginSlowdownAfter = count }
        if let window = try duration("gate.login_failure_window") { config.gate.loginFailureWindow = window }
        if let wait = try duration("gate.max_login_backoff") { config.gate.maxLoginBackoff = wait }
        if let timeout = try duration("gate.header_timeout") { config.gate.headerTimeout = timeout }
        if let timeout = try duration("gate.body_timeout") { config.gate.bodyTimeout = timeout }
        if let timeout = try duration("gate.keepalive_timeout") { config.gate.keepAliveTimeout = timeout }
        if let count = try integer("gate.max_connections", in: 1...10_000_000) { config.gate.maxConnections = count }
        if let count = try integer("gate.max_connections_per_address", in: 1...10_000_000) { config.gate.maxConnectionsPerAddress = count }
        (config.gate.tlsCertificate, config.gate.tlsKey) = try tlsFiles("gate")

        if let host = text("chat.host") { config.chat.host = try hostValue("chat.host", host) }
        if let port = try port("chat.port") { config.chat.port = port }
        if let name = text("chat.name") {
            guard !name.isEmpty, name.count <= 64 else { throw ConfigurationError(key: "chat.name", "must be 1–64 characters") }
            config.chat.name = name
        }
        if let capacity = try integer("chat.capacity", in: 1...10_000_000) { config.chat.capacity = capacity }
        if let interval = try duration("chat.renew_interval") { config.chat.renewInterval = interval }
        if let interval = try duration("chat.resync_interval") { config.chat.resyncInterval = interval }
        if let size = try integer("chat.max_body_bytes", in: 256...65535) { config.chat.maxBodyBytes = size }
        if let idle = try duration("chat.idle_timeout") { config.chat.idleTimeout = idle }
        if let limit = try integer("chat.outbound_queue_limit", in: 16...1_000_000) { config.chat.outboundQueueLimit = limit }
        if let length = try integer("chat.max_text_length", in: 1...60_000) { config.chat.maxTextLength = length }
        if let count = try integer("chat.max_texts_in_flight", in: 1...100_000) { config.chat.maxTextsInFlight = count }
        if let timeout = try duration("chat.login_timeout") { config.chat.loginTimeout = timeout }
        if let count = try integer("chat.max_connections", in: 1...10_000_000) { config.chat.maxConnections = count }
        if let count = try integer("chat.max_connections_per_address", in: 1...10_000_000) { config.chat.maxConnectionsPerAddress = count }
        if let count = try integer("chat.connections_per_address_per_second", in: 1...1_000_000) {
            config.chat.connectionsPerAddressPerSecond = count
        }
        if let count = try integer("chat.texts_per_second", in: 1...10_000_000) { config.chat.textsPerSecond = count }
        if let count = try integer("chat.friend_requests_per_hour", in: 1...1_000_000) { config.chat.friendRequestsPerHour = count }
        if let count = try integer("chat.searches_per_minute", in: 1...1_000_000) { config.chat.searchesPerMinute = count }
        (config.chat.tlsCertificate, config.chat.tlsKey) = try tlsFiles("chat")
        if let count = try integer("group.max_members", in: 2...100_000) { config.chat.groups.maxMembers = count }
        if let count = try integer("group.max_groups_per_user", in: 1...100_000) { config.chat.groups.maxGroupsPerUser = count }
        if let count = try integer("group.texts_per_second", in: 1...10_000_000) { config.chat.groups.textsPerSecond = count }
        if let count = try integer("group.backlog_limit", in: 1...100_000) { config.chat.groups.backlogLimit = count }
        try readWebSocket(&config)
        try readAdvertise(&config)

        if let ttl = try duration("status.token_ttl") { config.status.tokenLifetime = ttl }
        if let ttl = try duration("status.node_ttl") { config.status.nodeLifetime = ttl }
        if let interval = try duration("status.probe_interval") { config.status.probeInterval = interval }

        if let ttl = try duration("verify.code_ttl") { config.verify.codeLifetime = ttl }
        if let cooldown = try duration("verify.resend_cooldown", allowZero: true) { config.verify.resendCooldown = cooldown }
        if let tries = try integer("verify.max_wrong_tries", in: 1...100) { config.verify.maxWrongTries = tries }
        if let limit = try integer("verify.requests_per_address_per_hour", in: 1...1_000_000) {
            config.verify.requestsPerAddressPerHour = limit
        }
    }

    /// The cluster secret and mutual TLS. Split roles refuse to start without a secret of at least 32
    /// bytes or without `rpc.host`.
    private func readRPCSecurity(_ config: inout FluxConfiguration) throws(ConfigurationError) {
        if let secret = text("rpc.secret"), !secret.isEmpty {
            config.rpcSecret = Array(secret.utf8)
        } else if let path = text("rpc.secret_file"), !path.isEmpty {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(key: "rpc.secret_file", "cannot read \(path)")
            }
            config.rpcSecret = Array(contents.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        }
        let tls = (text("rpc.tls_cert"), text("rpc.tls_key"), text("rpc.tls_ca"))
        switch tls {
        case (nil, nil, nil):
            break
        case (let certificate?, let key?, let ca?):
            for (key, path) in [("rpc.tls_cert", certificate), ("rpc.tls_key", key), ("rpc.tls_ca", ca)] where !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigurationError(key: key, "cannot read \(path)")
            }
            config.rpcTLSFiles = (certificate, key, ca)
        default:
            throw ConfigurationError(key: tls.0 == nil ? "rpc.tls_cert" : tls.1 == nil ? "rpc.tls_key" : "rpc.tls_ca",
                "mutual TLS needs all of rpc.tls_cert, rpc.tls_key and rpc.tls_ca")
        }
        guard !config.isSingleProcess else { return }
        guard let secret = config.rpcSecret, secret.count >= 32 else {
            throw ConfigurationError(
                key: "rpc.secret",
                "roles split across processes need a cluster secret of at least 32 bytes (rpc.secret, FLUX_RPC_SECRET or rpc.secret_file)")
        }
        guard config.rpcHost != nil else {
            throw ConfigurationError(key: "rpc.host", "roles split across processes need the address the RPC listeners bind to (no wildcard default)")
        }
    }

    /// `<section>.tls_cert` and `<section>.tls_key`: both or neither, each readable.
    private func tlsFiles(_ section: String) throws(ConfigurationError) -> (String?, String?) {
        let certificate = text("\(section).tls_cert").flatMap { $0.isEmpty ? nil : $0 }
        let key = text("\(section).tls_key").flatMap { $0.isEmpty ? nil : $0 }
        guard let certificate, let key else {
            if certificate != nil { throw ConfigurationError(key: "\(section).tls_key", "TLS needs both \(section).tls_cert and \(section).tls_key") }
            if key != nil { throw ConfigurationError(key: "\(section).tls_cert", "TLS needs both \(section).tls_cert and \(section).tls_key") }
            return (nil, nil)
        }
        for (name, path) in [("\(section).tls_cert", certificate), ("\(section).tls_key", key)] where !FileManager.default.isReadableFile(atPath: path) {
            throw ConfigurationError(key: name, "cannot read \(path)")
        }
        return (certificate, key)
    }

    /// `chat.ws_port` (`off` for none), `chat.ws_url`, `chat.ws_allowed_origins` (default: the gate's own
    /// page as a browser on the gate's host names it; `*` for any).
    private func readWebSocket(_ config: inout FluxConfiguration) throws(ConfigurationError) {
        if let value = text("chat.ws_port"), ["off", "none", "false"].contains(value.lowercased()) {
            config.chat.webSocketPort = nil
        } else if let port = try port("chat.ws_port") {
            config.chat.webSocketPort = port
        }
        if let url = text("chat.ws_url") {
            // What a browser's `new WebSocket(url)` takes: a ws or wss scheme and a host.
            guard let parsed = URL(string: url), ["ws", "wss"].contains(parsed.scheme?.lowercased() ?? ""), !(parsed.host ?? "").isEmpty,
                parsed.fragment == nil
            else {
                throw ConfigurationError(key: "chat.ws_url", "'\(url)' is not a ws:// or wss:// URL such as wss://chat1.example.com/ws")
            }
            config.chat.webSocketURL = url
        }
        if let value = text("chat.ws_allowed_origins") {
            let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for item in items where item != "*" && !Self.isOrigin(item) {
                throw ConfigurationError(key: "chat.ws_allowed_origins", "'\(item)' is not an origin such as https://chat.example.com")
            }
            config.chat.webSocketOrigins = WebSocketOriginPolicy(allowed: items.filter { $0 != "*" }, allowsAny: items.contains("*"))
        } else {
            config.chat.webSocketOrigins = .gate(host: config.gate.host, port: config.gate.port, tls: config.gate.tlsCertificate != nil)
        }
    }

    /// `http(s)://host[:port]` as a browser's `Origin` header says it (a trailing slash allowed): anything
    /// more, such as a path, would never match and silently refuse every page.
    private static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), !(url.host ?? "").isEmpty else { return false }
        return ["", "/"].contains(url.path) && url.query == nil && url.fragment == nil && url.user == nil && url.password == nil
    }

    private func hostPortList(_ key: String, _ value: String) throws(ConfigurationError) -> [String] {
        let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ConfigurationError(key: key, "'\(value)' names no host:port") }
        var addresses: [String] = []
        for item in items { addresses.append(try hostPort(key, item)) }
        return addresses
    }

    /// `chat.advertise` is `host:port`; by default the listen address, with a wildcard host replaced by
    /// 127.0.0.1 (clients cannot connect to 0.0.0.0).
    private func readAdvertise(_ config: inout FluxConfiguration) throws(ConfigurationError) {
        if let advertise = text("chat.advertise") {
            guard let colon = advertise.lastIndex(of: ":"),
                let port = Int(advertise[advertise.index(after: colon)...]), (1...65535).contains(port),
                colon != advertise.startIndex
            else { throw ConfigurationError(key: "chat.advertise", "'\(advertise)' is not host:port") }
            config.chat.advertiseHost = String(advertise[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            config.chat.advertisePort = port
        } else {
            let wildcard = ["0.0.0.0", "::", ""].contains(config.chat.host)
            config.chat.advertiseHost = wildcard ? "127.0.0.1" : config.chat.host
            config.chat.advertisePort = config.chat.port
        }
    }

    private func hostPort(_ key: String, _ value: String) throws(ConfigurationError) -> String {
        guard let colon = value.lastIndex(of: ":"), colon != value.startIndex,
            let port = Int(value[value.index(after: colon)...]), (1...65535).contains(port)
        else { throw ConfigurationError(key: key, "'\(value)' is not host:port") }
        return value
    }

    private func text(_ key: String) -> String? {
        reader.string(forKey: ConfigKey(key))?.trimmingCharacters(in: .whitespaces)
    }

    private func hostValue(_ key: String, _ value: String) throws(ConfigurationError) -> String {
        guard !value.isEmpty, !value.contains(" ") else { throw ConfigurationError(key: key, "'\(value)' is not a host name or address") }
        return value
    }

    private func port(_ key: String) throws(ConfigurationError) -> Int? {
        try integer(key, in: 0...65535, what: "a port number (0–65535)")
    }

    private func integer(_ key: String, in range: ClosedRange<Int>, what: String? = nil) throws(ConfigurationError) -> Int? {
        guard let value = text(key) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(key: key, "'\(value)' is not \(what ?? "an integer in \(range.lowerBound)…\(range.upperBound)")")
        }
        return number
    }

    /// A duration in seconds (decimals allowed), kept in whole milliseconds: one that is not allowed to
    /// be zero must be at least a millisecond, or it would be kept as zero (busy loops, instant expiry).
    private func duration(_ key: String, allowZero: Bool = false) throws(ConfigurationError) -> Duration? {
        guard let value = text(key) else { return nil }
        guard let seconds = Double(value), seconds.isFinite, seconds >= 0, seconds < 1e9,
            allowZero || Int64(seconds * 1000) > 0
        else {
            throw ConfigurationError(key: key, "'\(value)' is not \(allowZero ? "a number of seconds (0 or more)" : "a positive number of seconds (at least 0.001)")")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
