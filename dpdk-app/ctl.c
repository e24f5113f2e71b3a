// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The control socket (see ctl.h): UNIX SOCK_SEQPACKET, one packet = one or
 * more whole netlink messages, as libmcsec's DPDK transport sends them.
 *
 * Who may talk: the socket is created mode 0600 (umask set around bind,
 * so it never exists with a wider mode), and every connection's peer
 * credentials (SO_PEERCRED, taken by the kernel at connect time) must be
 * root or the appliance's own uid. Others, who got in with a file
 * descriptor passed to them or with CAP_DAC_OVERRIDE, get EPERM for every
 * request, as mcsec.ko answers a caller without CAP_NET_ADMIN, and change
 * nothing.
 *
 * Everything runs on the main lcore, between its other duties, with
 * non-blocking accept/recv and a bounded send timeout: a slow or stuck
 * client can delay the control plane by a second at most and never the
 * workers. Requests may carry keys, so the receive buffer is locked, kept
 * out of core dumps and wiped after every packet.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl.h"

#define MAX_CONNS	32

static struct {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct mcd_conn conns[MAX_CONNS];
	u32 nconns;
	char *rbuf;			/* MCD_PKT_MAX + 1, locked */
	struct mcd_out out;
	time_t last_log;
} ctl = { .lfd = -1 };

const char *mcd_ctl_msg(const char *msg)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s", msg);
	return buf;
}

/* At most one line a second: a client must not be able to flood the log. */
static void ctl_log(const char *what, unsigned int uid)
{
	time_t now = time(NULL);

	if (now == ctl.last_log)
		return;
	ctl.last_log = now;
	fprintf(stderr, MCD_NAME ": control socket: %s (uid %u)\n", what, uid);
}

static void *locked_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Best effort under a low RLIMIT_MEMLOCK. */
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

/* Is somebody serving path already? Then it is not ours to take. */
static bool path_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = !connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return used;
}

bool mcd_ctl_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "--ctl %s: path too long", path);
		return false;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--ctl %s: exists and is not a socket", path);
			return false;
		}
		if (path_in_use(&sun)) {
			snprintf(err, errlen, "--ctl %s: another process serves it", path);
			return false;
		}
		unlink(path);	/* left behind by an appliance that died */
	}
	ctl.rbuf = locked_alloc(MCD_PKT_MAX + 1);
	ctl.out.buf = locked_alloc(MCD_PKT_MAX);
	ctl.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!ctl.rbuf || !ctl.out.buf || ctl.lfd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return false;
	}
	old = umask(0177);
	r = bind(ctl.lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r || chmod(path, 0600) || listen(ctl.lfd, 16)) {
		snprintf(err, errlen, "--ctl %s: %s", path, strerror(errno));
		return false;
	}
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	return true;
}

static void conn_close(u32 i)
{
	close(ctl.conns[i].fd);
	ctl.conns[i] = ctl.conns[--ctl.nconns];
}

static void accept_one(void)
{
	struct timeval tv = { .tv_sec = 1 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct mcd_conn *c;
	/* Blocking, for sends bounded by SO_SNDTIMEO: a dump may outgrow the
	 * socket buffer while the client reads it. Receives never block. */
	int fd = accept4(ctl.lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    ctl.nconns == MAX_CONNS) {
		ctl_log("connection refused: no credentials or too many clients",
			len == sizeof(cred) ? cred.uid : ~0u);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c = &ctl.conns[ctl.nconns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->uid = cred.uid;
	c->allowed = cred.uid == 0 || cred.uid == geteuid();
	if (!c->allowed)
		ctl_log("unprivileged peer: every request refused", cred.uid);
}

/* One packet of a connection; false when the connection is done. */
static bool serve_one(struct mcd_conn *c)
{
	struct mcd_extack ex = { .msg = "request larger than 64 KiB" };
	ssize_t n;

	do {
		n = recv(c->fd, ctl.rbuf, MCD_PKT_MAX + 1, MSG_TRUNC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN;
	if (!n)
		return false;
	ctl.out.fd = c->fd;
	ctl.out.failed = false;
	if (n > MCD_PKT_MAX) {
		/* Nothing of it is applied: an error for its first header. */
		if (((struct nlmsghdr *)ctl.rbuf)->nlmsg_len >= MNL_NLMSG_HDRLEN)
			mcd_out_ack(&ctl.out, (struct nlmsghdr *)ctl.rbuf,
				    -EMSGSIZE, &ex);
		n = MCD_PKT_MAX;
	} else {
		mcd_ctl_request(c, ctl.rbuf, (int)n, &ctl.out);
	}
	explicit_bzero(ctl.rbuf, (size_t)n);
	mcd_out_flush(&ctl.out);
	return !ctl.out.failed;
}

/*
 * An overrun, told in band: a netlink listener whose socket overflowed has
 * its next recv() fail with ENOBUFS; a UNIX socket cannot fail a recv for
 * us, so the subscriber gets, as soon as its socket has room again and
 * before any later event, one NLMSG_ERROR with error -ENOBUFS and
 * nlmsg_seq 0 (no request is answered with seq 0 by an event socket),
 * which libmcsec's receive turns into -ENOBUFS. True when it went out.
 */
static bool send_overrun(struct mcd_conn *c)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} m = {
		.h = { .nlmsg_len = sizeof(m), .nlmsg_type = NLMSG_ERROR,
		       .nlmsg_flags = NLM_F_CAPPED },
		.e = { .error = -ENOBUFS },
	};

	if (send(c->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(m))
		return false;
	c->lost = false;
	return true;
}

void mcd_ctl_poll(int timeout_ms)
{
	struct pollfd fds[MAX_CONNS + 1];
	u32 n = ctl.nconns;

	if (ctl.lfd < 0) {
		if (timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		return;
	}
	fds[0] = (struct pollfd){ .fd = ctl.lfd, .events = POLLIN };
	/* A subscriber owed an overrun notice: as soon as it has room. */
	for (u32 i = 0; i < n; i++)
		fds[i + 1] = (struct pollfd){ .fd = ctl.conns[i].fd,
			.events = POLLIN | (ctl.conns[i].lost ? POLLOUT : 0) };
	if (poll(fds, n + 1, timeout_ms) <= 0)
		return;
	/* Backwards: conn_close() moves the last connection into i. */
	for (u32 i = n; i-- > 0;) {
		if (fds[i + 1].revents & POLLOUT && ctl.conns[i].lost)
			(void)send_overrun(&ctl.conns[i]);
		if (fds[i + 1].revents & ~POLLOUT && !serve_one(&ctl.conns[i]))
			conn_close(i);
	}
	if (fds[0].revents & POLLIN)
		accept_one();
}

void mcd_ctl_event(const struct mcd_group *g, const struct mcd_sa *sa,
		   u8 type, u8 limit)
{
	char buf[256] __attribute__((aligned(8)));
	struct mcd_out o = { .fd = -1, .buf = buf };

	if (ctl.lfd < 0)
		return;
	mcd_ctl_event_msg(&o, g, sa, type, limit);
	/* A subscriber whose socket is full misses the event and is told so
	 * (send_overrun) once it has room; until then, later events are
	 * lost too: it must not see them before the notice. */
	for (u32 i = 0; i < ctl.nconns; i++) {
		struct mcd_conn *c = &ctl.conns[i];

		if (!c->events || !c->allowed || (c->lost && !send_overrun(c)))
			continue;
		if (send(c->fd, o.buf, o.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    (errno == EAGAIN || errno == ENOBUFS))
			c->lost = true;
	}
}

void mcd_ctl_close(void)
{
	while (ctl.nconns)
		conn_close(0);
	if (ctl.lfd >= 0) {
		close(ctl.lfd);
		unlink(ctl.path);
		ctl.lfd = -1;
	}
	if (ctl.rbuf) {
		explicit_bzero(ctl.rbuf, MCD_PKT_MAX + 1);
		munmap(ctl.rbuf, MCD_PKT_MAX + 1);
		ctl.rbuf = NULL;
	}
	if (ctl.out.buf) {
		munmap(ctl.out.buf, MCD_PKT_MAX);
		ctl.out.buf = NULL;
	}
}
