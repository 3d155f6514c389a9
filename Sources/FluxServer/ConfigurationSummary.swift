/// The effective configuration as `key: value` lines, for `flux --check` (no secrets: the SMTP password is
/// masked).
public struct ConfigurationSummary: Sendable {
    public let text: String

    public init(_ config: FluxConfiguration) {
        let smtp = config.smtpURL.map { url in
            "smtp://\(url.user.map { "\($0):***@" } ?? "")\(url.host):\(url.port)?tls=\(url.tls.rawValue)"
        } ?? "(dev mailer: log + \(config.outboxDirectory))"
        let lines = [
            "roles: \(config.roles.sorted().map(\.rawValue).joined(separator: ","))",
            "data.dir: \(config.dataDirectory)",
            "db.url: \(config.effectiveDatabaseURL)",
            "kv.url: \(config.keyValueURL)",
            "mail.smtp_url: \(smtp)",
            "mail.from: \(config.verify.mailFrom)",
            "gate: \(config.gate.host):\(config.gate.port)",
            "chat: \(config.chat.host):\(config.chat.port) advertised as \(config.chat.advertiseHost):\(config.chat.advertisePort) (node \(config.chat.name))",
            "status.rpc: \(config.effectiveRPCHost):\(config.statusRPCPort)\(config.roles.contains(.status) ? "" : " (not run here)")",
            "rpc.secret: \(config.rpcSecret.map { "\($0.count) bytes" } ?? "generated in \(config.generatedSecretPath)")",
            "rpc.tls: \(config.rpcTLSFiles.map { "mutual TLS (\($0.certificate))" } ?? "off")",
            "status.address: \(config.statusAddresses.joined(separator: ","))",
            "metrics: \(config.metricsHost):\(config.metricsPort)/metrics",
            "gate.tls: \(config.gate.tlsCertificate ?? "off (plain HTTP)")",
            "chat.tls: \(config.chat.tlsCertificate ?? "off (plain TCP)")",
            "verify.code_ttl: \(config.verify.codeLifetime)",
            "status.token_ttl: \(config.status.tokenLifetime)",
            "log.level: \(config.logLevel)",
            "configuration OK",
        ]
        text = lines.joined(separator: "\n")
    }
}
