#ifndef HYDRA_CARCHIVE_SHIM_H
#define HYDRA_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/xattr.h>  // extended attributes, read by the directory archiver

// The AE_IF* macros are casts that Swift does not import; typed copies of them.
static const unsigned int hydra_AE_IFMT = AE_IFMT;
static const unsigned int hydra_AE_IFREG = AE_IFREG;
static const unsigned int hydra_AE_IFLNK = AE_IFLNK;
static const unsigned int hydra_AE_IFSOCK = AE_IFSOCK;
static const unsigned int hydra_AE_IFCHR = AE_IFCHR;
static const unsigned int hydra_AE_IFBLK = AE_IFBLK;
static const unsigned int hydra_AE_IFDIR = AE_IFDIR;
static const unsigned int hydra_AE_IFIFO = AE_IFIFO;
#endif
