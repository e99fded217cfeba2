/* server.h — `modal-vault serve`: the vault's HTTP API (docs/protocol.md) over
 * the embedded store, on libmicrohttpd. The one entry point the CLI calls. */
#ifndef MODAL_VAULT_SERVER_H
#define MODAL_VAULT_SERVER_H

/* Parses serve's own options (argv[0] is "serve"), runs the server until
 * SIGTERM or SIGINT, drains in-flight requests and returns an exit code.
 * The caller has made fds 0-2 valid, ignored SIGPIPE and set jansson's
 * wiping allocator (input_init). */
int serve_main(int argc, char **argv);

#endif
