// SPDX-License-Identifier: GPL-2.0-only
/* What the subcommands share: messages a user can act on, private output
 * files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static unsigned long long memlock_kib(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return ULLONG_MAX;
	return (unsigned long long)rl.rlim_cur / 1024;
}

/* Whether RLIMIT_MEMLOCK can be why map creation failed: kernels before
 * 5.11 charge BPF maps to it instead of the memory cgroup, and libbpf's
 * attempt to lift it fails without CAP_SYS_RESOURCE. */
static bool memlock_charged(void)
{
	struct utsname u;
	unsigned int major, minor;

	if (memlock_kib() == ULLONG_MAX || uname(&u) ||
	    sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 5 || (major == 5 && minor < 11);
}

void cli_explain_load_error(enum loader_stage stage, int err)
{
	switch (stage) {
	case LOADER_STAGE_BTF:
		pr_err("/sys/kernel/btf/vmlinux is missing: this kernel has no BTF "
		       "(CONFIG_DEBUG_INFO_BTF); dropmon needs a kernel built with it\n");
		return;
	case LOADER_STAGE_ATTACH:
		if (err == -ENOENT) {
			pr_err("cannot attach to tracepoint skb:kfree_skb: it does not exist in "
			       "this kernel\n");
			return;
		}
		break;
	default:
		break;
	}
	if ((err == -EPERM || err == -EACCES) && !loader_has_caps()) {
		pr_err("permission denied loading the BPF program: run as root, or grant "
		       "CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8)\n");
		return;
	}
	if (err == -EACCES && stage == LOADER_STAGE_LOAD) {
		pr_err("the kernel's verifier rejected the BPF program: run with "
		       "--log.level=debug to see its log, and report it with `uname -r`\n");
		return;
	}
	if (err == -EPERM && stage == LOADER_STAGE_LOAD && memlock_charged()) {
		pr_err("the kernel refused to create the BPF maps or program: it charges them to "
		       "RLIMIT_MEMLOCK (kernels before 5.11), which is %llu KiB here and could "
		       "not be raised; raise it (ulimit -l unlimited, LimitMEMLOCK=infinity in a "
		       "systemd unit) or grant CAP_SYS_RESOURCE\n",
		       memlock_kib());
		return;
	}
	if (err == -EPERM) {
		pr_err("the kernel refused BPF despite the capabilities: is it locked down? "
		       "(cat /sys/kernel/security/lockdown)\n");
		return;
	}
	pr_err("cannot %s the BPF program: %s (run with --log.level=debug for libbpf's "
	       "details)\n",
	       stage == LOADER_STAGE_ATTACH ? "attach"
	       : stage == LOADER_STAGE_OPEN ? "open"
					    : "load",
	       strerror(-err));
}

static int set_log_level(const char *arg)
{
	enum log_level level;

	if (log_parse_level(arg, &level)) {
		pr_err("--log.level must be error, warn, info or debug (got '%s')\n", arg);
		return -EINVAL;
	}
	log_set_level(level);
	return 0;
}

int cli_opt_log_level(const struct opts_entry *e, const char *arg, void *cfg)
{
	(void)e;
	(void)cfg;
	return set_log_level(arg);
}
