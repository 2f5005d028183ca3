import NIOConcurrencyHelpers

/// Enqueue, deliver and acknowledge rates per queue, from the queues' running totals.
///
/// Each read takes a sample; a rate is the difference to the oldest sample that is at
/// least `interval` old, so reading often (or rarely) still gives a rate over about
/// `interval`. Nothing runs in the background.
final class QueueRateTracker: Sendable {
    struct Totals: Sendable {
        var enqueued: Int
        var delivered: Int
        var acknowledged: Int
    }

    struct Rates: Sendable, Equatable {
        var enqueue: Double = 0
        var deliver: Double = 0
        var acknowledge: Double = 0
    }

    private struct Sample {
        var time: Double
        var totals: Totals
    }

    private struct QueueSamples {
        var previous: Sample?
        var current: Sample
        var rates = Rates()
    }

    private let interval: Double
    /// Lock held only for the dictionary update; never while calling out.
    private let samples = NIOLockedValueBox<[String: QueueSamples]>([:])

    init(interval: Double = 5) {
        self.interval = interval
    }

    /// Records `totals` for `queue` at `now` (seconds) and returns its rates.
    func rates(queue: String, totals: Totals, now: Double) -> Rates {
        self.samples.withLockedValue { samples in
            let sample = Sample(time: now, totals: totals)
            guard var entry = samples[queue] else {
                samples[queue] = QueueSamples(previous: nil, current: sample)
                return Rates()
            }
            // Keep `current` as the anchor until it is `interval` old, then roll.
            let base = entry.current
            let elapsed = now - base.time
            if elapsed >= self.interval {
                entry.rates = Rates(
                    enqueue: Double(max(0, totals.enqueued - base.totals.enqueued)) / elapsed,
                    deliver: Double(max(0, totals.delivered - base.totals.delivered)) / elapsed,
                    acknowledge: Double(max(0, totals.acknowledged - base.totals.acknowledged)) / elapsed
                )
                entry.previous = base
                entry.current = sample
            } else if entry.previous == nil, elapsed > 0.2 {
                // First reads: a rate over the short time seen so far beats none.
                entry.rates = Rates(
                    enqueue: Double(max(0, totals.enqueued - base.totals.enqueued)) / elapsed,
                    deliver: Double(max(0, totals.delivered - base.totals.delivered)) / elapsed,
                    acknowledge: Double(max(0, totals.acknowledged - base.totals.acknowledged)) / elapsed
                )
            }
            samples[queue] = entry
            return entry.rates
        }
    }

    /// Forgets queues that no longer exist.
    func retain(only names: Set<String>) {
        self.samples.withLockedValue { samples in
            for name in samples.keys where !names.contains(name) { samples[name] = nil }
        }
    }
}
