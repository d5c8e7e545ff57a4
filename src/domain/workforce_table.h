/*
 * workforce_table.h - the disclosure-controlled tables of one workforce
 * snapshot.
 *
 * Each characteristic is one table of category cells by directorate, by
 * grade band, for the senior grades together and for the whole council,
 * with their totals (directorate and grade band are never crossed: such
 * cells would mostly be too small), and the pay characteristics may also
 * have a quartile x category table.  Cells shared between tables (the
 * headcount by directorate and by grade, which every characteristic
 * publishes, and each category's total, which its quartiles add up to) are
 * withheld in all of them when any withholds them, repeated to a fixed
 * point, so no table gives away what another hides.
 *
 * Pure: no I/O.  Category codes are borrowed from the caller.
 */
#ifndef EQ_DOMAIN_WORKFORCE_TABLE_H
#define EQ_DOMAIN_WORKFORCE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WF_MAX_CATS 32

/* The snapshot's shape: directorates, grade bands and which are senior. */
struct wf_dims {
	size_t ndirs, ngrades;
	const bool *senior;        /* ngrades flags */
};

struct wf_table {
	size_t ncats;              /* categories; index ncats is the total */
	const char *cats[WF_MAX_CATS];
	int64_t *values;           /* wf_cell(): (ndirs+1) x (ngrades+2) x (ncats+1) */
	bool *supp;
	bool has_quartiles;
	int64_t quart[5 * (WF_MAX_CATS + 1)];   /* q 0..3, 4 = all; category ncats = all */
	bool qsupp[5 * (WF_MAX_CATS + 1)];
};

/* Cells of a table, and the index of one: d = ndirs is all directorates;
 * g = ngrades all grades, ngrades + 1 the senior grades; c = ncats all
 * categories. */
size_t wf_ncells(const struct wf_dims *dims, const struct wf_table *t);
size_t wf_cell(const struct wf_dims *dims, const struct wf_table *t, size_t d, size_t g, size_t c);

/* Allocate t's cells (t->ncats set first), all zero.  0 or -1; release
 * either way. */
__attribute__((warn_unused_result))
int wf_table_alloc(const struct wf_dims *dims, struct wf_table *t);
void wf_table_release(struct wf_table *t);

/* Count v people of directorate d, grade g, category c, in every published
 * cell they belong to (the margins included). */
void wf_table_add(const struct wf_dims *dims, struct wf_table *t, size_t d, size_t g, size_t c,
		  int64_t v);
/* Count v people of category c in pay quartile q (1..4). */
void wf_table_add_quartile(struct wf_table *t, int q, size_t c, int64_t v);

/* Decide suppression over all tables of a snapshot (see the banner).  0, or
 * -1 when memory runs out or no fixed point is reached. */
__attribute__((warn_unused_result))
int wf_tables_suppress(const struct wf_dims *dims, struct wf_table *tables, size_t ntables,
		       unsigned threshold);

/* Category c's share (percent, unrounded) of quartile q (1..4); false when
 * the table has no quartiles or the share is withheld. */
bool wf_quartile_share(const struct wf_table *t, int q, size_t c, double *pct);

/* The head counts behind one pay gap. */
struct wf_gap_counts {
	long long n_group, n_reference, bonus_n_group, bonus_n_reference;
};

/* Is pay-gap measure (mean_gap, median_gap, mean_bonus_gap,
 * median_bonus_gap, bonus_share_group, bonus_share_reference) withheld?
 * A gap when either group has fewer than threshold people; a bonus gap also
 * when either has fewer bonus recipients; a bonus share when the recipients
 * or the others of the group number 1 to threshold - 1.  Other names: no. */
bool wf_gap_withheld(const char *measure, const struct wf_gap_counts *n, unsigned threshold);

#endif
