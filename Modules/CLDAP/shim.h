#ifndef HYDRA_CLDAP_SHIM_H
#define HYDRA_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>
#endif
