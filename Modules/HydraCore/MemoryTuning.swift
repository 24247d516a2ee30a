import CHydraSystem

/// Process-wide allocator settings for long-running servers.
public enum MemoryTuning {
    /// Caps glibc's malloc arenas (by default up to 8 per core), so a server that moves large buffers between a
    /// few threads does not spread freed memory over many per-thread arenas. Call before starting threads.
    public static func limitMallocArenas(to count: Int32 = 2) {
        _ = hydra_set_malloc_arena_max(count)
    }
}
