// swift-tools-version:5.4
// 5.4 because later tools versions rename the entry point of executables, which hides libFuzzer's main.
// Standalone libFuzzer harness for MQTTCodec; not part of the root package.
// Sources/MQTTCodec is a symlink to the real module so both are instrumented for coverage.
import PackageDescription

let fuzzerFlags: [String] = ["-sanitize=fuzzer,address"]

let package = Package(
    name: "MQTTFuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "MQTTCodec",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [.unsafeFlags(fuzzerFlags)]
        ),
        .executableTarget(
            name: "MQTTFuzz",
            dependencies: ["MQTTCodec", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [.unsafeFlags(fuzzerFlags + ["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(fuzzerFlags)]
        ),
    ]
)
