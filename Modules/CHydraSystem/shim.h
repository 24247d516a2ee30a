#ifndef HYDRA_CSYSTEM_SHIM_H
#define HYDRA_CSYSTEM_SHIM_H
#include <malloc.h>
#include <sys/types.h>

// glibc extras Swift does not see through its Glibc module.

// Caps malloc's arenas; M_ARENA_MAX is a macro.
static inline int hydra_set_malloc_arena_max(int count) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, count);
#else
    return 0;
#endif
}

// Linux: start writing a file range back to disk without waiting, so a later fsync has little left to do.
// Declared here because <fcntl.h> exposes it only under _GNU_SOURCE.
extern int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags);
static inline int hydra_start_writeback(int fd, off_t offset, off_t length) {
    return sync_file_range(fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
}

// Linux: the open(2) flag for direct I/O (O_DIRECT is defined only under _GNU_SOURCE; glibc's __O_DIRECT is the
// same value for every architecture's headers). 0 where there is no such flag.
#include <fcntl.h>
static inline int hydra_o_direct(void) {
#ifdef __O_DIRECT
    return __O_DIRECT;
#else
    return 0;
#endif
}

// memmem is a GNU extension of <string.h>; declared here for the same reason.
#include <stddef.h>
extern void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
static inline const void *hydra_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen) {
    return memmem(haystack, haystacklen, needle, needlelen);
}
#endif
