// SPDX-License-Identifier: GPL-2.0-only
/* pcap-filter expressions compiled for Ethernet and raw IP, run with pcap_offline_filter() on
 * the captured bytes of dropped packets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pktfilter.h"

/* the largest IP packet; the compiled program returns it to accept (only != 0 matters here) */
#define PKTFILTER_SNAPLEN 65535

struct pktfilter {
	struct bpf_program prog[2]; /* indexed by mac: [0] raw IP, [1] Ethernet */
	bool ok[2];		    /* whether prog[i] was compiled */
};

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (!err || !errlen)
		return;
	snprintf(err, errlen, "%s", msg);
}

/* Compiles expr for linktype into *prog. Returns 0, -EINVAL with libpcap's message in
 * err[0..errlen), or -ENOMEM. */
static int compile_one(const char *expr, int linktype, struct bpf_program *prog, char *err,
		       size_t errlen)
{
	pcap_t *p = NULL;
	int err_code = 0;

	/* pcap_open_dead() takes a DLT_ value, not a LINKTYPE_ one: raw IP is DLT_RAW (12 on
	 * Linux); LINKTYPE_RAW (101) only exists in savefiles and is rejected here. */
	p = pcap_open_dead(linktype, PKTFILTER_SNAPLEN);
	if (!p) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* no netmask: only "ip broadcast" needs one, and it then fails with a clear message */
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errlen, pcap_geterr(p));
		err_code = -EINVAL;
	}
	pcap_close(p);
	return err_code;
}

int pktfilter_new(const char *expr, struct pktfilter **out, char *err, size_t errlen)
{
	struct pktfilter *f = NULL;
	int ret_eth, ret_raw, ret;

	*out = NULL;
	set_err(err, errlen, "");
	if (!expr || !*expr)
		return 0;

	f = calloc(1, sizeof(*f));
	if (!f) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}

	ret = ret_eth = compile_one(expr, DLT_EN10MB, &f->prog[1], err, errlen);
	if (ret_eth == -ENOMEM)
		goto cleanup;
	f->ok[1] = !ret_eth;
	/* When both fail, report the Ethernet message: the raw-IP one may only be about the
	 * link type ("ethernet addresses supported only on ..."). */
	ret_raw =
	    compile_one(expr, DLT_RAW, &f->prog[0], ret_eth ? NULL : err, ret_eth ? 0 : errlen);
	if (ret_raw == -ENOMEM) {
		ret = ret_raw;
		set_err(err, errlen, "out of memory");
		goto cleanup;
	}
	f->ok[0] = !ret_raw;
	if (!f->ok[0] && !f->ok[1])
		goto cleanup;

	set_err(err, errlen, "");
	*out = f;
	return 0;

cleanup:
	pktfilter_free(f);
	return ret;
}

bool pktfilter_match(const struct pktfilter *f, bool mac, const void *data, uint32_t caplen,
		     uint32_t wire_len)
{
	struct pcap_pkthdr hdr = { 0 };
	int i = mac ? 1 : 0;

	if (!f)
		return true;
	if (!f->ok[i])
		return false;
	hdr.caplen = caplen;
	hdr.len = wire_len < caplen ? caplen : wire_len;
	/* the BPF interpreter bounds every load by caplen and writes only to its own stack
	 * scratch memory, so concurrent calls on one program are safe */
	return pcap_offline_filter(&f->prog[i], &hdr, data) != 0;
}

void pktfilter_free(struct pktfilter *f)
{
	if (!f)
		return;
	for (int i = 1; i >= 0; i--)
		if (f->ok[i])
			pcap_freecode(&f->prog[i]);
	free(f);
}
