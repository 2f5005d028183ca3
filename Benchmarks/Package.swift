// swift-tools-version:6.1
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory, whatever the clone is called.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Store benchmarks (issue 2) and the MQTT / AMQP load tools with compare.sh (issues 3, 4, 7).
// A separate package so that `make test` in the root never builds the benchmark
// dependencies. See README.md for the commands.
let package = Package(
    name: "OutpostBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The raw LMDB baseline talks to liblmdb directly (the root package does not
        // export its LMDB wrapper as a product).
        .systemLibrary(name: "CLMDBRaw", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .target(
            name: "StoreBenchKit",
            dependencies: [
                "CLMDBRaw",
                .product(name: "BrokerStore", package: rootPackage),
                .product(name: "BrokerCore", package: rootPackage),
                // The selector benchmark (issue 8) uses the product's JMS selector filter.
                .product(name: "AMQPCodec", package: rootPackage),
                .product(name: "AMQPEngine", package: rootPackage),
                .product(name: "MessageSelector", package: rootPackage),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "outpost-store-bench", dependencies: ["StoreBenchKit"]),
        // Protocol load tools (issues 3, 4, 7): clients written on swift-nio and the project's codecs.
        .target(
            name: "BenchClientKit",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "outpost-mqtt-bench",
            dependencies: [
                "BenchClientKit",
                .product(name: "MQTTCodec", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "outpost-amqp-bench",
            dependencies: [
                "BenchClientKit",
                .product(name: "AMQPCodec", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // CPU time per encode/decode of the codecs' hot packets (moved from a disabled test suite).
        .executableTarget(
            name: "outpost-codec-bench",
            dependencies: [
                .product(name: "MQTTCodec", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                "StoreBenchKit",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
