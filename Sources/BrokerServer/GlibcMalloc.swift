#if canImport(Glibc)
import Glibc
#endif

/// The two glibc allocator controls the daemon uses. They are declared in malloc.h, which the
/// Glibc module does not include, so they are looked up; elsewhere they do nothing.
public enum GlibcMalloc {
    /// A daemon with a handful of threads: two malloc arenas instead of glibc's eight per core keep
    /// less freed memory stranded after a burst, and fixed mmap and trim thresholds (128 KiB) stop
    /// glibc from raising them after the first large buffer is freed, after which it kept what
    /// bursts had freed (QoS 0 4→4, four runs: VmHWM 63 -> 52 MiB; docs/benchmarks.md, "RSS").
    public static func tuneForDaemon() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        // Parameter numbers from malloc.h.
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(arenaMax, 2)
        _ = mallopt(mmapThreshold, 128 << 10)
        _ = mallopt(trimThreshold, 128 << 10)
        #endif
    }

    typealias Trim = @convention(c) (Int) -> Int32

    /// `malloc_trim`: gives the free pages of every heap back to the system (see `HeapTrimmer`).
    static let trim: Trim? = {
        #if canImport(Glibc)
        dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
        #else
        nil
        #endif
    }()
}
