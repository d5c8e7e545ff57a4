/*
 * hate_crime_table.h - the published hate-crime statistics of one financial
 * year as fixed "canonical" cells, with disclosure control decided over all
 * of them at once.
 *
 * Only canonical cells are ever published: whole calendar months, financial
 * quarters and the financial year, never an arbitrary range of days.  That
 * is what makes differencing between queries useless: every number any
 * query can return is one of these cells, and suppression is decided once
 * over all of them and every additive relation that links them, so no
 * combination of published cells (from one query or many) pins down a
 * withheld one.
 *
 * Two problems:
 *  - "reports" (each crime once): total(t), ward(t,w), offence_type(t,o),
 *    channel(t,c) and source(t,s) for each of the 17 time cells t of a year
 *    (the year, its 4 quarters, its 12 months).  In each t the total is the
 *    sum of the wards, of the offence types, of the channels and of the
 *    sources; for each of those rows the year is the sum of its quarters
 *    and a quarter the sum of its months.  A rolling year (the twelve
 *    months to a month, hc_table) crosses financial years, so the years it
 *    spans are one problem: rolling(e,x) = the sum of its twelve month(t,x)
 *    cells for the total and each source, and rolling total(e) = the sum
 *    of rolling source(e,s).  Every other year is a problem of its own.
 *  - "strand_flags" (a report once per strand it carries): flags_total(t)
 *    and strand(t,s) for each t, with flags_total = sum of strands and the
 *    same time relations; plus, at the year only, ward_flags(w) and
 *    ward_strand(w,s) with ward_flags(w) = sum over s, strand(FY,s) = sum
 *    over w and flags_total(FY) = sum of ward_flags.  One per year (no
 *    rolling cells: nothing links the years).
 *
 * Sources partition the crimes, so that a source's count can never be
 * differenced out of the total: "police" is every crime the police
 * recorded (whoever else it was reported to, as the police's own figures
 * count it), and any other crime belongs to the kind of organisation that
 * received it first (a third-party reporting centre, the council or a
 * partner).
 *
 * Pure: no I/O.  Time cells within a year: 0 the year, 1..4 the quarters,
 * 5..16 the months April..March.
 */
#ifndef EQ_DOMAIN_HATE_CRIME_TABLE_H
#define EQ_DOMAIN_HATE_CRIME_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/disclosure.h"
#include "domain/period.h"

#define HC_TIME_CELLS 17
#define HC_NOFFENCES 6
#define HC_NCHANNELS 7
#define HC_NSTRANDS 6
#define HC_NSOURCES 4

/* The published codes, in published order (match migration 0003). */
extern const char *const hc_offence_types[HC_NOFFENCES + 1];   /* NULL-terminated */
extern const char *const hc_channels[HC_NCHANNELS + 1];
extern const char *const hc_strands[HC_NSTRANDS + 1];
extern const char *const hc_sources[HC_NSOURCES + 1];

/* Index of code in a NULL-terminated list, or -1. */
int hc_code_index(const char *const *list, const char *code);

/* Deduplicated crimes that share every published attribute. */
struct hc_crime_group {
	int year, month;     /* calendar month the crime occurred in (occurred_from) */
	size_t ward;         /* index into the caller's ward list (buckets included) */
	int offence;         /* index into hc_offence_types */
	int channel;         /* index into hc_channels */
	int source;          /* index into hc_sources */
	unsigned strands;    /* bit s set: flagged with hc_strands[s] */
	int64_t count;       /* >= 0 */
};

/* The dimension a reports cell is broken down by. */
enum hc_dim { HC_TOTAL = 0, HC_WARD, HC_OFFENCE, HC_CHANNEL, HC_SOURCE };

/* One financial year's cells and their suppression. */
struct hc_year {
	int fy;                 /* 2024 for 2024/25 */
	size_t nwards;
	size_t nreports, nflags;
	int64_t *reports;       /* hc_reports_cell() */
	bool *reports_supp;
	int64_t *flags;         /* hc_flags_cell() / hc_ward_flags_cell() */
	bool *flags_supp;
};

/* The additive constraints of one problem (owned arrays). */
struct hc_constraints {
	struct disclosure_constraint *items;
	size_t n;
	size_t *parts;
};

/* Time cell (0..16) of a period within its financial year; -1 if p is no
 * month, quarter or financial year. */
int hc_time_cell(const struct period *p);

/* Cell counts and indices.  idx: the ward, offence, channel or source index
 * (ignored for HC_TOTAL); strand -1 means the flags total. */
size_t hc_reports_ncells(size_t nwards);
size_t hc_reports_cell(size_t nwards, int t, enum hc_dim dim, size_t idx);
size_t hc_flags_ncells(size_t nwards);
size_t hc_flags_cell(size_t nwards, int t, int strand);
/* Year only: ward w's flags over all strands (strand -1) or one strand. */
size_t hc_ward_flags_cell(size_t nwards, size_t w, int strand);

/* Build the constraints of either problem; 0 or -1 (out of memory).  The
 * result is released with hc_constraints_release. */
__attribute__((warn_unused_result))
int hc_reports_constraints(size_t nwards, struct hc_constraints *out);
__attribute__((warn_unused_result))
int hc_flags_constraints(size_t nwards, struct hc_constraints *out);
void hc_constraints_release(struct hc_constraints *c);

/*
 * Build year fy from the groups (groups of other years are skipped; a ward
 * index >= nwards or an unknown offence/channel is an error) and decide
 * suppression with the given threshold.  Returns 0, or -1 on bad input or
 * when memory runs out; y must be released either way.
 */
__attribute__((warn_unused_result))
int hc_year_build(struct hc_year *y, int fy, size_t nwards,
		  const struct hc_crime_group *groups, size_t ngroups,
		  int threshold);
void hc_year_release(struct hc_year *y);

/*
 * Every financial year from fy_min to fy_max with the rolling years, the
 * reports problem suppressed over all of it at once.
 *
 * One rolling year is a cell: the twelve months to the last month with a
 * crime, when the data reach back that far (the council's headline "in
 * the year to July 2024").  Two rolling years a month apart differ by one
 * month minus the same month a year earlier, so publishing every month's
 * rolling year pins small months down by differencing (over the demo data
 * the complements withheld every financial year's total).  Every other rolling year that holds a crime is never published
 * (reported withheld); one with no crime at all is 0.
 */
#define HC_ROLLING_WIDTH (1 + HC_NSOURCES)

/* The shape of a linked reports problem: the years fy_min.. (nyears of
 * them) and the rolling years over them.  Year y's reports cell i is cell
 * y * hc_reports_ncells(nwards) + i, and window w's rolling cell r
 * (window w: the twelve months to month key first_window + w, a month key
 * being year * 12 + month - 1) is nyears * hc_reports_ncells + r. */
struct hc_linked {
	int fy_min;
	size_t nyears, nwards;
	int first_window;
	size_t nwindows;
};

struct hc_table {
	int fy_min;
	size_t nyears;
	struct hc_year *years;   /* fy_min..fy_min + nyears - 1 */
	/* The years the rolling year spans, linked by it (nyears 0 without
	 * one); every other year's reports problem is its own, as a year
	 * shares no relation with another (and the exact checks grow faster
	 * than the cells). */
	struct hc_linked shape;
	int64_t *rolling;        /* hc_rolling_cell() */
	bool *rolling_supp;
};

/* Rolling cell of window w: the total (source -1) or one source. */
size_t hc_rolling_cell(size_t w, int source);

/* The linked problem's constraints; 0 or -1 (out of memory); release
 * with hc_constraints_release. */
__attribute__((warn_unused_result))
int hc_linked_constraints(const struct hc_linked *l, struct hc_constraints *out);

/* Build as hc_year_build does, for every year fy_min..fy_max (groups
 * outside them are an error) and the rolling years; 0 or -1; t must be
 * released either way. */
__attribute__((warn_unused_result))
int hc_table_build(struct hc_table *t, int fy_min, int fy_max, size_t nwards,
		   const struct hc_crime_group *groups, size_t ngroups, int threshold);
void hc_table_release(struct hc_table *t);

/* Crimes in months first..last (month keys), all counted, none withheld:
 * for telling a rolling year with no crime (0) from one not published. */
int64_t hc_table_months_total(const struct hc_table *t, int first, int last);

/* Value and suppression of the rolling year to month key `last`, total
 * (source -1) or one source (see above for the ones never published). */
void hc_table_rolling(const struct hc_table *t, int last, int source,
		      int64_t *value, bool *suppressed);

#endif
