/*
 * census_map.c - ONS bulk CSV headings and row arithmetic (see census_map.h).
 */
#include "import/census_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Some ONS downloads append "; measures: Value" to every heading. */
static size_t heading_length(const char *h)
{
	static const char suffix[] = "; measures: Value";
	size_t len = strlen(h);

	if (len >= sizeof(suffix) - 1 &&
	    strcmp(h + len - (sizeof(suffix) - 1), suffix) == 0)
		len -= sizeof(suffix) - 1;
	while (len && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	return len;
}

/* Does heading h (length len) equal prefix + ": " + rest? */
static bool heading_is(const char *h, size_t len, const char *prefix, const char *rest)
{
	size_t plen = strlen(prefix), rlen = strlen(rest);

	return len == plen + 2 + rlen && memcmp(h, prefix, plen) == 0 &&
	       h[plen] == ':' && h[plen + 1] == ' ' && memcmp(h + plen + 2, rest, rlen) == 0;
}

static bool has_prefix(const char *h, const char *prefix)
{
	size_t plen = strlen(prefix);

	return strncmp(h, prefix, plen) == 0 && h[plen] == ':' && h[plen + 1] == ' ';
}

int census_map_headings(const struct census_catalog *catalogs, size_t ncatalogs,
			const char *const *fields, size_t nfields,
			struct census_mapping *out, char *err, size_t errlen)
{
	static const char *const fixed[CENSUS_FIXED_COLUMNS] = { "date", "geography", "geography code" };
	const struct census_catalog *cat = NULL;
	bool have_total = false;

	if (nfields <= CENSUS_FIXED_COLUMNS) {
		snprintf(err, errlen, "the header has %zu columns; an ONS bulk file has date, geography, geography code and then the categories",
			 nfields);
		return -1;
	}
	for (size_t i = 0; i < CENSUS_FIXED_COLUMNS; i++)
		if (strcmp(fields[i], fixed[i]) != 0) {
			snprintf(err, errlen, "column %zu is headed '%.80s'; expected '%s'", i + 1,
				 fields[i], fixed[i]);
			return -1;
		}
	for (size_t k = 0; k < ncatalogs && !cat; k++)
		if (catalogs[k].prefix && has_prefix(fields[CENSUS_FIXED_COLUMNS], catalogs[k].prefix)) {
			cat = &catalogs[k];
			out->catalog = k;
		}
	if (!cat) {
		snprintf(err, errlen, "unrecognised heading '%.120s': no characteristic has that prefix",
			 fields[CENSUS_FIXED_COLUMNS]);
		return -1;
	}
	for (size_t c = 0; c < cat->ncats; c++)
		out->cat_col[c] = -1;

	for (size_t i = CENSUS_FIXED_COLUMNS; i < nfields; i++) {
		const char *h = fields[i];
		size_t len = heading_length(h);
		bool found = false;

		if (cat->total_heading && heading_is(h, len, cat->prefix, cat->total_heading)) {
			if (have_total) {
				snprintf(err, errlen, "heading '%.120s' appears twice", h);
				return -1;
			}
			have_total = true;
			out->total_col = i;
			continue;
		}
		for (size_t c = 0; c < cat->ncats; c++) {
			if (!cat->cats[c].heading ||
			    !heading_is(h, len, cat->prefix, cat->cats[c].heading))
				continue;
			if (out->cat_col[c] >= 0) {
				snprintf(err, errlen, "heading '%.120s' appears twice", h);
				return -1;
			}
			out->cat_col[c] = (long)i;
			found = true;
			break;
		}
		if (!found) {
			snprintf(err, errlen, "unrecognised heading '%.160s' in column %zu", h, i + 1);
			return -1;
		}
	}
	if (!have_total) {
		snprintf(err, errlen, "missing the total column '%s: %s'", cat->prefix,
			 cat->total_heading ? cat->total_heading : "Total");
		return -1;
	}
	/* Every leaf must be in the file; a parent may be derived from its children. */
	for (size_t c = 0; c < cat->ncats; c++) {
		bool is_parent = false;

		if (!cat->cats[c].heading || out->cat_col[c] >= 0)
			continue;
		for (size_t k = 0; k < cat->ncats; k++)
			if (cat->cats[k].parent == (int)c)
				is_parent = true;
		if (!is_parent) {
			snprintf(err, errlen, "missing the column '%s: %s'", cat->prefix, cat->cats[c].heading);
			return -1;
		}
	}
	return 0;
}

static int parse_count(const char *text, int64_t *out)
{
	char *end;
	long long v;

	if (!text || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int census_read_row(const struct census_catalog *cat, const struct census_mapping *map,
		    const char *const *fields, size_t nfields,
		    int64_t *counts, int64_t *total, char *err, size_t errlen)
{
	int64_t top = 0;

	if (map->total_col >= nfields || parse_count(fields[map->total_col], total) != 0) {
		snprintf(err, errlen, "the total is not a whole number >= 0");
		return -1;
	}
	for (size_t c = 0; c < cat->ncats; c++) {
		counts[c] = -1;
		if (map->cat_col[c] < 0)
			continue;
		if ((size_t)map->cat_col[c] >= nfields ||
		    parse_count(fields[map->cat_col[c]], &counts[c]) != 0) {
			snprintf(err, errlen, "'%s: %s' is not a whole number >= 0", cat->prefix,
				 cat->cats[c].heading);
			return -1;
		}
	}
	/* Parents: derive the missing, check the given.  Children come after
	 * their parents in the catalogue, so walk it backwards. */
	for (size_t c = cat->ncats; c-- > 0;) {
		int64_t sum = 0;
		bool any = false;

		for (size_t k = 0; k < cat->ncats; k++)
			if (cat->cats[k].parent == (int)c) {
				any = true;
				if (counts[k] >= 0 && __builtin_add_overflow(sum, counts[k], &sum)) {
					snprintf(err, errlen, "the categories of '%s: %s' add up to more than can be counted",
						 cat->prefix, cat->cats[c].heading);
					return -1;
				}
			}
		if (!any)
			continue;
		if (counts[c] < 0) {
			counts[c] = sum;
		} else if (counts[c] != sum) {
			snprintf(err, errlen, "'%s: %s' is %lld but its categories add up to %lld",
				 cat->prefix, cat->cats[c].heading, (long long)counts[c], (long long)sum);
			return -1;
		}
	}
	for (size_t c = 0; c < cat->ncats; c++)
		if (cat->cats[c].parent < 0 && cat->cats[c].heading && counts[c] >= 0 &&
		    __builtin_add_overflow(top, counts[c], &top)) {
			snprintf(err, errlen, "the categories add up to more than can be counted");
			return -1;
		}
	if (top != *total) {
		snprintf(err, errlen, "the total is %lld but the categories add up to %lld",
			 (long long)*total, (long long)top);
		return -1;
	}
	return 0;
}
