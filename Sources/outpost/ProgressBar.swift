import Foundation

/// A progress line on standard error (count, rate, ETA), drawn only when standard error
/// is a terminal; nothing at all when it is piped or redirected.
final class ProgressBar {
    private let label: String
    private var total: Int?
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    let isEnabled: Bool

    init(label: String, total: Int?) {
        self.label = label
        self.total = total
        self.isEnabled = isatty(STDERR_FILENO) == 1
    }

    func setTotal(_ total: Int?) { self.total = total }

    func update(_ count: Int, force: Bool = false) {
        guard self.isEnabled else { return }
        let now = ContinuousClock.now
        guard force || now - self.lastDraw >= .milliseconds(100) else { return }
        self.lastDraw = now
        let elapsed = Self.seconds(now - self.start)
        let rate = elapsed > 0 ? Double(count) / elapsed : 0
        var line = "\r\(self.label) \(count)"
        if let total = self.total, total > 0 {
            let fraction = min(1, Double(count) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "/\(total) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += String(format: " %3.0f%%", fraction * 100)
            if rate > 0, count < total {
                line += " ETA " + Self.clock(Double(total - count) / rate)
            }
        }
        line += String(format: " %.0f msg/s", rate)
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish(_ count: Int) {
        guard self.isEnabled else { return }
        self.update(count, force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60) : String(format: "%d:%02d", total / 60, total % 60)
    }
}
