// swift-tools-version:6.2
import PackageDescription

// Fuzzing only: scripts/fuzz.sh sets FLUX_FUZZ=1 and builds in .build-fuzz. Then every Flux module is
// compiled with libFuzzer coverage and AddressSanitizer (and testable, for the internal RPC types), and
// each harness under Tests/Fuzz/Harnesses becomes an executable that hands its inputs to libFuzzer's
// driver (docs/fuzzing.md). A normal `swift build` or `swift test` never sees any of this.
let fuzzing = Context.environment["FLUX_FUZZ"] == "1"

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
] + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address", "-enable-testing"])] : [])

let package = Package(
    name: "flux",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flux", targets: ["flux"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "FluxProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxCrypto",
            dependencies: ["COpenSSL"],
            swiftSettings: swiftSettings
        ),
        /// glibc's <malloc.h> (heap statistics for /metrics).
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "FluxInstruments",
            dependencies: [.product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxKV",
            dependencies: ["CHiredis", "FluxInstruments", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "FluxStore",
            dependencies: [
                "FluxCrypto",
                "FluxInstruments",
                "CMariaDB",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxNet",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxContracts",
            dependencies: ["FluxProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxRPC",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "FluxProtocol", "FluxContracts", "FluxCrypto",
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxCluster",
            dependencies: [
                "FluxContracts", "FluxRPC", "FluxKV", "FluxCrypto", "FluxProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxVerify",
            dependencies: [
                "FluxProtocol", "FluxContracts", "FluxKV", "FluxCrypto", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxStatus",
            dependencies: [
                "FluxProtocol", "FluxContracts", "FluxCluster", "FluxKV", "FluxCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxChat",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "FluxProtocol", "FluxContracts", "FluxCluster", "FluxRPC", "FluxKV", "FluxStore", "FluxNet",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxGate",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "FluxProtocol", "FluxContracts", "FluxCluster", "FluxStore", "FluxCrypto", "FluxKV", "FluxNet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // The web client, compiled into the binary (WebAsset.swift lists the files).
            resources: [.embedInCode("Web")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxClient",
            dependencies: [
                "FluxProtocol",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxServer",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                "FluxProtocol", "FluxKV", "FluxStore", "FluxRPC", "FluxCrypto", "FluxContracts", "FluxCluster", "FluxNet",
                "FluxVerify", "FluxStatus", "FluxGate", "FluxChat", "CMalloc",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FluxBench",
            dependencies: [
                "FluxClient", "FluxProtocol", "FluxServer", "FluxStore", "FluxCrypto", "FluxNet",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "flux",
            dependencies: [
                "FluxServer", "FluxBench", "FluxStore", "FluxGate", "FluxCrypto", "FluxContracts", "FluxRPC",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "FluxTestSupport", dependencies: ["FluxNet", .product(name: "Logging", package: "swift-log")], path: "Tests/FluxTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "FluxProtocolTests",
            dependencies: [
                "FluxProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FluxCryptoTests", dependencies: ["FluxCrypto"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FluxChatTests",
            dependencies: [
                "FluxChat", "FluxProtocol", "FluxStatus", "FluxKV", "FluxRPC", "FluxContracts", "FluxCluster", "FluxStore", "FluxTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FluxStatusTests",
            dependencies: [
                "FluxStatus", "FluxKV", "FluxRPC", "FluxProtocol", "FluxContracts", "FluxCluster",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FluxRPCTests",
            dependencies: [
                "FluxRPC", "FluxProtocol", "FluxStatus", "FluxKV", "FluxContracts", "FluxCluster", "FluxCrypto", "FluxTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FluxKVTests", dependencies: ["FluxKV", "FluxTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FluxGateTests",
            dependencies: [
                "FluxGate", "FluxKV", "FluxProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FluxStoreTests",
            dependencies: ["FluxStore", "FluxTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FluxVerifyTests",
            dependencies: ["FluxVerify", "FluxKV", "FluxTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FluxIntegrationTests",
            dependencies: [
                "flux", "FluxServer", "FluxProtocol", "FluxKV", "FluxStore", "FluxClient", "FluxRPC", "FluxContracts", "FluxTestSupport",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

if fuzzing {
    // One libFuzzer executable per harness (docs/fuzzing.md); built only with `--product Fuzz…`.
    let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzChatFrame", [
            "FluxProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        ("FuzzTextChat", ["FluxProtocol", .product(name: "NIOCore", package: "swift-nio")]),
        ("FuzzPayloads", [
            "FluxProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ]),
        ("FuzzRPC", [
            "FluxRPC", "FluxProtocol",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        ("FuzzConfiguration", ["FluxServer"]),
        ("FuzzWebSocket", [
            "FluxProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ]),
    ]
    package.targets += [
        .target(name: "CLibFuzzer", path: "Tests/Fuzz/Harnesses/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Tests/Fuzz/Harnesses/FuzzSupport", swiftSettings: swiftSettings),
    ]
    for harness in harnesses {
        package.targets.append(.executableTarget(
            name: harness.name,
            dependencies: ["FuzzSupport"] + harness.dependencies,
            path: "Tests/Fuzz/Harnesses/\(harness.name)",
            swiftSettings: swiftSettings,
            // lld: gold stops with an internal error on these objects.
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
        ))
        package.products.append(.executable(name: harness.name, targets: [harness.name]))
    }
}
