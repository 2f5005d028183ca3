/// A size in bytes, written in configuration as a number or with a unit
/// (`512KiB`, `64MiB`, `4GiB`, `1000000`).
public struct ByteSize: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    private static let units: [(suffix: String, factor: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ]

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in Self.units where trimmed.hasSuffix(suffix) {
            guard let value = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            self.bytes = product
            return
        }
        guard let value = Int(trimmed), value >= 0 else { return nil }
        self.bytes = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            guard value >= 0 else { throw ConfigurationError.invalidValue(decoder.codingPath, "a size must not be negative") }
            self.bytes = value
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ByteSize(parsing: text) else {
            throw ConfigurationError.invalidValue(decoder.codingPath, "'\(text)' is not a size (use e.g. 1048576, 512KiB, 64MiB, 4GiB)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.bytes)
    }

    public var description: String { "\(self.bytes) bytes" }
}

/// A duration, written in configuration as milliseconds or with a unit (`250ms`, `1s`, `5m`, `1h`).
public struct ConfigDuration: Hashable, Sendable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    private static let units: [(suffix: String, factor: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in Self.units where trimmed.hasSuffix(suffix) {
            guard let value = Int64(trimmed.dropLast(suffix.count)), value >= 0 else { continue }
            self.milliseconds = value * factor
            return
        }
        guard let value = Int64(trimmed), value >= 0 else { return nil }
        self.milliseconds = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            guard value >= 0 else { throw ConfigurationError.invalidValue(decoder.codingPath, "a duration must not be negative") }
            self.milliseconds = value
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ConfigDuration(parsing: text) else {
            throw ConfigurationError.invalidValue(decoder.codingPath, "'\(text)' is not a duration (use e.g. 250ms, 1s, 5m, 1h)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.milliseconds)
    }

    public var description: String { "\(self.milliseconds) ms" }
}

import Foundation
