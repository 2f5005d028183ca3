// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "outpost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outpost", targets: ["outpost"]),
        .library(name: "BrokerStore", targets: ["BrokerStore"]),
        .library(name: "BrokerCore", targets: ["BrokerCore"]),
        .library(name: "BrokerServer", targets: ["BrokerServer"]),
        .library(name: "AMQPCodec", targets: ["AMQPCodec"]),
        .library(name: "MQTTCodec", targets: ["MQTTCodec"]),
        .library(name: "AMQPEngine", targets: ["AMQPEngine"]),
        .library(name: "MQTTEngine", targets: ["MQTTEngine"]),
        .library(name: "BrokerTestSupport", targets: ["BrokerTestSupport"]),
        .library(name: "BrokerManagement", targets: ["BrokerManagement"]),
        .library(name: "MessageSelector", targets: ["MessageSelector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        .target(name: "MessageSelector"),
        .target(
            name: "BrokerStore",
            dependencies: [
                "LMDB",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BrokerCore",
            dependencies: [
                "BrokerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "AMQPCodec",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "MQTTCodec",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // How a message crosses protocols: MQTT bodies as stored, AMQP <-> MQTT mapping.
        .target(
            name: "MessageMapping",
            dependencies: [
                "AMQPCodec",
                "MQTTCodec",
                "BrokerStore",
                "MessageSelector",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AMQPEngine",
            dependencies: [
                "AMQPCodec",
                "MessageMapping",
                "MessageSelector",
                "BrokerCore",
                "BrokerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MQTTEngine",
            dependencies: [
                "MQTTCodec",
                "MessageMapping",
                "BrokerCore",
                "BrokerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Management HTTP API, /metrics, /healthz (Hummingbird); the CLI's views of messages.
        .target(
            name: "BrokerManagement",
            dependencies: [
                "BrokerCore",
                "BrokerStore",
                "AMQPCodec",
                "MQTTCodec",
                "MessageMapping",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "BrokerUplink",
            dependencies: [
                "BrokerCore",
                "BrokerStore",
                "MQTTCodec",
                "AMQPCodec",
                "AMQPEngine",
                "MessageMapping",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BrokerServer",
            dependencies: [
                "BrokerCore",
                "BrokerStore",
                "BrokerUplink",
                "BrokerManagement",
                "AMQPEngine",
                "MQTTEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BrokerTestSupport",
            dependencies: [
                "BrokerCore",
                "BrokerStore",
                "BrokerServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "outpost",
            dependencies: [
                "BrokerServer",
                "BrokerCore",
                "BrokerStore",
                "BrokerManagement",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // One self-contained binary for the edge box: the Swift runtime and Foundation linked in
            // (nothing of the toolchain needed where it runs), with lld's packed relative
            // relocations, no export of every symbol, and the functions that start the daemon and
            // carry its load placed together (scripts/link/outpost.order), which keep the pages
            // the process touches few. Idle RSS 31 -> 16.5 MiB (docs/architecture.md, "The binary").
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld",
                    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--no-export-dynamic",
                    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/scripts/link/outpost.order",
                    "-Xlinker", "--no-warn-symbol-ordering",
                    // What Foundation's static libraries need besides themselves (the driver links
                    // only the modules imported here; release builds drop the rest with --gc-sections).
                    "-lFoundation", "-lCoreFoundation", "-lFoundationEssentials", "-lFoundationInternationalization",
                    "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims",
                ])
            ]
        ),
        // A child process for the crash test: stores and acknowledges messages until SIGKILLed.
        .executableTarget(
            name: "outpost-crash-worker",
            dependencies: ["BrokerStore"],
            path: "Tests/CrashWorker"
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB", "BrokerTestSupport"]),
        .testTarget(name: "MessageSelectorTests", dependencies: ["MessageSelector"]),
        .testTarget(name: "BrokerStoreTests", dependencies: ["BrokerStore", "BrokerTestSupport"]),
        .testTarget(name: "BrokerCoreTests", dependencies: ["BrokerCore", "BrokerTestSupport"]),
        .testTarget(name: "BrokerServerTests", dependencies: ["BrokerServer", "BrokerTestSupport"]),
        .testTarget(
            name: "BrokerManagementTests",
            dependencies: [
                "BrokerManagement",
                "BrokerTestSupport",
                "AMQPCodec",
                "MQTTCodec",
                "MessageMapping",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AMQPCodecTests",
            dependencies: [
                "AMQPCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AMQPEngineTests",
            dependencies: ["AMQPEngine", "AMQPCodec", "BrokerTestSupport", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "MQTTEngineTests",
            dependencies: ["MQTTEngine", "MQTTCodec", "MessageMapping", "BrokerTestSupport", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "BrokerUplinkTests",
            dependencies: ["BrokerUplink", "BrokerTestSupport", .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(
            name: "MessageMappingTests",
            dependencies: ["MessageMapping", "MessageSelector", "AMQPCodec", "MQTTCodec", "BrokerTestSupport"]
        ),
        .testTarget(
            name: "MQTTCodecTests",
            dependencies: [
                "MQTTCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
    ]
)
