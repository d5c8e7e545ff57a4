/*
 * prom.h - writing the Prometheus text exposition format, version 0.0.4.
 *
 * Pure: every function appends to a struct buf and keeps no state, so the
 * format (escaping, number spelling, histogram lines) is tested alone.
 * Metric and label names are the caller's static strings and must already
 * be valid ([a-zA-Z_:][a-zA-Z0-9_:]*); label values are escaped here.
 *
 * All appends return 0, or -1 when memory runs out (the buffer then holds
 * a partial line and should be thrown away).
 */
#ifndef EQ_UTIL_PROM_H
#define EQ_UTIL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;
	const char *value;   /* any text; escaped on output */
};

/* The value of a label: backslash, double quote and line feed escaped as
 * \\, \" and \n (nothing else is, per the format). */
__attribute__((warn_unused_result))
int prom_append_label_value(struct buf *b, const char *value);

/* A number as the format spells it: the shortest text that reads back to
 * the same double, "+Inf", "-Inf" or "NaN". */
__attribute__((warn_unused_result))
int prom_append_double(struct buf *b, double v);

/* "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type";
 * type is "counter", "gauge", "histogram", ... */
__attribute__((warn_unused_result))
int prom_family(struct buf *b, const char *name, const char *type, const char *help);

/* One sample line, "name{a="x",b="y"} value"; no braces without labels. */
__attribute__((warn_unused_result))
int prom_sample(struct buf *b, const char *name, const struct prom_label *labels,
		size_t nlabels, double value);
/* The same for a counter that must stay exact past 2^53. */
__attribute__((warn_unused_result))
int prom_sample_u64(struct buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, uint64_t value);

/* A family of one unlabelled sample, "# HELP", "# TYPE" and "name value":
 * a gauge (any double) ... */
__attribute__((warn_unused_result))
int prom_gauge(struct buf *b, const char *name, const char *help, double value);

/* ... or one of a table of such families, each a whole number written
 * exactly (a counter must stay exact past 2^53; a whole-number gauge, a
 * size or a 0/1, reads the same as prom_gauge would write it). */
struct prom_scalar {
	const char *name;
	const char *type;   /* "counter" or "gauge" */
	const char *help;
	uint64_t value;
};
__attribute__((warn_unused_result))
int prom_scalars(struct buf *b, const struct prom_scalar *list, size_t n);

/*
 * The bucket a value falls in: the first i with value <= bounds[i] (bounds
 * ascending, the histogram's upper bounds), or nbounds for the implicit
 * +Inf bucket.
 */
size_t prom_bucket_index(const uint64_t *bounds, size_t nbounds, uint64_t value);

/*
 * The lines of one histogram series: name_bucket for each bound in le
 * (cumulative) and for +Inf, name_sum and name_count.  counts has nle + 1
 * entries, NOT cumulative (counts[nle] is the +Inf bucket alone); the
 * count written is their total, so _count always equals the +Inf bucket.
 */
__attribute__((warn_unused_result))
int prom_histogram(struct buf *b, const char *name, const struct prom_label *labels,
		   size_t nlabels, const double *le, size_t nle, const uint64_t *counts,
		   double sum);

#endif
