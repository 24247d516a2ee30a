#ifndef HYDRA_CZSTD_SHIM_H
#define HYDRA_CZSTD_SHIM_H
#include <zstd.h>
#endif
