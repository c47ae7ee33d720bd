// epoll.c: the epoll reference server of the benchmark matrix (row
// limit-epoll). One thread, level-triggered epoll, no framework: an echo
// costs one read and one write per message, and an HTTP batch one read and
// one write per connection. It is what the reactor is measured against.
//
//	gcc -O2 -o limit-epoll epoll.c && ./limit-epoll 127.0.0.1:7000 echo|http
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (64 << 10)

// A connection's state beyond its socket: output the kernel did not take
// (echo: the rest of a short write; http: responses), and for HTTP the
// unframed input.
struct conn {
	char *out;
	size_t outlen, outoff, outcap;
	char *in;
	size_t inlen, incap;
};

static struct conn *conns;
static int nconns;
static int http;
static char resp[256];
static size_t resplen;
static time_t respsec;

// spin_ns is how long to poll before blocking; see the top of the file.
static long spin_ns;

static long now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

// wait returns ready events, polling for up to spin_ns before it blocks.
static int wait(int ep, struct epoll_event *evs, int max) {
	int n;
	if (!spin_ns) return epoll_wait(ep, evs, max, -1);
	for (long end = now_ns() + spin_ns; now_ns() < end;)
		if ((n = epoll_wait(ep, evs, max, 0))) return n;
	return epoll_wait(ep, evs, max, -1);
}

static int listen_on(const char *hostport) {
	char host[64];
	const char *colon = strrchr(hostport, ':');
	if (!colon || colon - hostport >= (long)sizeof host) return -1;
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 4096)) return -1;
	return fd;
}

// refresh rebuilds the HTTP response when the second changes: the Date
// header is the only part that varies.
static void refresh(void) {
	time_t now = time(NULL);
	if (now == respsec) return;
	respsec = now;
	char date[64];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	resplen = snprintf(resp, sizeof resp,
			   "HTTP/1.1 200 OK\r\nServer: limit\r\nContent-Type: text/plain; charset=utf-8\r\n"
			   "Content-Length: 13\r\nDate: %s\r\n\r\nHello, World!", date);
}

static void grow(char **p, size_t *cap, size_t need) {
	if (need <= *cap) return;
	while (*cap < need) *cap = *cap ? *cap * 2 : 4096;
	*p = realloc(*p, *cap);
	if (!*p) abort();
}

static void drop(int ep, int fd) {
	struct conn *c = &conns[fd];
	free(c->out);
	free(c->in);
	memset(c, 0, sizeof *c);
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

// flush writes pending output; it waits for EPOLLOUT, and stops reading,
// while the kernel takes no more. It returns -1 when the connection died.
static int flush(int ep, int fd) {
	struct conn *c = &conns[fd];
	while (c->outoff < c->outlen) {
		ssize_t n = write(fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			return 0;
		}
		if (n <= 0) return -1;
		c->outoff += n;
	}
	if (c->outlen) { // drained after a wait: read again
		c->outlen = c->outoff = 0;
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	}
	return 0;
}

// echo writes back what one read returned, straight from the read buffer;
// only what the kernel refused is copied.
static int echo(int ep, int fd, char *buf) {
	ssize_t n = read(fd, buf, BUF);
	if (n < 0 && errno == EAGAIN) return 0;
	if (n <= 0) return -1;
	ssize_t w = write(fd, buf, n);
	if (w < 0 && errno != EAGAIN) return -1;
	if (w < 0) w = 0;
	if (w < n) {
		struct conn *c = &conns[fd];
		grow(&c->out, &c->outcap, n - w);
		memcpy(c->out, buf + w, n - w);
		c->outlen = n - w;
		c->outoff = 0;
		return flush(ep, fd);
	}
	return 0;
}

// answer frames requests by the blank line that ends their headers (the
// benchmark's requests have no body) and answers all complete ones with one
// write.
static int answer(int ep, int fd, char *buf) {
	struct conn *c = &conns[fd];
	ssize_t n = read(fd, buf, BUF);
	if (n < 0 && errno == EAGAIN) return 0;
	if (n <= 0) return -1;
	char *in = buf;
	size_t len = n;
	if (c->inlen) { // a request split over reads
		grow(&c->in, &c->incap, c->inlen + n);
		memcpy(c->in + c->inlen, buf, n);
		in = c->in;
		len = c->inlen + n;
	}
	size_t off = 0, replies = 0;
	for (;;) {
		char *end = memmem(in + off, len - off, "\r\n\r\n", 4);
		if (!end) break;
		off = end + 4 - in;
		replies++;
	}
	size_t rest = len - off;
	if (rest) {
		grow(&c->in, &c->incap, rest);
		memmove(c->in, in + off, rest);
	}
	c->inlen = rest;
	if (!replies) return 0;
	refresh();
	grow(&c->out, &c->outcap, c->outlen + replies * resplen);
	for (size_t i = 0; i < replies; i++) {
		memcpy(c->out + c->outlen, resp, resplen);
		c->outlen += resplen;
	}
	ssize_t w = write(fd, c->out + c->outoff, c->outlen - c->outoff);
	if (w < 0 && errno != EAGAIN) return -1;
	if (w > 0) c->outoff += w;
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		return 0;
	}
	return flush(ep, fd);
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: %s host:port echo|http\n", argv[0]);
		return 2;
	}
	http = strcmp(argv[2], "http") == 0;
	if (getenv("LIMIT_SPIN_US")) spin_ns = atol(getenv("LIMIT_SPIN_US")) * 1000;
	int ln = listen_on(argv[1]);
	if (ln < 0) {
		perror("listen");
		return 1;
	}
	nconns = 1 << 20;
	conns = calloc(nconns, sizeof *conns);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ln};
	epoll_ctl(ep, EPOLL_CTL_ADD, ln, &ev);
	static char buf[BUF];
	struct epoll_event evs[512];
	printf("listening on %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		int n = wait(ep, evs, 512);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return 1;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ln) {
				int c;
				while ((c = accept4(ln, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= nconns) {
						close(c);
						continue;
					}
					int one = 1;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
				}
				continue;
			}
			int r;
			if (evs[i].events & EPOLLOUT)
				r = flush(ep, fd);
			else if (http)
				r = answer(ep, fd, buf);
			else
				r = echo(ep, fd, buf);
			if (r < 0 || (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & (EPOLLIN | EPOLLOUT))))
				drop(ep, fd);
		}
	}
}
