import Foundation

/// Resident kilobytes of this process's mappings of `path` (from /proc/self/smaps).
public func residentKilobytes(ofMappingsOf path: String) throws -> Int {
    // Read to the end: /proc files report size 0, and String(contentsOfFile:) stops short.
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
    defer { try? handle.close() }
    let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    var inMapping = false
    var total = 0
    for line in smaps.split(separator: "\n") {
        if let first = line.first, first.isHexDigit, line.contains("-"), line.split(separator: " ").count >= 5 {
            inMapping = line.hasSuffix(path)
        } else if inMapping, line.hasPrefix("Rss:") {
            total += Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
    }
    return total
}
