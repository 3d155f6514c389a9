import FluxKV
import Foundation

/// The `KeyValueStore` implementations the conformance suite runs against. Add a case when an
/// implementation lands; every test then runs on it unchanged.
enum KVBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory

    var description: String { rawValue }

    func make() async throws -> any KeyValueStore {
        switch self {
        case .memory: MemoryKeyValueStore()
        }
    }
}

/// A key prefix unique to one test, so backends shared between tests (a real Redis) never collide.
func uniqueKey(_ name: String) -> String {
    "test:\(UUID().uuidString.prefix(8)):\(name)"
}
