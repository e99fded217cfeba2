/* trust.c — `--trust-proxy`: the peers whose forwarding headers count.
 * A header a client sends (X-Real-IP, X-Modal-Environment) says whatever the
 * client likes; only a proxy the operator named, which sets those headers
 * itself, may speak for its client. Nothing is trusted by default. */
#include "internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "ADDR" or "ADDR/BITS" into net; 0, or -1 when it is neither. */
static int
net_parse(const char *spec, struct trust_net *net)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(spec, '/');
	size_t len = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
	unsigned long bits;
	char *end;

	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, net->addr) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, net->addr) == 1)
		net->family = AF_INET6;
	else
		return -1;
	net->bits = net->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		return 0;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	bits = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || bits > net->bits)
		return -1;
	net->bits = (unsigned)bits;
	return 0;
}

int
trust_add(struct trust_list *t, const char *spec, struct mr_err *e)
{
	if (strcmp(spec, "unix") == 0) {
		t->unix_peers = 1;
		return 0;
	}
	if (t->n == TRUST_MAX)
		return mr_fail(e, MR_E_USAGE, "--trust-proxy: at most %d addresses", TRUST_MAX);
	if (net_parse(spec, &t->nets[t->n]) != 0)
		return mr_fail(e, MR_E_USAGE,
			       "--trust-proxy '%.100s': expected an IPv4 or IPv6 address, ADDR/BITS or 'unix'",
			       spec);
	t->n++;
	return 0;
}

static int
prefix_matches(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

int
trust_peer(const struct trust_list *t, const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const unsigned char *addr;
	int family;
	size_t i;

	if (sa == NULL || sa->sa_family == AF_UNIX)
		return t->unix_peers;
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		addr = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		/* An IPv4 peer on a dual-stack socket is an IPv4 peer. */
		if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
			family = AF_INET;
			addr += sizeof(v4mapped);
		}
	} else {
		return 0;
	}
	for (i = 0; i < t->n; i++)
		if (t->nets[i].family == family && prefix_matches(addr, t->nets[i].addr, t->nets[i].bits))
			return 1;
	return 0;
}
