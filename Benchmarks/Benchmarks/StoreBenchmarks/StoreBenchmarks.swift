import Benchmark
import StoreBenchKit

let benchmarks: @Sendable () -> Void = {
}
