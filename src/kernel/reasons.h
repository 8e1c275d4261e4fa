/* SPDX-License-Identifier: GPL-2.0-only */
/* Drop reason names read from the running kernel's BTF: enum skb_drop_reason
 * and the subsystem enums, never a table compiled in. */
#ifndef DROPMON_REASONS_H
#define DROPMON_REASONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reasons;

/* Reads `enum skb_drop_reason` (names without the SKB_DROP_REASON_ prefix:
 * NO_SOCKET, NETFILTER_DROP, ...) and `enum skb_drop_reason_subsys` from the
 * BTF at vmlinux_path (NULL: /sys/kernel/btf/vmlinux). Subsystem reasons are
 * values whose high 16 bits name a subsystem; their names come from enums in
 * the module BTF files in module_dir (NULL: /sys/kernel/btf) or in vmlinux
 * whose name ends in "drop_reason" and whose enumerators carry that subsystem
 * in their high 16 bits. They are shown as "subsys/NAME", subsys being the
 * lower-cased SKB_DROP_REASON_SUBSYS_ suffix ("openvswitch/OVS_DROP_LAST_ACTION").
 * A BTF without enum skb_drop_reason (kernels before 5.17) is not an error:
 * every value is then named NOT_SPECIFIED.
 * The table goes to *out. Returns 0 or a negative errno: when the vmlinux
 * BTF cannot be read. */
int reasons_load(const char *vmlinux_path, const char *module_dir, struct reasons **out);

/* Writes the name of `value` into buf (always NUL-terminated, truncated to
 * size) and returns buf. An unknown value is written as its decimal number,
 * never dropped. A subsystem value not found re-reads the module BTFs, at most
 * once every 30 seconds (a module may have been loaded since). */
const char *reasons_name(struct reasons *r, uint32_t value, char *buf, size_t size);

/* The value of a reason named as reasons_name() writes it ("NO_SOCKET",
 * "openvswitch/OVS_DROP_LAST_ACTION"; case-insensitive). Without enum
 * skb_drop_reason, NOT_SPECIFIED is 0 (what the kernel then passes) and no
 * other name exists. Returns 0, or -ENOENT when no reason has that name. */
int reasons_value(struct reasons *r, const char *name, uint32_t *out);

/* False on kernels whose drops carry no reason (before 5.17). */
bool reasons_known(const struct reasons *r);

/* Number of names known (core + subsystem). */
size_t reasons_count(const struct reasons *r);
void reasons_free(struct reasons *r); /* accepts NULL */

#endif
