/* fake_vault.c — an impostor where the vault should be, for the attack tests
 * (tests/remote/sealed.sh): it appends every byte it receives to a recording
 * file, answers GET /v1/vault-key with a key pair of its own, and answers a
 * fetch with a well-formed box under that key holding a secret of its choice
 * (FAKE_RAN=1 in every bundle asked for), so only the launcher's check of
 * the vault's key stands between it and the target. Everything else is 401.
 *   fake_vault RECORDING [PORT]    prints "PORT\nKEY_HEX\n", serves until killed
 * PORT 0 or absent: any free port. Test use only. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "secmem.h"
#include "wire/wire.h"

#define REQ_MAX (1u << 20)

static unsigned char fake_pk[WIRE_KEY_LEN], fake_sk[crypto_box_SECRETKEYBYTES];
static FILE *recording;

static int
listen_on(int port)
{
	char hex[WIRE_KEY_HEX_LEN + 1];
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&in, &len) != 0 || listen(fd, 16) != 0)
		return -1;
	wire_hex_encode(fake_pk, WIRE_KEY_LEN, hex);
	printf("%d\n%s\n", ntohs(in.sin_port), hex);
	fflush(stdout);
	return fd;
}

static void
answer(int fd, int status, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 status, strlen(body));
	if (write(fd, head, strlen(head)) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

/* A sealed answer of the impostor's own making to the request in body. */
static void
answer_fetch(int fd, const char *body, size_t len)
{
	static struct vault_item item = { "FAKE_RAN", (const unsigned char *)"1", 1 };
	json_t *root = json_loadb(body, len, 0, NULL), *list = json_object_get(root, "secrets");
	const char *names[WIRE_MAX_NAMES];
	struct vault_bundle bundles[WIRE_MAX_NAMES];
	struct wire_request req = { 0 };
	struct vault_fetch f = { 0 };
	struct wire_sealed s;
	struct mr_err e;
	char *out;
	size_t i;

	req.environment = json_string_value(json_object_get(root, "environment"));
	req.nnames = json_array_size(list);
	for (i = 0; i < req.nnames && i < WIRE_MAX_NAMES; i++) {
		names[i] = json_string_value(json_array_get(list, i));
		bundles[i] = (struct vault_bundle){ names[i], 1, 1, &item };
	}
	req.names = names;
	f.nbundles = req.nnames;
	f.bundles = bundles;
	snprintf(f.environment, sizeof(f.environment), "%s",
		 req.environment != NULL ? req.environment : "main");
	if (req.nnames == 0 || req.nnames > WIRE_MAX_NAMES ||
	    wire_hex_decode(json_string_value(json_object_get(root, "public_key")), req.launch_pk,
			    WIRE_KEY_LEN) != 0 ||
	    wire_hex_decode(json_string_value(json_object_get(root, "nonce")), req.nonce,
			    WIRE_NONCE_LEN) != 0 ||
	    wire_fetch_seal(&f, &req, fake_pk, fake_sk, time(NULL), &s, &e) != 0) {
		answer(fd, 400, "{\"error\":{\"code\":\"invalid\",\"message\":\"bad fetch\"}}");
		json_decref(root);
		return;
	}
	out = malloc(s.box_len + 200);
	sprintf(out, "{\"vault_public_key\":\"%s\",\"box_nonce\":\"%s\",\"box\":\"%s\"}",
		s.vault_public_key, s.box_nonce, s.box);
	answer(fd, 200, out);
	free(out);
	wire_sealed_free(&s);
	json_decref(root);
}

static void
answer_request(int fd, const char *req, const char *body, size_t len)
{
	char keybody[WIRE_KEY_HEX_LEN + 32], hex[WIRE_KEY_HEX_LEN + 1];

	if (strncmp(req, "GET /v1/vault-key ", 18) == 0) {
		wire_hex_encode(fake_pk, WIRE_KEY_LEN, hex);
		snprintf(keybody, sizeof(keybody), "{\"public_key\":\"%s\"}", hex);
		answer(fd, 200, keybody);
	} else if (strncmp(req, "POST /v1/fetch ", 15) == 0) {
		answer_fetch(fd, body, len);
	} else {
		answer(fd, 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"fake\"}}");
	}
}

/* One connection, its requests in turn (curl keeps connections alive). */
static void
serve_connection(int fd)
{
	static char buf[REQ_MAX + 1];
	size_t have = 0, need;
	ssize_t n;
	char *end, *cl;

	for (;;) {
		n = read(fd, buf + have, REQ_MAX - have);
		if (n <= 0)
			return;
		fwrite(buf + have, 1, (size_t)n, recording);
		fflush(recording);
		have += (size_t)n;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) +
			       (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			if (have < need)
				break;
			answer_request(fd, buf, end + 4, need - (size_t)(end + 4 - buf));
			memmove(buf, buf + need, have - need);
			have -= need;
			buf[have] = '\0';
		}
		if (have == REQ_MAX)
			return;
	}
}

int
main(int argc, char **argv)
{
	int lfd, fd;

	if (argc < 2 || secmem_init() != 0 || (recording = fopen(argv[1], "ab")) == NULL) {
		fprintf(stderr, "usage: fake_vault RECORDING [PORT]\n");
		return 64;
	}
	crypto_box_keypair(fake_pk, fake_sk);
	if ((lfd = listen_on(argc > 2 ? atoi(argv[2]) : 0)) < 0) {
		perror("fake_vault");
		return 1;
	}
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		serve_connection(fd);
		close(fd);
	}
}
