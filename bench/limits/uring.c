// uring.c: the io_uring reference echo server of the benchmark matrix (row
// limit-uring). One thread, liburing, no framework: a multishot accept, a
// multishot receive per connection into a ring of provided buffers, and a
// send straight from the buffer the data arrived in, which goes back to the
// ring when the send completes. One send is in flight per connection, so
// replies cannot overtake each other; what arrives meanwhile queues. It is
// what the proactor is measured against.
//
// Before it blocks, it polls for up to LIMIT_SPIN_US microseconds (default
// 0: off), as limits/epoll.c does and for the same reason.
//
//	gcc -O2 -o limit-uring uring.c -luring && ./limit-uring 127.0.0.1:7000 echo
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NBUF 1024      // provided buffers (a power of two)
#define BUFSZ 16384    // bytes each
#define GROUP 0
#define MAXFD (1 << 20)

enum { ACCEPT = 1, RECV, SEND };

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufs;

// A connection: the buffers waiting to be sent, oldest first (linked by
// next[]), the offset already sent of the head, and what is in flight.
struct conn {
	int head, tail; // buffer IDs, -1 when empty
	unsigned off;
	char sending, receiving, closing;
};
static struct conn *conns;
static int next[NBUF];
static unsigned len[NBUF];

// spin_ns is how long to poll before blocking; see the top of the file.
static long spin_ns;

static long now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

// wait submits what is queued and returns once completions are ready,
// polling for up to spin_ns before it blocks.
static void wait(void) {
	if (!spin_ns) {
		io_uring_submit_and_wait(&ring, 1);
		return;
	}
	io_uring_submit_and_get_events(&ring);
	if (io_uring_cq_ready(&ring)) return;
	for (long end = now_ns() + spin_ns; now_ns() < end;) {
		io_uring_get_events(&ring);
		if (io_uring_cq_ready(&ring)) return;
	}
	io_uring_submit_and_wait(&ring, 1);
}

static unsigned long long tag(int op, int fd) { return (unsigned long long)op << 32 | (unsigned)fd; }

static struct io_uring_sqe *sqe(void) {
	struct io_uring_sqe *s = io_uring_get_sqe(&ring);
	if (!s) {
		io_uring_submit(&ring);
		s = io_uring_get_sqe(&ring);
	}
	return s;
}

static void recycle(int bid) {
	io_uring_buf_ring_add(br, bufs + (size_t)bid * BUFSZ, BUFSZ, bid, io_uring_buf_ring_mask(NBUF), 0);
	io_uring_buf_ring_advance(br, 1);
}

static void recv_on(int fd) {
	struct io_uring_sqe *s = sqe();
	io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
	s->flags |= IOSQE_BUFFER_SELECT;
	s->buf_group = GROUP;
	io_uring_sqe_set_data64(s, tag(RECV, fd));
	conns[fd].receiving = 1;
}

static void send_head(int fd) {
	struct conn *c = &conns[fd];
	int bid = c->head;
	struct io_uring_sqe *s = sqe();
	io_uring_prep_send(s, fd, bufs + (size_t)bid * BUFSZ + c->off, len[bid] - c->off, 0);
	io_uring_sqe_set_data64(s, tag(SEND, fd));
	c->sending = 1;
}

// finish closes fd once nothing of it is in flight.
static void finish(int fd) {
	struct conn *c = &conns[fd];
	if (c->sending || c->receiving) return;
	while (c->head >= 0) {
		int b = c->head;
		c->head = next[b];
		recycle(b);
	}
	c->tail = -1;
	c->closing = 0;
	close(fd);
}

static int listen_on(const char *hostport) {
	char host[64];
	const char *colon = strrchr(hostport, ':');
	if (!colon || colon - hostport >= (long)sizeof host) return -1;
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 4096)) return -1;
	return fd;
}

int main(int argc, char **argv) {
	if (argc < 2 || (argc == 3 && strcmp(argv[2], "echo")) || argc > 3) {
		fprintf(stderr, "usage: %s host:port [echo]\n", argv[0]);
		return 2;
	}
	if (getenv("LIMIT_SPIN_US")) spin_ns = atol(getenv("LIMIT_SPIN_US")) * 1000;
	int ln = listen_on(argv[1]);
	if (ln < 0) {
		perror("listen");
		return 1;
	}
	struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, .cq_entries = 16384};
	p.flags |= IORING_SETUP_CQSIZE;
	int err = io_uring_queue_init_params(4096, &ring, &p);
	if (err) {
		fprintf(stderr, "io_uring: %s\n", strerror(-err));
		return 1;
	}
	size_t ringsz = NBUF * sizeof(struct io_uring_buf);
	br = mmap(NULL, ringsz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	bufs = malloc((size_t)NBUF * BUFSZ);
	struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = GROUP};
	if (br == MAP_FAILED || !bufs || (err = io_uring_register_buf_ring(&ring, &reg, 0))) {
		fprintf(stderr, "buffer ring: %s\n", strerror(-err));
		return 1;
	}
	io_uring_buf_ring_init(br);
	for (int i = 0; i < NBUF; i++) recycle(i);
	conns = calloc(MAXFD, sizeof *conns);
	for (int i = 0; i < MAXFD; i++) conns[i].head = conns[i].tail = -1;

	struct io_uring_sqe *s = sqe();
	io_uring_prep_multishot_accept(s, ln, NULL, NULL, 0);
	io_uring_sqe_set_data64(s, tag(ACCEPT, ln));
	printf("listening on %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		wait();
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			int op = cqe->user_data >> 32, fd = (int)(unsigned)cqe->user_data, res = cqe->res;
			int more = cqe->flags & IORING_CQE_F_MORE;
			struct conn *c = &conns[fd];
			switch (op) {
			case ACCEPT:
				if (res >= 0 && res < MAXFD) {
					int one = 1;
					setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					recv_on(res);
				} else if (res >= 0) {
					close(res);
				}
				if (!more) {
					s = sqe();
					io_uring_prep_multishot_accept(s, ln, NULL, NULL, 0);
					io_uring_sqe_set_data64(s, tag(ACCEPT, ln));
				}
				break;
			case RECV:
				if (!more) c->receiving = 0;
				if (res > 0) {
					int bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
					len[bid] = res;
					next[bid] = -1;
					if (c->tail >= 0)
						next[c->tail] = bid;
					else
						c->head = bid;
					c->tail = bid;
					if (!c->sending) send_head(fd);
					if (!more && !c->closing) recv_on(fd);
				} else if (res == -ENOBUFS) {
					// The ring is empty: receive again once a send gives a buffer back.
				} else {
					c->closing = 1;
					finish(fd);
				}
				break;
			case SEND:
				c->sending = 0;
				if (res <= 0) {
					c->closing = 1;
				} else if (c->off + res < len[c->head]) {
					c->off += res; // a short send: the rest of the same buffer
				} else {
					int b = c->head;
					c->head = next[b];
					if (c->head < 0) c->tail = -1;
					c->off = 0;
					recycle(b);
				}
				if (c->closing) {
					finish(fd);
					break;
				}
				if (c->head >= 0) send_head(fd);
				if (!c->receiving) recv_on(fd);
				break;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
}
