/* SPDX-License-Identifier: GPL-2.0-only */
/* Prometheus exposition: text format 0.0.4 and OpenMetrics 1.0.0; escaping
 * and counter naming for each. */
#ifndef DROPMON_EXPO_H
#define DROPMON_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

enum expo_format {
	EXPO_TEXT,	  /* text/plain; version=0.0.4 */
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

enum expo_type { EXPO_COUNTER, EXPO_GAUGE };

struct expo_label {
	const char *name;
	const char *value; /* escaped on output */
};

struct expo {
	struct strbuf *out;
	enum expo_format format;
	enum expo_type type;
	char family[128]; /* current family name, without _total */
	size_t family_len;
};

/* The Content-Type of a format. OpenMetrics is what a scraper gets when
 * its Accept header prefers application/openmetrics-text (any version). */
const char *expo_content_type(enum expo_format format);

void expo_init(struct expo *e, struct strbuf *out, enum expo_format format);
/* Starts a family. `name` is the base name: a counter is passed without its
 * _total suffix ("dropmon_drops"). Text: "# HELP dropmon_drops_total ..." and
 * "# TYPE dropmon_drops_total counter"; OpenMetrics: "# HELP dropmon_drops ..."
 * and "# TYPE dropmon_drops counter". HELP text is escaped: \\ and \n, and in
 * OpenMetrics also " (its grammar has no raw quote there; promtool rejects \" in
 * 0.0.4 HELP).
 * Returns -EINVAL for a name that is not [a-zA-Z_][a-zA-Z0-9_]* (colons are
 * not allowed either) or longer than the family buffer. */
int expo_family(struct expo *e, const char *name, enum expo_type type, const char *help);
/* One sample of the current family; counters get the _total suffix in both
 * formats. Label values are escaped: \ -> \\, " -> \", newline -> \n.
 * Labels with an empty value are written as they are (name=""). */
void expo_sample_u64(struct expo *e, const struct expo_label *labels, size_t nlabels,
		     uint64_t value);
/* A label set rendered once, for the samples of several families that share
 * it: appends "{a=\"b\",...}" (nothing for no labels) to out, escaped as above.
 * Returns 0, -EINVAL (nothing appended) for an invalid or repeated label
 * name, or out's error. */
int expo_labels_render(struct strbuf *out, const struct expo_label *labels, size_t nlabels);
/* A sample of the current family with a label set from expo_labels_render();
 * the same output as expo_sample_u64() with those labels. */
void expo_sample_u64_rendered(struct expo *e, const char *labelset, size_t len, uint64_t value);
/* Doubles: shortest of %.15g/%.16g/%.17g that reads back exactly; NaN and
 * infinities as NaN, +Inf, -Inf. */
void expo_sample_double(struct expo *e, const struct expo_label *labels, size_t nlabels,
			double value);
/* OpenMetrics: appends "# EOF\n". Text: nothing. */
void expo_finish(struct expo *e);

#endif
