/*
 * disclosure.c - primary and secondary cell suppression (see disclosure.h).
 *
 * The secondary pass works in two stages.  The cheap one looks at each
 * constraint on its own: exactly one suppressed cell there is recoverable by
 * subtraction.  That is not enough once cells sit in several constraints (a
 * ward table with a borough row): a suppressed cell may be fixed by rows and
 * columns taken together even though every single row and column holds two
 * or more suppressed cells.  The exact stage treats the constraints as a
 * linear system over the suppressed cells (published values move to the
 * right-hand side): a cell's value is fixed exactly when its unit vector lies
 * in the row space of that system, which reduced row echelon form shows
 * directly.  Both stages only ever add suppressions, so the loop ends.
 */
#include "domain/disclosure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/protection.h"

#define NO_CELL SIZE_MAX

/*
 * Coefficients are small integers (+1 for a total, -1 for each part) and
 * partial pivoting keeps the arithmetic tame, so anything this close to zero
 * is a rounding residue, not a real coefficient.
 */
#define EPS 1e-9

/* Which constraints each cell appears in, as compressed rows. */
struct membership {
	size_t *start;   /* ncells + 1 entries */
	size_t *list;    /* constraint indices, grouped by cell */
};

/* Scratch space for choosing a complementary suppression. */
struct search {
	bool *seen_constraint;   /* nconstraints */
	bool *seen_cell;         /* ncells */
	size_t *queue;           /* nconstraints */
	const unsigned *klass;   /* ncells, or NULL: see disclosure_marks */
	bool same_class;         /* only cells of class `want` are candidates */
	unsigned want;
	const bool *locked;      /* ncells, or NULL: cells never to withhold */
};

/*
 * May cell c be withheld as a complement?  Not when it is withheld already,
 * nor when it is locked: known to everyone (an earlier release published
 * it), so withholding it now would hide nothing.
 */
static bool open_cell(const bool *suppressed, const bool *locked, size_t c)
{
	return !suppressed[c] && !(locked && locked[c]);
}

bool disclosure_constraints_valid(size_t ncells,
				  const struct disclosure_constraint *cs,
				  size_t ncs)
{
	size_t q, p;

	if (ncs > 0 && !cs)
		return false;
	for (q = 0; q < ncs; q++) {
		if (cs[q].total >= ncells)
			return false;
		if (cs[q].nparts > 0 && !cs[q].parts)
			return false;
		for (p = 0; p < cs[q].nparts; p++)
			if (cs[q].parts[p] >= ncells)
				return false;
	}
	return true;
}

static int membership_build(struct membership *m, size_t ncells,
			    const struct disclosure_constraint *cs, size_t ncs)
{
	size_t *fill = NULL;
	size_t total = 0, q, p, c;
	int rc = -1;

	m->start = calloc(ncells + 1, sizeof(*m->start));
	fill = calloc(ncells + 1, sizeof(*fill));
	if (!m->start || !fill)
		goto cleanup;
	for (q = 0; q < ncs; q++) {
		m->start[cs[q].total + 1]++;
		for (p = 0; p < cs[q].nparts; p++)
			m->start[cs[q].parts[p] + 1]++;
		total += 1 + cs[q].nparts;
	}
	for (c = 0; c < ncells; c++)
		m->start[c + 1] += m->start[c];
	/* +1 so an empty table still gets a real allocation. */
	m->list = malloc((total + 1) * sizeof(*m->list));
	if (!m->list)
		goto cleanup;
	memcpy(fill, m->start, (ncells + 1) * sizeof(*fill));
	for (q = 0; q < ncs; q++) {
		/* A cell listed twice in one constraint is recorded twice;
		 * callers only read the list, so that costs nothing. */
		m->list[fill[cs[q].total]++] = q;
		for (p = 0; p < cs[q].nparts; p++)
			m->list[fill[cs[q].parts[p]]++] = q;
	}
	rc = 0;
cleanup:
	free(fill);
	return rc;
}

static void membership_release(struct membership *m)
{
	free(m->start);
	free(m->list);
	m->start = NULL;
	m->list = NULL;
}

/* Smaller value first, then lower index, so the choice is reproducible. */
static bool better(const int64_t *values, size_t cand, size_t best)
{
	if (best == NO_CELL)
		return true;
	if (values[cand] != values[best])
		return values[cand] < values[best];
	return cand < best;
}

/*
 * The cheap stage: repeat until no constraint holds exactly one suppressed
 * cell, or until such a constraint has nothing left to give (only zeros,
 * which reveal nothing).
 */
static void single_cell_pass(const int64_t *values,
			     const struct disclosure_constraint *cs, size_t ncs,
			     const bool *locked, bool *suppressed)
{
	bool changed;
	size_t q, p;

	do {
		changed = false;
		for (q = 0; q < ncs; q++) {
			const struct disclosure_constraint *k = &cs[q];
			size_t count = suppressed[k->total] ? 1 : 0;
			size_t pick = NO_CELL;

			for (p = 0; p < k->nparts; p++)
				if (suppressed[k->parts[p]])
					count++;
			if (count != 1)
				continue;
			for (p = 0; p < k->nparts; p++) {
				size_t c = k->parts[p];

				if (open_cell(suppressed, locked, c) && values[c] > 0 &&
				    better(values, c, pick))
					pick = c;
			}
			if (pick == NO_CELL && open_cell(suppressed, locked, k->total))
				pick = k->total;
			if (pick == NO_CELL)
				continue;
			suppressed[pick] = true;
			changed = true;
		}
	} while (changed);
}

/* Subtract f times the pivot row (non-zeros listed in nz) from row. */
static void row_sub(double *row, const double *prow, const size_t *nz,
		    size_t nnz, double f)
{
	size_t t;

	for (t = 0; t < nnz; t++) {
		size_t j = nz[t];

		row[j] -= f * prow[j];
		if (fabs(row[j]) <= EPS)
			row[j] = 0.0;
	}
}

/*
 * The exact stage: mark in det[] every suppressed cell whose value the
 * constraints fix, and count them in *ndet.  Returns 0, or -1 when memory
 * runs out.
 */
static int find_determined(size_t ncells,
			   const struct disclosure_constraint *cs, size_t ncs,
			   const bool *suppressed, bool *det, size_t *ndet)
{
	size_t *col_of = NULL, *cell_of = NULL, *rows = NULL, *piv = NULL;
	size_t *nz = NULL;
	double *mat = NULL;
	size_t k = 0, m = 0, rank = 0, c, q, p, i, j, t;
	int rc = -1;

	*ndet = 0;
	memset(det, 0, ncells * sizeof(*det));
	col_of = malloc((ncells + 1) * sizeof(*col_of));
	cell_of = malloc((ncells + 1) * sizeof(*cell_of));
	rows = malloc((ncs + 1) * sizeof(*rows));
	if (!col_of || !cell_of || !rows)
		goto cleanup;
	for (c = 0; c < ncells; c++) {
		col_of[c] = NO_CELL;
		if (suppressed[c]) {
			col_of[c] = k;
			cell_of[k++] = c;
		}
	}
	/* Constraints without a suppressed cell add nothing to the system. */
	for (q = 0; q < ncs; q++) {
		bool any = suppressed[cs[q].total];

		for (p = 0; p < cs[q].nparts && !any; p++)
			any = suppressed[cs[q].parts[p]];
		if (any)
			rows[m++] = q;
	}
	if (k == 0 || m == 0) {
		rc = 0;
		goto cleanup;
	}
	mat = calloc(m * k, sizeof(*mat));
	piv = malloc(m * sizeof(*piv));
	nz = malloc(k * sizeof(*nz));
	if (!mat || !piv || !nz)
		goto cleanup;
	for (i = 0; i < m; i++) {
		const struct disclosure_constraint *kc = &cs[rows[i]];
		double *row = mat + i * k;

		if (col_of[kc->total] != NO_CELL)
			row[col_of[kc->total]] += 1.0;
		for (p = 0; p < kc->nparts; p++)
			if (col_of[kc->parts[p]] != NO_CELL)
				row[col_of[kc->parts[p]]] -= 1.0;
	}

	/*
	 * Gauss-Jordan with partial pivoting.  A free column is cleared exactly
	 * in the rows not yet used as pivots, so every pivot row is exactly
	 * zero left of its pivot and row operations only touch its non-zeros.
	 */
	for (j = 0; j < k && rank < m; j++) {
		size_t best = NO_CELL, nnz = 0;
		double best_abs = EPS, inv, *prow;

		for (i = rank; i < m; i++) {
			double a = fabs(mat[i * k + j]);

			if (a > best_abs) {
				best_abs = a;
				best = i;
			}
		}
		if (best == NO_CELL) {
			for (i = rank; i < m; i++)
				mat[i * k + j] = 0.0;
			continue;
		}
		if (best != rank) {
			double *a = mat + best * k, *b = mat + rank * k;

			for (t = j; t < k; t++) {
				double tmp = a[t];

				a[t] = b[t];
				b[t] = tmp;
			}
		}
		prow = mat + rank * k;
		inv = 1.0 / prow[j];
		for (t = j; t < k; t++) {
			prow[t] *= inv;
			if (fabs(prow[t]) <= EPS)
				prow[t] = 0.0;
			else
				nz[nnz++] = t;
		}
		prow[j] = 1.0;
		for (i = 0; i < m; i++) {
			double f;

			if (i == rank)
				continue;
			f = mat[i * k + j];
			if (f == 0.0)
				continue;
			row_sub(mat + i * k, prow, nz, nnz, f);
			mat[i * k + j] = 0.0;
		}
		piv[rank++] = j;
	}

	/* A pivot row that is the bare unit vector pins its cell down. */
	for (i = 0; i < rank; i++) {
		const double *row = mat + i * k;
		bool alone = true;

		for (t = piv[i] + 1; t < k && alone; t++)
			alone = row[t] == 0.0;
		if (alone) {
			det[cell_of[piv[i]]] = true;
			(*ndet)++;
		}
	}
	rc = 0;
cleanup:
	free(col_of);
	free(cell_of);
	free(rows);
	free(piv);
	free(nz);
	free(mat);
	return rc;
}

/*
 * Interval reasoning an attacker can do that linear algebra alone misses:
 * zero is published as zero, so every withheld count is at least 1.  Two
 * withheld cells whose published total leaves 2 are both 1.  Propagate
 * lower and upper bounds through the constraints to a fixed point and mark
 * (in pinned[]) each withheld cell whose bounds meet.  Sound, not complete:
 * a cell marked here is truly disclosed.
 */
#define BOUND_MAX DISCLOSURE_MAX_VALUE

static int find_pinned(const int64_t *values, size_t ncells,
		       const struct disclosure_constraint *cs, size_t ncs,
		       const bool *suppressed, bool *pinned, size_t *npinned)
{
	int64_t *lo = malloc((ncells + 1) * sizeof(*lo));
	int64_t *hi = malloc((ncells + 1) * sizeof(*hi));
	size_t c, q, p;
	int round;

	*npinned = 0;
	if (!lo || !hi) {
		free(lo);
		free(hi);
		return -1;
	}
	/*
	 * Bounds stay within [0, BOUND_MAX].  A forced cell may hold 0, which
	 * contradicts the "at least 1" above: the bounds then cross and, left
	 * alone, grew round after round until int64_t overflowed (found by
	 * tests/fuzz).  Clamped, they only mark more cells pinned, which errs
	 * on the side of withholding.
	 */
	for (c = 0; c < ncells; c++) {
		lo[c] = suppressed[c] ? 1 : values[c] < BOUND_MAX ? values[c] : BOUND_MAX;
		hi[c] = suppressed[c] ? BOUND_MAX : values[c] < BOUND_MAX ? values[c] : BOUND_MAX;
	}
	for (round = 0; round < 200; round++) {
		bool changed = false;

		for (q = 0; q < ncs; q++) {
			const struct disclosure_constraint *k = &cs[q];
			int64_t slo = 0, shi = 0;

			for (p = 0; p < k->nparts; p++) {
				slo += lo[k->parts[p]];
				shi += hi[k->parts[p]];
			}
			if (slo > lo[k->total] && lo[k->total] < BOUND_MAX) {
				lo[k->total] = slo < BOUND_MAX ? slo : BOUND_MAX;
				changed = true;
			}
			if (shi < hi[k->total]) {
				hi[k->total] = shi;
				changed = true;
			}
			for (p = 0; p < k->nparts; p++) {
				size_t x = k->parts[p];
				int64_t a = lo[k->total] - (shi - hi[x]);
				int64_t b = hi[k->total] - (slo - lo[x]);

				if (b < 0)
					b = 0;

				if (a > lo[x] || b < hi[x]) {
					slo -= lo[x];
					shi -= hi[x];
					if (a > lo[x])
						lo[x] = a;
					if (b < hi[x])
						hi[x] = b;
					slo += lo[x];
					shi += hi[x];
					changed = true;
				}
			}
		}
		if (!changed)
			break;
	}
	for (c = 0; c < ncells; c++) {
		pinned[c] = suppressed[c] && lo[c] >= hi[c];
		if (pinned[c])
			(*npinned)++;
	}
	free(lo);
	free(hi);
	return 0;
}

static bool candidate(const int64_t *values, const bool *suppressed,
		      const struct search *s, size_t c)
{
	return open_cell(suppressed, s->locked, c) && values[c] > 0 &&
	       (!s->same_class || s->klass[c] == s->want);
}

/* Fold the published non-zero cells of constraint q into the two bests. */
static void consider_constraint(const int64_t *values,
				const struct disclosure_constraint *k,
				const bool *suppressed, const struct search *s,
				size_t *best_part, size_t *best_total)
{
	size_t p;

	for (p = 0; p < k->nparts; p++) {
		size_t c = k->parts[p];

		if (candidate(values, suppressed, s, c) &&
		    better(values, c, *best_part))
			*best_part = c;
	}
	if (candidate(values, suppressed, s, k->total) &&
	    better(values, k->total, *best_total))
		*best_total = k->total;
}

/*
 * The complementary suppression for a determined cell: the smallest
 * non-zero published cell in a constraint containing it, parts before
 * totals.  When those constraints have nothing left, widen to every
 * constraint linked to it through suppressed cells, since only those take
 * part in fixing its value.  NO_CELL when nothing non-zero is published
 * there at all.
 */
static size_t pick_complement(const int64_t *values,
			      const struct disclosure_constraint *cs,
			      size_t ncells, size_t ncs,
			      const struct membership *mem,
			      const bool *suppressed, struct search *s,
			      size_t cell)
{
	size_t best_part = NO_CELL, best_total = NO_CELL;
	size_t head = 0, tail = 0, i, p;

	for (i = mem->start[cell]; i < mem->start[cell + 1]; i++)
		consider_constraint(values, &cs[mem->list[i]], suppressed, s,
				    &best_part, &best_total);
	if (best_part != NO_CELL)
		return best_part;
	if (best_total != NO_CELL)
		return best_total;

	memset(s->seen_constraint, 0, ncs * sizeof(*s->seen_constraint));
	memset(s->seen_cell, 0, ncells * sizeof(*s->seen_cell));
	s->seen_cell[cell] = true;
	for (i = mem->start[cell]; i < mem->start[cell + 1]; i++) {
		if (!s->seen_constraint[mem->list[i]]) {
			s->seen_constraint[mem->list[i]] = true;
			s->queue[tail++] = mem->list[i];
		}
	}
	while (head < tail) {
		const struct disclosure_constraint *k = &cs[s->queue[head++]];

		consider_constraint(values, k, suppressed, s, &best_part,
				    &best_total);
		for (p = 0; p <= k->nparts; p++) {
			size_t c = p < k->nparts ? k->parts[p] : k->total;

			if (!suppressed[c] || s->seen_cell[c])
				continue;
			s->seen_cell[c] = true;
			for (i = mem->start[c]; i < mem->start[c + 1]; i++) {
				if (!s->seen_constraint[mem->list[i]]) {
					s->seen_constraint[mem->list[i]] = true;
					s->queue[tail++] = mem->list[i];
				}
			}
		}
	}
	return best_part != NO_CELL ? best_part : best_total;
}

/*
 * One complement per cell marked in det, except that a cell next to a
 * complement chosen in this round waits for the next round: that
 * complement has probably freed it already, and suppressing for it now
 * would withhold more than needed.  Returns whether any was added.
 */
static bool add_complements(const int64_t *values,
			    const struct disclosure_constraint *cs,
			    size_t ncells, size_t ncs,
			    const struct membership *mem, struct search *s,
			    const bool *det, bool *touched, bool *suppressed)
{
	bool changed = false;
	size_t c, i;

	memset(touched, 0, ncs * sizeof(*touched));
	for (c = 0; c < ncells; c++) {
		size_t pick;
		bool near = false;

		if (!det[c])
			continue;
		for (i = mem->start[c]; i < mem->start[c + 1]; i++)
			near = near || touched[mem->list[i]];
		if (near)
			continue;
		pick = NO_CELL;
		if (s->klass) {
			/* A cell of its own class first (disclosure_marks.klass). */
			s->same_class = true;
			s->want = s->klass[c];
			pick = pick_complement(values, cs, ncells, ncs, mem, suppressed, s, c);
			s->same_class = false;
		}
		if (pick == NO_CELL)
			pick = pick_complement(values, cs, ncells, ncs, mem, suppressed, s, c);
		if (pick == NO_CELL)
			continue;
		suppressed[pick] = true;
		changed = true;
		for (i = mem->start[pick]; i < mem->start[pick + 1]; i++)
			touched[mem->list[i]] = true;
	}
	return changed;
}

int disclosure_apply(const int64_t *values, size_t ncells,
		     const struct disclosure_constraint *constraints,
		     size_t nconstraints, int threshold, bool *suppressed)
{
	return disclosure_apply_forced(values, ncells, constraints, nconstraints,
				       threshold, NULL, suppressed);
}

int disclosure_apply_forced(const int64_t *values, size_t ncells,
			    const struct disclosure_constraint *constraints,
			    size_t nconstraints, int threshold, const bool *forced,
			    bool *suppressed)
{
	struct disclosure_marks marks = { forced, NULL, NULL };

	return disclosure_apply_marked(values, ncells, constraints, nconstraints,
				       threshold, &marks, suppressed);
}

int disclosure_apply_marked(const int64_t *values, size_t ncells,
			    const struct disclosure_constraint *constraints,
			    size_t nconstraints, int threshold,
			    const struct disclosure_marks *marks, bool *suppressed)
{
	static const struct disclosure_marks none = { NULL, NULL, NULL };
	const struct disclosure_marks *mk = marks ? marks : &none;
	const bool *forced = mk->forced, *locked = mk->locked;
	struct membership mem = { NULL, NULL };
	struct search s = { NULL, NULL, NULL, mk->klass, false, 0, locked };
	bool *det = NULL, *touched = NULL, *passed = NULL;
	size_t c, ndet;
	int rc = -1;

	if (ncells > 0 && (!values || !suppressed))
		goto cleanup;
	for (c = 0; c < ncells; c++)
		if (values[c] < 0 || values[c] > DISCLOSURE_MAX_VALUE)
			goto cleanup;
	if (ncells >= ((size_t)1 << 22) ||
	    !disclosure_constraints_valid(ncells, constraints, nconstraints))
		goto cleanup;

	for (c = 0; c < ncells; c++)
		suppressed[c] = !(locked && locked[c]) &&
				((values[c] > 0 && values[c] < threshold) || (forced && forced[c]));

	if (membership_build(&mem, ncells, constraints, nconstraints) != 0)
		goto cleanup;
	det = malloc((ncells + 1) * sizeof(*det));
	passed = calloc(ncells + 1, sizeof(*passed));
	touched = malloc((nconstraints + 1) * sizeof(*touched));
	s.seen_cell = malloc((ncells + 1) * sizeof(*s.seen_cell));
	s.seen_constraint = malloc((nconstraints + 1) *
				   sizeof(*s.seen_constraint));
	s.queue = malloc((nconstraints + 1) * sizeof(*s.queue));
	if (!det || !passed || !touched || !s.seen_cell || !s.seen_constraint || !s.queue)
		goto cleanup;

	for (;;) {
		bool changed = false;

		single_cell_pass(values, constraints, nconstraints, locked, suppressed);
		/*
		 * Exact determination first, bounds when it leaves nothing to
		 * do: no cell determined, or only cells no complement can help
		 * (a forced zero among zeros).  Such a cell used to end the
		 * loop before the bounds were looked at, leaving two withheld
		 * 1s elsewhere pinned (found by tests/fuzz).
		 */
		if (find_determined(ncells, constraints, nconstraints,
				    suppressed, det, &ndet) != 0)
			goto cleanup;
		if (ndet > 0)
			changed = add_complements(values, constraints, ncells, nconstraints,
						  &mem, &s, det, touched, suppressed);
		if (!changed) {
			if (find_pinned(values, ncells, constraints, nconstraints,
					suppressed, det, &ndet) != 0)
				goto cleanup;
			if (ndet > 0)
				changed = add_complements(values, constraints, ncells, nconstraints,
							  &mem, &s, det, touched, suppressed);
		}
		/*
		 * Last and dearest, the exact ranges (protection.h): a withheld
		 * cell not determined, not pinned, may still be shown small.
		 */
		if (!changed && threshold > 1) {
			if (protection_find_narrow(values, ncells, constraints, nconstraints,
						   suppressed, threshold, passed, det, &ndet) != 0)
				goto cleanup;
			if (ndet > 0)
				changed = add_complements(values, constraints, ncells, nconstraints,
							  &mem, &s, det, touched, suppressed);
		}
		/* Only zeros left to withhold: they reveal nothing more. */
		if (!changed)
			break;
	}
	rc = 0;
cleanup:
	if (rc != 0 && suppressed)
		for (c = 0; c < ncells; c++)
			suppressed[c] = true;
	membership_release(&mem);
	free(det);
	free(passed);
	free(touched);
	free(s.seen_cell);
	free(s.seen_constraint);
	free(s.queue);
	return rc;
}

int disclosure_cell_is_determined(const int64_t *values, size_t ncells,
				  const struct disclosure_constraint *constraints,
				  size_t nconstraints, const bool *suppressed,
				  size_t cell)
{
	bool *det = NULL;
	size_t ndet;
	int rc = -1;

	/* Determination depends on which cells are withheld, not on values. */
	(void)values;
	if (cell >= ncells || !suppressed ||
	    !disclosure_constraints_valid(ncells, constraints, nconstraints))
		goto cleanup;
	if (!suppressed[cell]) {
		rc = 1;   /* published, so known */
		goto cleanup;
	}
	det = malloc(ncells * sizeof(*det));
	if (!det)
		goto cleanup;
	if (find_determined(ncells, constraints, nconstraints, suppressed,
			    det, &ndet) != 0)
		goto cleanup;
	rc = det[cell] ? 1 : 0;
cleanup:
	free(det);
	return rc;
}

bool disclosure_share(int64_t count, bool count_suppressed, int64_t total,
		      bool total_suppressed, double *share)
{
	if (count_suppressed || total_suppressed || total <= 0 || count < 0)
		return false;
	if (share)
		*share = (double)count / (double)total;
	return true;
}
