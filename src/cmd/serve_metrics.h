/* SPDX-License-Identifier: GPL-2.0-only */
/* The routes of `serve` that are not the debug face: the telemetry path (a
 * scrape, in the format and encoding the scraper asks for), the landing
 * page, and what /debug/ says when the debug face is off. */
#ifndef DROPMON_SERVE_METRICS_H
#define DROPMON_SERVE_METRICS_H

#include <microhttpd.h>

/* ctx: the struct scrape. */
enum MHD_Result serve_metrics(void *ctx, struct MHD_Connection *conn, const char *url);
/* ctx: the telemetry path, a string checked to need no HTML escaping. */
enum MHD_Result serve_landing(void *ctx, struct MHD_Connection *conn, const char *url);
/* ctx: unused. */
enum MHD_Result serve_debug_off(void *ctx, struct MHD_Connection *conn, const char *url);

#endif
