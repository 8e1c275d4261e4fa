// SPDX-License-Identifier: GPL-2.0-only
/* The resolver functions libpcap imports, standing in for the C library's
 * in a test: see resolver_trap.h. */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>

#include "resolver_trap.h"

int resolver_trap_lookups;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	struct addrinfo numeric = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };

	*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	if (!real)
		return EAI_FAIL;
	/* A caller that asks for numbers only asks no resolver. */
	if (hints && (hints->ai_flags & AI_NUMERICHOST) &&
	    (!service || (hints->ai_flags & AI_NUMERICSERV)))
		return real(node, service, hints, res);
	/* Nor does a literal (libpcap passes some without AI_NUMERICHOST):
	 * answered as the C library would. */
	if (hints) {
		numeric = *hints;
		numeric.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	}
	if (real(node, service, &numeric, res) == 0)
		return 0;
	resolver_trap_lookups++;
	return EAI_NONAME;
}

struct hostent *gethostbyname(const char *name)
{
	(void)name;
	resolver_trap_lookups++;
	return NULL;
}

int getnetbyname_r(const char *name, struct netent *ne, char *buf, size_t buflen,
		   struct netent **result, int *h_errnop)
{
	(void)name;
	(void)ne;
	(void)buf;
	(void)buflen;
	*result = NULL;
	*h_errnop = HOST_NOT_FOUND;
	resolver_trap_lookups++;
	return ENOENT;
}

int ether_hostton(const char *hostname, void *addr)
{
	(void)hostname;
	(void)addr;
	resolver_trap_lookups++;
	return -1;
}
