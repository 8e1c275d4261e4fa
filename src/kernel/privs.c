// SPDX-License-Identifier: GPL-2.0-only
/* capset(2) and prctl(2) directly: three calls do not need libcap. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

static int cap_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	memset(data, 0, 2 * sizeof(*data));
	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

uint64_t privs_effective(void)
{
	struct __user_cap_data_struct data[2];

	if (cap_get(data))
		return 0;
	return (uint64_t)data[1].effective << 32 | data[0].effective;
}

static int cap_set(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int privs_try_with_only(uint64_t keep, int (*fn)(void *arg), void *arg)
{
	struct __user_cap_data_struct saved[2], data[2];
	int err, ret;

	err = cap_get(saved);
	if (err)
		return err;
	memcpy(data, saved, sizeof(data));
	data[0].effective &= (uint32_t)keep;
	data[1].effective &= (uint32_t)(keep >> 32);
	/* Lowering the effective set never needs a privilege; an LSM may
	 * still refuse, and that must not read as fn's EPERM. */
	err = cap_set(data);
	if (err)
		return err == -EPERM ? -EACCES : err;
	ret = fn(arg);
	/* Raising the effective set within the permitted one cannot fail. */
	err = cap_set(saved);
	return err ? err : ret;
}

/* The running kernel's, which may know more than the headers built with. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

/* The bounding set needs CAP_SETPCAP: without it, it is left as it is. */
static int drop_bounding(uint64_t keep)
{
	struct __user_cap_data_struct data[2];
	int last = last_cap(), err;

	err = cap_get(data);
	if (err)
		return err;
	if (!(data[0].effective & (1u << CAP_SETPCAP)))
		return 0;
	for (int cap = 0; cap <= last; cap++) {
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -errno;
	}
	return 0;
}

int privs_switch_user(uid_t uid, gid_t gid, uint64_t keep)
{
	/* While CAP_SETPCAP is still effective. */
	int err = drop_bounding(keep);

	if (err)
		return err;
	/* Keep the permitted set across setuid; privs_keep_only then makes the
	 * kept ones effective again. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return privs_keep_only(keep);
}

int privs_keep_only(uint64_t keep)
{
	struct __user_cap_data_struct data[2];
	uint64_t permitted;
	int err;

	err = drop_bounding(keep);
	if (!err)
		err = cap_get(data);
	if (err)
		return err;
	permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	/* Ambient capabilities would come back at the next exec otherwise;
	 * and no exec may ever gain privileges again. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	keep &= permitted;
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	return cap_set(data);
}
