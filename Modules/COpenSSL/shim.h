#ifndef HYDRA_COPENSSL_SHIM_H
#define HYDRA_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
