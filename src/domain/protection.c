/*
 * protection.c - protection intervals by linear programming (see
 * protection.h).
 *
 * The LP has one variable per withheld cell, bounded below by 1 (0 for a
 * withheld zero) and unbounded above, and one equality per relation that
 * holds a withheld cell: sum of its withheld cells' coefficients (+1 for
 * the total, -1 for each part) = minus the same sum over its published
 * cells.  Each cell's range is the LP's minimum and maximum of that cell.
 * The constraint matrix is built once; each solve only changes the
 * objective and starts from the previous optimal basis, so the 2k solves
 * for k withheld cells cost a few pivots each.
 */
#include "domain/protection.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_COL SIZE_MAX

/* LP optima of integer data are integers up to rounding residue. */
#define INT_EPS 1e-6

struct lp_build {
	size_t *col_of;    /* ncells: 1-based column, NO_COL when published */
	size_t *cell_of;   /* k + 1: cell of each column */
	double *acc;       /* k + 1: coefficient being summed for a row */
	size_t *touched;   /* k + 1: columns with a coefficient in the row */
	int *ia, *ja;      /* 1-based triplets for glp_load_matrix */
	double *ar;
	size_t k, ne;
};

static void lp_build_release(struct lp_build *b)
{
	free(b->col_of);
	free(b->cell_of);
	free(b->acc);
	free(b->touched);
	free(b->ia);
	free(b->ja);
	free(b->ar);
}

/* Add coef for cell to the row being built, or to its right-hand side. */
static void term(struct lp_build *b, const int64_t *values, size_t cell, double coef,
		 size_t *ntouched, double *rhs)
{
	size_t col = b->col_of[cell];

	if (col == NO_COL) {
		*rhs -= coef * (double)values[cell];
		return;
	}
	if (b->acc[col] == 0.0)
		b->touched[(*ntouched)++] = col;
	b->acc[col] += coef;
}

/*
 * One row for constraint k, when it holds a withheld cell: its triplets
 * appended at b->ne, its right-hand side in *rhs.  Returns whether a row
 * was made (a cell listed as both total and part may cancel out).
 */
static bool build_row(struct lp_build *b, const int64_t *values,
		      const struct disclosure_constraint *k, int row, double *rhs)
{
	size_t ntouched = 0, t;
	bool any = false;

	*rhs = 0.0;
	term(b, values, k->total, 1.0, &ntouched, rhs);
	for (size_t p = 0; p < k->nparts; p++)
		term(b, values, k->parts[p], -1.0, &ntouched, rhs);
	for (t = 0; t < ntouched; t++) {
		size_t col = b->touched[t];

		if (b->acc[col] != 0.0) {
			b->ne++;
			b->ia[b->ne] = row;
			b->ja[b->ne] = (int)col;
			b->ar[b->ne] = b->acc[col];
			any = true;
		}
		b->acc[col] = 0.0;
	}
	return any;
}

static int lp_alloc(struct lp_build *b, size_t ncells, const struct disclosure_constraint *cs,
		    size_t ncs, const bool *suppressed)
{
	size_t entries = 0;

	b->col_of = malloc((ncells + 1) * sizeof(*b->col_of));
	b->cell_of = malloc((ncells + 1) * sizeof(*b->cell_of));
	if (!b->col_of || !b->cell_of)
		return -1;
	for (size_t c = 0; c < ncells; c++) {
		b->col_of[c] = NO_COL;
		if (suppressed[c]) {
			b->col_of[c] = ++b->k;
			b->cell_of[b->k] = c;
		}
	}
	for (size_t q = 0; q < ncs; q++)
		entries += 1 + cs[q].nparts;
	b->acc = calloc(b->k + 1, sizeof(*b->acc));
	b->touched = malloc((b->k + 1) * sizeof(*b->touched));
	b->ia = malloc((entries + 1) * sizeof(*b->ia));
	b->ja = malloc((entries + 1) * sizeof(*b->ja));
	b->ar = malloc((entries + 1) * sizeof(*b->ar));
	return b->acc && b->touched && b->ia && b->ja && b->ar ? 0 : -1;
}

/* Load rows and columns into lp.  Returns 0, or -1 on a size GLPK's int
 * indices cannot hold. */
static int lp_load(glp_prob *lp, struct lp_build *b, const int64_t *values,
		   const struct disclosure_constraint *cs, size_t ncs)
{
	int row = 0;

	if (b->k > (size_t)INT32_MAX || ncs > (size_t)INT32_MAX)
		return -1;
	glp_add_cols(lp, (int)b->k);
	for (size_t j = 1; j <= b->k; j++)
		glp_set_col_bnds(lp, (int)j, GLP_LO, values[b->cell_of[j]] > 0 ? 1.0 : 0.0, 0.0);
	for (size_t q = 0; q < ncs; q++) {
		double rhs;

		if (!build_row(b, values, &cs[q], row + 1, &rhs))
			continue;
		row = glp_add_rows(lp, 1);
		glp_set_row_bnds(lp, row, GLP_FX, rhs, rhs);
	}
	if (b->ne > (size_t)INT32_MAX)
		return -1;
	glp_load_matrix(lp, (int)b->ne, b->ia, b->ja, b->ar);
	return 0;
}

/*
 * Optimise lp in direction dir: 0 with *out set (PROTECTION_UNBOUNDED for
 * an unbounded maximum), 1 when the published cells contradict each other
 * (no solution at all: an inconsistent table teaches an attacker nothing),
 * -1 when the solver fails.
 */
static int solve(glp_prob *lp, const glp_smcp *parm, int dir, int64_t *out)
{
	double v;
	int status;

	glp_set_obj_dir(lp, dir);
	if (glp_simplex(lp, parm) != 0) {
		/* A basis gone singular through rounding: start afresh once. */
		glp_std_basis(lp);
		if (glp_simplex(lp, parm) != 0)
			return -1;
	}
	status = glp_get_status(lp);
	if (status == GLP_UNBND && dir == GLP_MAX) {
		*out = PROTECTION_UNBOUNDED;
		return 0;
	}
	if (status == GLP_NOFEAS)
		return 1;
	if (status != GLP_OPT)
		return -1;
	v = glp_get_obj_val(lp);
	if (dir == GLP_MIN)
		v = ceil(v - INT_EPS);
	else
		v = floor(v + INT_EPS);
	if (v >= (double)DISCLOSURE_MAX_VALUE * 4.0) {
		*out = PROTECTION_UNBOUNDED;
		return 0;
	}
	*out = (int64_t)v;
	return 0;
}

/*
 * Every optimal solution is a table the attacker cannot rule out, so each
 * column's value in it widens what is known of that cell's range from the
 * inside.  A cell whose known inner range already passes needs no solve of
 * its own when only pass or fail is asked: most withheld cells are settled
 * by the solves made for their neighbours.
 */
static void observe(glp_prob *lp, const struct lp_build *b, int64_t *in_lo, int64_t *in_hi)
{
	if (glp_get_status(lp) != GLP_OPT)
		return;
	for (size_t j = 1; j <= b->k; j++) {
		size_t c = b->cell_of[j];
		double x = glp_get_col_prim(lp, (int)j);
		int64_t lo = (int64_t)ceil(x - INT_EPS), hi = (int64_t)floor(x + INT_EPS);

		if (lo < in_lo[c])
			in_lo[c] = lo;
		if (hi > in_hi[c])
			in_hi[c] = hi;
	}
}

struct range_job {
	int64_t *lo, *hi;         /* exact ranges, or the inner ranges */
	int64_t *in_lo, *in_hi;   /* NULL: exact ranges wanted */
	const bool *passed;       /* NULL, or cells known to pass: not solved */
	int threshold;
};

static int solve_one(glp_prob *lp, const glp_smcp *parm, const struct lp_build *b,
		     struct range_job *r, size_t j)
{
	size_t c = b->cell_of[j];
	int rc;

	glp_set_obj_coef(lp, (int)j, 1.0);
	rc = solve(lp, parm, GLP_MAX, &r->hi[c]);
	if (rc == 0 && r->in_lo)
		observe(lp, b, r->in_lo, r->in_hi);
	if (rc == 0 && (!r->in_lo || !protection_range_ok(r->in_lo[c], r->hi[c], r->threshold)))
		rc = solve(lp, parm, GLP_MIN, &r->lo[c]);
	if (rc == 0 && r->in_lo)
		observe(lp, b, r->in_lo, r->in_hi);
	glp_set_obj_coef(lp, (int)j, 0.0);
	return rc;
}

/* 0, 1 for an inconsistent table (ranges left as they were), -1. */
static int solve_ranges(glp_prob *lp, const struct lp_build *b, struct range_job *r)
{
	glp_smcp parm;

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	for (size_t j = 1; j <= b->k; j++) {
		size_t c = b->cell_of[j];
		int rc;

		if (r->passed && r->passed[c])
			continue;
		if (r->in_lo && protection_range_ok(r->in_lo[c], r->in_hi[c], r->threshold)) {
			r->lo[c] = r->in_lo[c];
			r->hi[c] = r->in_hi[c];
			continue;
		}
		rc = solve_one(lp, &parm, b, r, j);
		if (rc != 0)
			return rc;
		if (r->in_lo) {
			/* An unsolved minimum: the inner one decided already. */
			if (r->in_lo[c] < r->lo[c])
				r->lo[c] = r->in_lo[c];
			if (r->hi[c] > r->in_hi[c])
				r->in_hi[c] = r->hi[c];
		}
	}
	return 0;
}

/*
 * The worker behind both entry points.  r->in_lo set: only pass or fail is
 * wanted, and r->lo/hi may hold inner ranges for cells that pass.
 */
static int ranges(const int64_t *values, size_t ncells, const struct disclosure_constraint *cs,
		  size_t ncs, const bool *suppressed, struct range_job *r)
{
	struct lp_build b = { 0 };
	glp_prob *lp = NULL;
	int rc = -1;

	if (ncells > 0 && (!values || !suppressed || !r->lo || !r->hi))
		return -1;
	if (!disclosure_constraints_valid(ncells, cs, ncs))
		return -1;
	for (size_t c = 0; c < ncells; c++) {
		if (values[c] < 0 || values[c] > DISCLOSURE_MAX_VALUE)
			return -1;
		r->lo[c] = r->hi[c] = values[c];
		if (r->in_lo)
			r->in_lo[c] = r->in_hi[c] = values[c];
	}
	if (lp_alloc(&b, ncells, cs, ncs, suppressed) != 0)
		goto cleanup;
	if (b.k == 0) {
		rc = 0;
		goto cleanup;
	}
	glp_term_out(GLP_OFF);
	lp = glp_create_prob();
	if (lp_load(lp, &b, values, cs, ncs) != 0)
		goto cleanup;
	rc = solve_ranges(lp, &b, r);
	if (rc == 1) {
		/* No table fits the published cells: nothing can be bounded. */
		for (size_t j = 1; j <= b.k; j++) {
			r->lo[b.cell_of[j]] = values[b.cell_of[j]] > 0 ? 1 : 0;
			r->hi[b.cell_of[j]] = PROTECTION_UNBOUNDED;
		}
		rc = 0;
	}
cleanup:
	if (lp) {
		glp_delete_prob(lp);
		glp_free_env();
	}
	lp_build_release(&b);
	return rc;
}

int protection_ranges(const int64_t *values, size_t ncells,
		      const struct disclosure_constraint *constraints,
		      size_t nconstraints, const bool *suppressed,
		      int64_t *lo, int64_t *hi)
{
	struct range_job r = { lo, hi, NULL, NULL, NULL, 0 };

	return ranges(values, ncells, constraints, nconstraints, suppressed, &r);
}

bool protection_range_ok(int64_t lo, int64_t hi, int threshold)
{
	if (hi == PROTECTION_UNBOUNDED)
		return true;
	return hi >= threshold && hi - lo >= threshold;
}

int protection_find_narrow(const int64_t *values, size_t ncells,
			   const struct disclosure_constraint *constraints,
			   size_t nconstraints, const bool *suppressed,
			   int threshold, bool *passed, bool *narrow, size_t *nnarrow)
{
	struct range_job r = { NULL, NULL, NULL, NULL, passed, threshold };
	int rc = -1;

	*nnarrow = 0;
	r.lo = malloc((ncells + 1) * sizeof(*r.lo));
	r.hi = malloc((ncells + 1) * sizeof(*r.hi));
	r.in_lo = malloc((ncells + 1) * sizeof(*r.in_lo));
	r.in_hi = malloc((ncells + 1) * sizeof(*r.in_hi));
	if (!r.lo || !r.hi || !r.in_lo || !r.in_hi || !narrow)
		goto cleanup;
	if (ranges(values, ncells, constraints, nconstraints, suppressed, &r) != 0)
		goto cleanup;
	for (size_t c = 0; c < ncells; c++) {
		bool ok = (passed && passed[c]) || protection_range_ok(r.lo[c], r.hi[c], threshold);

		narrow[c] = suppressed[c] && !ok;
		if (narrow[c])
			(*nnarrow)++;
		if (passed && suppressed[c] && ok)
			passed[c] = true;
	}
	rc = 0;
cleanup:
	free(r.lo);
	free(r.hi);
	free(r.in_lo);
	free(r.in_hi);
	return rc;
}
