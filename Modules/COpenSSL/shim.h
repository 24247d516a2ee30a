#ifndef HYDRA_COPENSSL_SHIM_H
#define HYDRA_COPENSSL_SHIM_H
/* SHA256_CTX's low-level API is deprecated in OpenSSL 3 but kept: it is the one whose state is a plain struct,
   which ResumableSHA256 saves between an upload's requests. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#endif
