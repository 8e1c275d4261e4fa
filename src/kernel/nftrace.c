// SPDX-License-Identifier: GPL-2.0-only
#include "nftrace.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "monotonic.h"
#include "nfnames.h"
#include "nftables.h"
#include "strbuf.h"

/* What the trace socket may hold before the kernel drops messages. */
#define TRACE_RCVBUF (8 << 20)
/* Namespaces remembered; past it, new ones are not looked at. */
#define NS_MAX 65536
/* Chains whose listing is kept for rule texts, and how soon one is listed
 * again for a handle it does not have. */
#define LISTINGS 16
#define RELIST_S 1.0

struct ns_entry {
	uint32_t inode;
	int fd;	  /* the namespace, while our table is there; else -1 */
	int sock; /* its trace socket, or -1 */
};

struct listing {
	uint32_t netns;
	uint8_t family;
	char table[NFTRACE_NAMSIZ];
	char chain[NFTRACE_NAMSIZ];
	struct strbuf text; /* `nft -a list chain` */
	double at;	    /* when listed; 0: unused */
};

/* The kernel puts a packet's headers in the first message of a trace
 * only (per base chain run); the verdict's message has its id. */
struct headers {
	uint32_t netns, id;
	uint8_t nh[NFTRACE_NH], th[NFTRACE_TH];
	uint8_t nh_len, th_len;
};
#define HEADERS 64

struct nftrace {
	int lock_fd;
	int self_fd; /* our own network namespace, to come back to */
	struct ns_entry *ns;
	size_t n_ns, cap_ns;
	struct nftrace_verdict *queue; /* a ring of NFTRACE_QUEUE */
	size_t head, count;
	struct listing listings[LISTINGS];
	size_t next_listing;
	struct nftrace_stats stats;
	uint32_t only;			 /* the one netns looked at, 0: all */
	struct headers headers[HEADERS]; /* the latest traces' */
	size_t next_headers;
	struct strbuf out;
	char *msgbuf;
};

#define MSGBUF_SIZE (64 << 10)

int nftrace_open(const char *lock_path, struct nftrace **out, int *holder)
{
	struct nftrace *t;
	int err;

	*out = NULL;
	*holder = 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->self_fd = -1;
	if (!lock_path) {
		lock_path = NFTRACE_LOCK;
		if (mkdir(NFTRACE_LOCK_DIR, 0755) && errno != EEXIST) {
			err = -errno;
			goto fail_free;
		}
	}
	t->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->lock_fd < 0) {
		err = -errno;
		goto fail_free;
	}
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB)) {
		char buf[24] = "";
		ssize_t n = pread(t->lock_fd, buf, sizeof(buf) - 1, 0);

		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (n > 0) {
			buf[n] = '\0';
			*holder = atoi(buf);
		}
		goto fail;
	}
	if (ftruncate(t->lock_fd, 0) == 0) {
		char buf[24];
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

		if (pwrite(t->lock_fd, buf, (size_t)n, 0) != n)
			pr_debug("netfilter-rules: could not write the pid to %s\n", lock_path);
	}
	t->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	t->queue = calloc(NFTRACE_QUEUE, sizeof(*t->queue));
	t->msgbuf = malloc(MSGBUF_SIZE);
	if (t->self_fd < 0 || !t->queue || !t->msgbuf) {
		err = t->self_fd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	strbuf_init(&t->out);
	for (size_t i = 0; i < LISTINGS; i++)
		strbuf_init(&t->listings[i].text);
	*out = t;
	return 0;
fail:
	close(t->lock_fd);
	if (t->self_fd >= 0)
		close(t->self_fd);
	free(t->queue);
	free(t->msgbuf);
fail_free:
	free(t);
	return err;
}

/* --- the namespaces ------------------------------------------------------ */

static struct ns_entry *ns_find(struct nftrace *t, uint32_t inode)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (t->ns[i].inode == inode)
			return &t->ns[i];
	return NULL;
}

static struct ns_entry *ns_add(struct nftrace *t, uint32_t inode)
{
	if (t->n_ns == t->cap_ns) {
		size_t cap = t->cap_ns ? t->cap_ns * 2 : 64;
		struct ns_entry *ns;

		if (t->n_ns >= NS_MAX)
			return NULL;
		ns = reallocarray(t->ns, cap, sizeof(*ns));
		if (!ns)
			return NULL;
		t->ns = ns;
		t->cap_ns = cap;
	}
	t->ns[t->n_ns] = (struct ns_entry){ .inode = inode, .fd = -1, .sock = -1 };
	return &t->ns[t->n_ns++];
}

/* A trace socket in the namespace netns_fd. */
static int trace_socket(struct nftrace *t, int netns_fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err = 0, grp = NFNLGRP_NFTRACE, size = TRACE_RCVBUF;

	if (setns(netns_fd, CLONE_NEWNET))
		return -errno;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (fd < 0)
		err = -errno;
	if (setns(t->self_fd, CLONE_NEWNET)) {
		/* Stuck in another namespace: nothing here may go on. */
		pr_err("netfilter-rules: cannot return to its own network namespace: %s\n",
		       strerror(errno));
		abort();
	}
	if (err)
		return err;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		err = -errno;
		close(fd);
		return err;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* The first line of what nft printed, for a message. */
static const char *first_line(struct strbuf *out)
{
	char *nl;

	if (strbuf_putc(out, '\0'))
		return "";
	nl = strchr(out->buf, '\n');
	if (nl)
		*nl = '\0';
	return out->buf;
}

static const char *const add_table_argv[] = {
	"nft",
	"add table " NFTRACE_FAMILY " " NFTRACE_TABLE " { "
	"chain prerouting { type filter hook prerouting priority -2147483648; meta nftrace set 1; "
	"}; "
	"chain output { type filter hook output priority -2147483648; meta nftrace set 1; }; }",
	NULL
};
static const char *const delete_table_argv[] = { "nft",		 "delete",	"table",
						 NFTRACE_FAMILY, NFTRACE_TABLE, NULL };

/* Deletes our table in netns fd: a leftover of a run that did not end, or
 * our own at the stop. */
static void delete_table(struct nftrace *t, uint32_t inode, int fd, bool leftover)
{
	int rc = nftables_run(fd, delete_table_argv, &t->out);

	if (rc)
		pr_warn("netfilter-rules: netns %u: could not delete the table " NFTRACE_FAMILY
			" " NFTRACE_TABLE "%s: %s%s\n",
			inode, leftover ? " a run that did not end left" : "",
			rc < 0 ? strerror(-rc) : first_line(&t->out),
			leftover ? "" : " (the next collect --netfilter-rules will)");
	else if (leftover)
		pr_info("netfilter-rules: netns %u: deleted the table " NFTRACE_FAMILY
			" " NFTRACE_TABLE " a run that did not end left\n",
			inode);
	else
		pr_debug("netfilter-rules: netns %u: deleted the table " NFTRACE_FAMILY
			 " " NFTRACE_TABLE "\n",
			 inode);
}

/* One namespace not seen before: 1 when our table was added, 0 when it has
 * no tables, a negative errno when something failed. */
static int scan_one(struct nftrace *t, struct ns_entry *e, int fd)
{
	static const char *const list_argv[] = { "nft", "list", "tables", NULL };
	bool ours, other;
	int rc, sock;

	rc = nftables_run(fd, list_argv, &t->out);
	if (rc < 0)
		return rc;
	if (rc) {
		pr_warn("netfilter-rules: netns %u: nft list tables failed: %s\n", e->inode,
			first_line(&t->out));
		return -EIO;
	}
	nftables_parse_tables(t->out.buf, t->out.len, NFTRACE_FAMILY, NFTRACE_TABLE, &ours, &other);
	if (ours)
		delete_table(t, e->inode, fd, true);
	if (!other)
		return 0;
	sock = trace_socket(t, fd);
	if (sock < 0) {
		pr_warn("netfilter-rules: netns %u: cannot listen to its nftables trace: %s\n",
			e->inode, strerror(-sock));
		return sock;
	}
	rc = nftables_run(fd, add_table_argv, &t->out);
	if (rc) {
		pr_warn("netfilter-rules: netns %u: could not add the table " NFTRACE_FAMILY
			" " NFTRACE_TABLE ": %s\n",
			e->inode, rc < 0 ? strerror(-rc) : first_line(&t->out));
		close(sock);
		return rc < 0 ? rc : -EIO;
	}
	e->fd = fd;
	e->sock = sock;
	t->stats.tables++;
	pr_info("netfilter-rules: netns %u: added the table " NFTRACE_FAMILY " " NFTRACE_TABLE
		" (meta nftrace set 1 at prerouting and output), deleted when collect stops\n",
		e->inode);
	return 1;
}

/* Looks at the namespace at path, when it is one not seen before. */
static int scan_path(struct nftrace *t, const char *path)
{
	struct ns_entry *e;
	struct stat st;
	int fd, rc;

	if (stat(path, &st) || st.st_ino > UINT32_MAX || ns_find(t, (uint32_t)st.st_ino) ||
	    (t->only && st.st_ino != t->only))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* What was opened is what was looked at. */
	if (fstat(fd, &st) || st.st_ino > UINT32_MAX || ns_find(t, (uint32_t)st.st_ino)) {
		close(fd);
		return 0;
	}
	e = ns_add(t, (uint32_t)st.st_ino);
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	rc = scan_one(t, e, fd);
	if (rc <= 0)
		close(fd);
	return rc;
}

void nftrace_only(struct nftrace *t, uint32_t inode)
{
	t->only = inode;
}

int nftrace_scan(struct nftrace *t)
{
	char path[PATH_MAX];
	struct dirent *d;
	int added = 0, last_err = 0, rc;
	DIR *dir;

	/* Our own first, then the named ones, then every process's. */
	rc = scan_path(t, "/proc/self/ns/net");
	if (rc == -ENOENT)
		return rc;
	added += rc > 0;
	last_err = rc < 0 ? rc : last_err;
	for (int pass = 0; pass < 2; pass++) {
		const char *root = pass ? "/proc" : "/run/netns";

		dir = opendir(root);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.' ||
			    (pass && (d->d_name[0] < '0' || d->d_name[0] > '9')))
				continue;
			if (snprintf(path, sizeof(path), pass ? "%s/%s/ns/net" : "%s/%s", root,
				     d->d_name) >= (int)sizeof(path))
				continue;
			rc = scan_path(t, path);
			if (rc == -ENOENT || rc == -ENOMEM) {
				closedir(dir);
				return added ? added : rc;
			}
			added += rc > 0;
			last_err = rc < 0 ? rc : last_err;
		}
		closedir(dir);
	}
	return added || !last_err ? added : last_err;
}

/* --- the trace ----------------------------------------------------------- */

static void copy_name(char *dst, const struct nlattr *a)
{
	const char *src = mnl_attr_get_str(a);
	size_t i;

	for (i = 0; src[i] && i + 1 < NFTRACE_NAMSIZ; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

static uint8_t copy_header(uint8_t *dst, size_t size, const struct nlattr *a)
{
	size_t len;

	if (!a)
		return 0;
	len = mnl_attr_get_payload_len(a);
	if (len > size)
		len = size;
	memcpy(dst, mnl_attr_get_payload(a), len);
	return (uint8_t)len;
}

/* Forgets what is older than NFTRACE_KEEP_S. */
static void expire(struct nftrace *t, double now)
{
	while (t->count && now - t->queue[t->head].at > NFTRACE_KEEP_S) {
		t->head = (t->head + 1) % NFTRACE_QUEUE;
		t->count--;
		t->stats.expired++;
	}
}

/* The headers of trace id in netns, the latest first; NULL if gone. */
static struct headers *find_headers(struct nftrace *t, uint32_t netns, uint32_t id)
{
	for (size_t i = 1; i <= HEADERS; i++) {
		struct headers *hd = &t->headers[(t->next_headers + HEADERS - i) % HEADERS];

		if (hd->nh_len && hd->netns == netns && hd->id == id)
			return hd;
	}
	return NULL;
}

/* The attributes of a trace message this reads, each of the type the
 * kernel gives it (nf_tables_trace.c); another type is a bad message. */
static int trace_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);
	enum mnl_attr_data_type want;

	switch (type) {
	case NFTA_TRACE_TABLE:
	case NFTA_TRACE_CHAIN:
		want = MNL_TYPE_NUL_STRING;
		break;
	case NFTA_TRACE_TYPE:
	case NFTA_TRACE_POLICY:
	case NFTA_TRACE_ID:
		want = MNL_TYPE_U32;
		break;
	case NFTA_TRACE_RULE_HANDLE:
		want = MNL_TYPE_U64;
		break;
	case NFTA_TRACE_VERDICT:
		want = MNL_TYPE_NESTED;
		break;
	case NFTA_TRACE_NETWORK_HEADER:
	case NFTA_TRACE_TRANSPORT_HEADER:
		want = MNL_TYPE_BINARY;
		break;
	default:
		return MNL_CB_OK; /* not needed here */
	}
	if (mnl_attr_validate(a, want) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

static int verdict_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **code = data;

	if (mnl_attr_get_type(a) != NFTA_VERDICT_CODE)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	*code = a;
	return MNL_CB_OK;
}

int nftrace_handle_msg(struct nftrace *t, uint32_t netns, const void *msg, size_t len)
{
	const struct nlattr *tb[NFTA_TRACE_MAX + 1] = { 0 }, *code_attr = NULL;
	const struct nlmsghdr *nlh = msg;
	const struct nfgenmsg *g;
	struct nftrace_verdict *v;
	struct headers *hd;
	uint32_t type, code, id;
	bool policy;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -EINVAL;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE))
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)))
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*g), trace_attr, tb) < 0 || !tb[NFTA_TRACE_TYPE] ||
	    !tb[NFTA_TRACE_TABLE] || !tb[NFTA_TRACE_CHAIN] || !tb[NFTA_TRACE_ID])
		return -EINVAL;
	id = ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_ID]));
	if (tb[NFTA_TRACE_NETWORK_HEADER]) {
		hd = &t->headers[t->next_headers];
		t->next_headers = (t->next_headers + 1) % HEADERS;
		hd->netns = netns;
		hd->id = id;
		hd->nh_len = copy_header(hd->nh, sizeof(hd->nh), tb[NFTA_TRACE_NETWORK_HEADER]);
		hd->th_len = copy_header(hd->th, sizeof(hd->th), tb[NFTA_TRACE_TRANSPORT_HEADER]);
	} else {
		hd = find_headers(t, netns, id);
	}
	type = ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_TYPE]));
	if (type == NFT_TRACETYPE_RULE && tb[NFTA_TRACE_VERDICT] && tb[NFTA_TRACE_RULE_HANDLE]) {
		if (mnl_attr_parse_nested(tb[NFTA_TRACE_VERDICT], verdict_attr, &code_attr) < 0 ||
		    !code_attr)
			return -EINVAL;
		code = ntohl(mnl_attr_get_u32(code_attr));
		policy = false;
	} else if (type == NFT_TRACETYPE_POLICY && tb[NFTA_TRACE_POLICY]) {
		code = ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_POLICY]));
		policy = true;
	} else {
		return 0;
	}
	/* NF_DROP, with or without an errno in the upper bits; the negative
	 * codes are nftables' own (continue, jump, return). */
	if ((int32_t)code < 0 || (code & NF_VERDICT_MASK) != NF_DROP)
		return 0;
	if (g->nfgen_family == NFPROTO_INET &&
	    !strcmp(mnl_attr_get_str(tb[NFTA_TRACE_TABLE]), NFTRACE_TABLE))
		return 0;
	expire(t, monotonic_s());
	if (t->count == NFTRACE_QUEUE) {
		t->head = (t->head + 1) % NFTRACE_QUEUE;
		t->count--;
		t->stats.expired++;
	}
	v = &t->queue[(t->head + t->count) % NFTRACE_QUEUE];
	memset(v, 0, sizeof(*v));
	v->netns = netns;
	v->family = g->nfgen_family;
	v->policy = policy;
	v->handle = policy ? 0 : be64toh(mnl_attr_get_u64(tb[NFTA_TRACE_RULE_HANDLE]));
	copy_name(v->table, tb[NFTA_TRACE_TABLE]);
	copy_name(v->chain, tb[NFTA_TRACE_CHAIN]);
	if (hd) {
		memcpy(v->nh, hd->nh, sizeof(v->nh));
		memcpy(v->th, hd->th, sizeof(v->th));
		v->nh_len = hd->nh_len;
		v->th_len = hd->th_len;
	} else {
		t->stats.headless++; /* its packet's message was lost */
	}
	v->at = monotonic_s();
	t->count++;
	t->stats.verdicts++;
	return 1;
}

void nftrace_handle_buf(struct nftrace *t, uint32_t netns, const void *buf, size_t len)
{
	size_t off = 0;

	/* Bounds in size_t, not NLMSG_OK/NEXT's int (nor libmnl's, which takes
	 * a length of 2^31 or more for a negative one). */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);
		size_t n = nlh->nlmsg_len;

		if (n < sizeof(*nlh) || n > len - off)
			break;
		if (nftrace_handle_msg(t, netns, nlh, len - off) < 0)
			t->stats.bad++;
		n = NLMSG_ALIGN(n);
		if (n >= len - off)
			break;
		off += n;
	}
}

static void drain_socket(struct nftrace *t, struct ns_entry *e)
{
	for (;;) {
		ssize_t n = recv(e->sock, t->msgbuf, MSGBUF_SIZE, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == ENOBUFS) {
				t->stats.lost++;
				continue;
			}
			if (errno != EINTR)
				return;
			continue;
		}
		nftrace_handle_buf(t, e->inode, t->msgbuf, (size_t)n);
	}
}

void nftrace_drain(struct nftrace *t)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (t->ns[i].sock >= 0)
			drain_socket(t, &t->ns[i]);
	expire(t, monotonic_s());
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	return !memcmp(a, b, n);
}

int nftrace_take(struct nftrace *t, uint32_t netns, const uint8_t *l3, size_t len,
		 struct nftrace_verdict *out)
{
	size_t best = SIZE_MAX;

	nftrace_drain(t);
	for (size_t i = 0; i < t->count; i++) {
		const struct nftrace_verdict *v = &t->queue[(t->head + i) % NFTRACE_QUEUE];

		if (v->netns != netns || !v->nh_len || v->nh_len > len ||
		    !same(v->nh, l3, v->nh_len))
			continue;
		/* The transport header follows a network header that was not
		 * cut; one whose bytes match too is the packet for sure. */
		if (v->nh_len + v->th_len <= len && same(v->th, l3 + v->nh_len, v->th_len)) {
			best = i;
			break;
		}
		if (best == SIZE_MAX)
			best = i;
	}
	if (best == SIZE_MAX)
		return -ENOENT;
	*out = t->queue[(t->head + best) % NFTRACE_QUEUE];
	/* Out of the ring: the ones before it move up one. */
	for (size_t i = best; i > 0; i--)
		t->queue[(t->head + i) % NFTRACE_QUEUE] =
		    t->queue[(t->head + i - 1) % NFTRACE_QUEUE];
	t->head = (t->head + 1) % NFTRACE_QUEUE;
	t->count--;
	t->stats.taken++;
	return 0;
}

/* --- rule texts ---------------------------------------------------------- */

static int list_chain(struct listing *l, int fd, const char *family)
{
	const char *argv[] = { "nft", "-a", "list", "chain", family, l->table, l->chain, NULL };
	int rc = nftables_run(fd, argv, &l->text);

	l->at = monotonic_s();
	if (rc) {
		pr_debug("netfilter-rules: netns %u: nft -a list chain %s %s %s: %s\n", l->netns,
			 family, l->table, l->chain, rc < 0 ? strerror(-rc) : first_line(&l->text));
		strbuf_reset(&l->text);
	}
	return rc;
}

void nftrace_rule_text(struct nftrace *t, const struct nftrace_verdict *v, char *text, size_t size)
{
	char fambuf[NFNAMES_SIZE];
	const char *family = nfnames_family(v->family, fambuf);
	struct ns_entry *e = ns_find(t, v->netns);
	struct listing *l = NULL;

	if (!size)
		return;
	text[0] = '\0';
	if (v->policy || !e || e->fd < 0 || !nftables_name_ok(v->table) ||
	    !nftables_name_ok(v->chain) || !nftables_name_ok(family))
		return;
	for (size_t i = 0; i < LISTINGS; i++) {
		struct listing *c = &t->listings[i];

		if (c->at && c->netns == v->netns && c->family == v->family &&
		    !strcmp(c->table, v->table) && !strcmp(c->chain, v->chain)) {
			l = c;
			break;
		}
	}
	if (l) {
		if (!nftables_find_rule(l->text.buf, l->text.len, v->handle, text, size))
			return;
		if (monotonic_s() - l->at < RELIST_S)
			return;
	} else {
		l = &t->listings[t->next_listing];
		t->next_listing = (t->next_listing + 1) % LISTINGS;
		l->netns = v->netns;
		l->family = v->family;
		memcpy(l->table, v->table, sizeof(l->table));
		memcpy(l->chain, v->chain, sizeof(l->chain));
	}
	if (!list_chain(l, e->fd, family))
		(void)nftables_find_rule(l->text.buf, l->text.len, v->handle, text, size);
}

void nftrace_get_stats(const struct nftrace *t, struct nftrace_stats *out)
{
	*out = t->stats;
}

void nftrace_stop(struct nftrace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_ns; i++) {
		struct ns_entry *e = &t->ns[i];

		if (e->sock >= 0)
			close(e->sock);
		if (e->fd < 0)
			continue;
		delete_table(t, e->inode, e->fd, false);
		close(e->fd);
	}
	free(t->ns);
	free(t->queue);
	free(t->msgbuf);
	strbuf_free(&t->out);
	for (size_t i = 0; i < LISTINGS; i++)
		strbuf_free(&t->listings[i].text);
	close(t->self_fd);
	/* Last: a next run finds no table of ours it would take for a leftover. */
	close(t->lock_fd);
	free(t);
}
