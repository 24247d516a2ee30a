import CHydraSystem

/// Process-wide allocator settings for long-running servers.
public enum MemoryTuning {
    /// Caps glibc's malloc arenas (by default up to 8 per core), so a server that moves large buffers between a
    /// few threads does not spread freed memory over many per-thread arenas. Call before starting threads.
    public static func limitMallocArenas(to count: Int32 = 2) {
        _ = hydra_set_malloc_arena_max(count)
    }

    /// Serves blocks of `bytes` and more with mmap, always: the 256 KiB buffers a blob stream allocates and
    /// frees go back to the system, instead of glibc raising its threshold after the first frees and keeping
    /// them in the heap (where a GET of a large blob left tens of MiB resident).
    public static func mapLargeAllocations(from bytes: Int32 = 1 << 20) {
        _ = hydra_set_mmap_threshold(bytes)
    }
}
