// swift-tools-version:6.1
import PackageDescription

// libFuzzer target for MessageSelector. Not part of the root package: build and run it with ./run.sh.
// Sources/MessageSelector is a symlink to the real module so that it is compiled with coverage instrumentation;
// the module has no dependencies, so neither does this package.
let fuzzerFlags: [String] = ["-sanitize=fuzzer,address"]

let package = Package(
    name: "SelectorFuzz",
    targets: [
        .target(
            name: "MessageSelector",
            swiftSettings: [.unsafeFlags(fuzzerFlags)]
        ),
        .executableTarget(
            name: "SelectorFuzz",
            dependencies: ["MessageSelector"],
            swiftSettings: [.unsafeFlags(fuzzerFlags)],
            linkerSettings: [.unsafeFlags(fuzzerFlags)]
        ),
    ]
)
