#ifndef HYDRA_CSODIUM_SHIM_H
#define HYDRA_CSODIUM_SHIM_H
#include <sodium.h>
#endif
