// libFuzzer harness: the configuration loader's checks (docs/fuzzing.md).
//
// Input: one byte of roles (bits 0–3: gate, chat, status, verify; none set: the first line is a `--role`
// value for `Role.parseList`), then lines of `<key byte><value>`: the key byte picks one of the keys
// Flux reads (below 0x80 as the environment variable `FLUX_<SECTION>_<KEY>`, from 0x80 as a flag
// override), the rest of the line is the value. File keys (`rpc.secret_file`, `rpc.tls_*`) are kept
// inside a scratch folder of this process.
//
// For any input, `ConfigurationLoader.load` never crashes: it returns a configuration or throws
// `ConfigurationError` (its typed throw). A configuration it returns holds what the checks promise:
// ports in 0–65535, every range it checks, positive durations, and a cluster secret of at least 32 bytes
// and an RPC host whenever roles are split; `ConfigurationSummary` (what `--check` prints) renders it.
import Dispatch
import FluxServer
import Foundation
import FuzzSupport

@main enum FuzzConfiguration {
    static func main() { runFuzzer(fuzzOne) }
}

/// Every key `ConfigurationValues` reads (docs/configuration.md).
let keys = [
    "data.dir", "db.url", "db.sqlite_synchronous", "kv.url", "rpc.host", "status.rpc_port", "metrics.host",
    "metrics.port", "verify.rpc_port", "chat.rpc_port", "status.address", "verify.address", "rpc.secret",
    "rpc.secret_file", "rpc.tls_cert", "rpc.tls_key", "rpc.tls_ca", "chat.rpc_advertise", "mail.smtp_url",
    "mail.from", "log.level", "security.scrypt_log_n", "gate.host", "gate.port", "gate.max_body_bytes",
    "gate.max_login_failures", "chat.host", "chat.port", "chat.name", "chat.capacity", "chat.renew_interval",
    "chat.resync_interval", "chat.max_body_bytes", "chat.idle_timeout", "chat.outbound_queue_limit",
    "chat.max_text_length", "chat.max_texts_in_flight", "chat.advertise", "status.token_ttl", "status.node_ttl",
    "status.probe_interval", "verify.code_ttl", "verify.resend_cooldown", "verify.max_wrong_tries",
    "verify.requests_per_address_per_hour",
]
let fileKeys: Set = ["rpc.secret_file", "rpc.tls_cert", "rpc.tls_key", "rpc.tls_ca"]

/// A scratch folder with a few files the file keys can name (`secret`, `short`, `empty`, `pem`).
let scratch: String = {
    let path = NSTemporaryDirectory() + "flux-fuzz-configuration-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let files = ["secret": "  a-cluster-secret-of-at-least-32-bytes  \n", "short": "short\n", "empty": "", "pem": "-----BEGIN X-----\n"]
    for (name, contents) in files { _ = FileManager.default.createFile(atPath: "\(path)/\(name)", contents: Data(contents.utf8)) }
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "flux-fuzz-configuration-\(getpid())") }
    return path
}()

final class Outcome: @unchecked Sendable {
    var result: Result<FluxConfiguration, ConfigurationError>?
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let roleBits = input.first else { return 0 }
    var lines = input.dropFirst().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]

    var roles = Set<Role>()
    for (bit, role) in [Role.gate, .chat, .status, .verify].enumerated() where roleBits & (1 << bit) != 0 { roles.insert(role) }
    if roles.isEmpty {
        let text = lines.popFirst().map { String(decoding: $0, as: UTF8.self) } ?? ""
        do throws(ConfigurationError) {
            roles = try Role.parseList(text)
        } catch {
            check(error.key == "role" && !error.description.isEmpty, "--role \(text): \(error)")
            return 0
        }
    }

    var environment: [String: String] = [:]
    var overrides: [String: String] = [:]
    for line in lines {
        guard let selector = line.first else { continue }
        let key = keys[Int(selector & 0x7F) % keys.count]
        var value = String(decoding: line.dropFirst(), as: UTF8.self)
        if fileKeys.contains(key) {
            value = scratch + "/" + value.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ".", with: "_")
        }
        if selector & 0x80 == 0 {
            environment["FLUX_" + key.replacingOccurrences(of: ".", with: "_").uppercased()] = value
        } else {
            overrides[key] = value
        }
    }

    let loader = ConfigurationLoader(environment: environment, overrides: overrides)
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task { [roles] in
        do throws(ConfigurationError) {
            outcome.result = .success(try await loader.load(roles: roles))
        } catch {
            outcome.result = .failure(error)
        }
        done.signal()
    }
    done.wait()

    switch outcome.result! {
    case .failure(let error):
        check(keys.contains(error.key) && error.environmentName.hasPrefix("FLUX_") && !error.description.isEmpty, "\(error)")
    case .success(let config):
        checkPromises(config, roles: roles, environment: environment, overrides: overrides)
    }
    return 0
}

func checkPromises(_ config: FluxConfiguration, roles: Set<Role>, environment: [String: String], overrides: [String: String]) {
    let context = "environment \(environment), flags \(overrides)"
    check(config.roles == roles, "roles \(config.roles)")
    for (name, port) in [("gate.port", config.gate.port), ("chat.port", config.chat.port), ("status.rpc_port", config.statusRPCPort),
                         ("verify.rpc_port", config.verifyRPCPort), ("chat.rpc_port", config.chatRPCPort),
                         ("metrics.port", config.metricsPort ?? 0), ("chat.advertise", config.chat.advertisePort)] {
        check((0...65535).contains(port), "\(name) \(port) with \(context)")
    }
    check((256...65535).contains(config.chat.maxBodyBytes), "chat.max_body_bytes \(config.chat.maxBodyBytes)")
    check((256...(16 << 20)).contains(config.gate.maxBodyBytes), "gate.max_body_bytes \(config.gate.maxBodyBytes)")
    check((10...20).contains(config.passwordParameters.logN), "scrypt log n \(config.passwordParameters.logN)")
    check(!config.chat.name.isEmpty && config.chat.name.count <= 64, "chat.name '\(config.chat.name)'")
    check(!config.dataDirectory.isEmpty, "empty data.dir with \(context)")
    let positive: [(String, Duration)] = [
        ("chat.renew_interval", config.chat.renewInterval), ("chat.resync_interval", config.chat.resyncInterval),
        ("chat.idle_timeout", config.chat.idleTimeout), ("status.token_ttl", config.status.tokenLifetime),
        ("status.node_ttl", config.status.nodeLifetime), ("status.probe_interval", config.status.probeInterval),
        ("verify.code_ttl", config.verify.codeLifetime),
    ]
    for (name, duration) in positive {
        check(duration > .zero, "\(name) is \(duration) with \(context)")
    }
    check(config.verify.resendCooldown >= .zero, "verify.resend_cooldown \(config.verify.resendCooldown)")
    if !config.isSingleProcess {
        check((config.rpcSecret?.count ?? 0) >= 32 && config.rpcHost != nil, "split roles without a secret or rpc.host: \(context)")
    }
    if let files = config.rpcTLSFiles {
        check([files.certificate, files.key, files.ca].allSatisfy { FileManager.default.isReadableFile(atPath: $0) }, "TLS files \(files)")
    }
    check(ConfigurationSummary(config).text.hasSuffix("configuration OK"), "summary")
}
