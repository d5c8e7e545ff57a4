/*
 * prom.c - the Prometheus text exposition format (see prom.h).
 */
#include "util/prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int prom_append_label_value(struct buf *b, const char *value)
{
	const char *run = value;

	for (const char *p = value;; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		case '\n': esc = "\\n"; break;
		case '\0': return buf_append(b, run, (size_t)(p - run));
		default: continue;
		}
		if (buf_append(b, run, (size_t)(p - run)) != 0 || buf_append_str(b, esc) != 0)
			return -1;
		run = p + 1;
	}
}

/* HELP text escapes only backslash and line feed. */
static int append_help(struct buf *b, const char *help)
{
	for (const char *p = help; *p; p++) {
		int rc = *p == '\\' ? buf_append_str(b, "\\\\")
		       : *p == '\n' ? buf_append_str(b, "\\n")
		       : buf_append_char(b, *p);

		if (rc != 0)
			return -1;
	}
	return 0;
}

#define NUMBER_TEXT 40

static void format_double(char text[NUMBER_TEXT], double v)
{
	if (isnan(v)) {
		strcpy(text, "NaN");
	} else if (isinf(v)) {
		strcpy(text, v > 0 ? "+Inf" : "-Inf");
	} else {
		/* 15 digits spell 0.0005 as "0.0005"; 17 always read back exactly. */
		snprintf(text, NUMBER_TEXT, "%.15g", v);
		if (strtod(text, NULL) != v)
			snprintf(text, NUMBER_TEXT, "%.17g", v);
	}
}

int prom_append_double(struct buf *b, double v)
{
	char text[NUMBER_TEXT];

	format_double(text, v);
	return buf_append_str(b, text);
}

int prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
	if (buf_appendf(b, "# HELP %s ", name) != 0 || append_help(b, help) != 0 ||
	    buf_appendf(b, "\n# TYPE %s %s\n", name, type) != 0)
		return -1;
	return 0;
}

/* "name<suffix>{labels[,extra]} " up to the value. */
static int sample_start(struct buf *b, const char *name, const char *suffix,
			const struct prom_label *labels, size_t nlabels,
			const char *extra_name, const char *extra_value)
{
	bool braces = nlabels > 0 || extra_name;

	if (buf_append_str(b, name) != 0 || buf_append_str(b, suffix) != 0)
		return -1;
	if (braces && buf_append_char(b, '{') != 0)
		return -1;
	for (size_t i = 0; i < nlabels; i++) {
		if ((i && buf_append_char(b, ',') != 0) ||
		    buf_appendf(b, "%s=\"", labels[i].name) != 0 ||
		    prom_append_label_value(b, labels[i].value) != 0 ||
		    buf_append_char(b, '"') != 0)
			return -1;
	}
	if (extra_name) {
		if ((nlabels && buf_append_char(b, ',') != 0) ||
		    buf_appendf(b, "%s=\"", extra_name) != 0 ||
		    prom_append_label_value(b, extra_value) != 0 ||
		    buf_append_char(b, '"') != 0)
			return -1;
	}
	if (braces && buf_append_char(b, '}') != 0)
		return -1;
	return buf_append_char(b, ' ');
}

int prom_sample(struct buf *b, const char *name, const struct prom_label *labels,
		size_t nlabels, double value)
{
	if (sample_start(b, name, "", labels, nlabels, NULL, NULL) != 0 ||
	    prom_append_double(b, value) != 0)
		return -1;
	return buf_append_char(b, '\n');
}

int prom_sample_u64(struct buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, uint64_t value)
{
	if (sample_start(b, name, "", labels, nlabels, NULL, NULL) != 0)
		return -1;
	return buf_appendf(b, "%" PRIu64 "\n", value);
}

int prom_gauge(struct buf *b, const char *name, const char *help, double value)
{
	if (prom_family(b, name, "gauge", help) != 0 || prom_sample(b, name, NULL, 0, value) != 0)
		return -1;
	return 0;
}

int prom_scalars(struct buf *b, const struct prom_scalar *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (prom_family(b, list[i].name, list[i].type, list[i].help) != 0 ||
		    prom_sample_u64(b, list[i].name, NULL, 0, list[i].value) != 0)
			return -1;
	return 0;
}

size_t prom_bucket_index(const uint64_t *bounds, size_t nbounds, uint64_t value)
{
	size_t i = 0;

	/* A dozen bounds: a straight scan beats a binary search here. */
	while (i < nbounds && value > bounds[i])
		i++;
	return i;
}

int prom_histogram(struct buf *b, const char *name, const struct prom_label *labels,
		   size_t nlabels, const double *le, size_t nle, const uint64_t *counts,
		   double sum)
{
	uint64_t cumulative = 0;
	char bound[NUMBER_TEXT];

	for (size_t i = 0; i <= nle; i++) {
		cumulative += counts[i];
		format_double(bound, i < nle ? le[i] : INFINITY);
		if (sample_start(b, name, "_bucket", labels, nlabels, "le", bound) != 0 ||
		    buf_appendf(b, "%" PRIu64 "\n", cumulative) != 0)
			return -1;
	}
	if (sample_start(b, name, "_sum", labels, nlabels, NULL, NULL) != 0 ||
	    prom_append_double(b, sum) != 0 || buf_append_char(b, '\n') != 0 ||
	    sample_start(b, name, "_count", labels, nlabels, NULL, NULL) != 0 ||
	    buf_appendf(b, "%" PRIu64 "\n", cumulative) != 0)
		return -1;
	return 0;
}
