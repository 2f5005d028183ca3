// swift-tools-version:6.1
import PackageDescription

// libFuzzer target for AMQPCodec. Not part of the root package: build and run it with ./run.sh.
// Sources/AMQPCodec is a symlink to the real module so that it is compiled with coverage instrumentation
// and the fuzzer only needs swift-nio, not every dependency of the broker.
let fuzzerFlags: [String] = ["-sanitize=fuzzer,address"]

let package = Package(
    name: "AMQPFuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .target(
            name: "AMQPCodec",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [.unsafeFlags(fuzzerFlags)]
        ),
        .executableTarget(
            name: "AMQPFuzz",
            dependencies: ["AMQPCodec", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [.unsafeFlags(fuzzerFlags)],
            linkerSettings: [.unsafeFlags(fuzzerFlags)]
        ),
    ]
)
