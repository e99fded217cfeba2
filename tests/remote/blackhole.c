/* blackhole.c — a server that accepts connections and never answers, for the
 * deadline tests: prints "PORT\n" (or serves the Unix socket PATH given as
 * argv[1]) and holds every connection open until killed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
listen_tcp(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&in, &len) != 0 || listen(fd, 64) != 0)
		return -1;
	printf("%d\n", ntohs(in.sin_port));
	return fd;
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(un.sun_path))
		return -1;
	strcpy(un.sun_path, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) != 0 || listen(fd, 64) != 0)
		return -1;
	printf("%s\n", path);
	return fd;
}

int
main(int argc, char **argv)
{
	int lfd = argc > 1 ? listen_unix(argv[1]) : listen_tcp();

	if (lfd < 0) {
		perror("blackhole");
		return 1;
	}
	fflush(stdout);
	/* Accepted descriptors are never closed: the client must see silence,
	 * not a closed connection. */
	for (;;)
		if (accept(lfd, NULL, NULL) < 0)
			sleep(1);
}
