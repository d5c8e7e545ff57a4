/*
 * release.c - a new release decided jointly with the earlier ones (see
 * release.h).
 *
 * The joint problem's cells are the new table's ncells, then one copy per
 * earlier release of each cell whose value differs from the one it is
 * compared with; its constraints are the new table's and, per earlier
 * release, the same constraints mapped onto that release's cells.  Known
 * cells (published by an earlier release) are locked: disclosure control
 * counts them as the constants they are and never picks them as
 * complements.
 */
#include "domain/release.h"

#include <stdlib.h>
#include <string.h>

/*
 * The joint problem.  Owned: values, forced (with locked and supp in the
 * same block), cons and parts (with rep in the same block).
 */
struct joint {
	int64_t *values;
	bool *forced, *locked, *supp;
	size_t ncells;
	struct disclosure_constraint *cons;
	size_t ncons;
	size_t *parts;
	size_t *rep;          /* per new cell: the joint cell standing for it now */
};

static void joint_release(struct joint *j)
{
	free(j->values);
	free(j->forced);
	free(j->cons);
	free(j->parts);
}

static int joint_alloc(struct joint *j, size_t ncells, const struct disclosure_constraint *cs,
		       size_t ncs, size_t npriors)
{
	/* Each prior adds at most a copy of each cell. */
	size_t cap = ncells * (npriors + 1) + 1, nparts = 0;

	for (size_t q = 0; q < ncs; q++)
		nparts += cs[q].nparts;
	nparts *= npriors + 1;
	j->values = calloc(cap, sizeof(*j->values));
	j->forced = calloc(3 * cap, sizeof(*j->forced));
	j->cons = calloc(ncs * (npriors + 1) + 1, sizeof(*j->cons));
	j->parts = calloc(nparts + ncells + 1, sizeof(*j->parts));
	if (!j->values || !j->forced || !j->cons || !j->parts)
		return -1;
	j->locked = j->forced + cap;
	j->supp = j->locked + cap;
	j->rep = j->parts + nparts;
	return 0;
}

/* Append the constraints cs with every cell index i replaced by map[i],
 * but those whose total is marked in skip (may be NULL). */
static void add_mapped(struct joint *j, const struct disclosure_constraint *cs, size_t ncs,
		       const size_t *map, const bool *skip, size_t *nparts_used)
{
	for (size_t q = 0; q < ncs; q++) {
		size_t *parts = j->parts + *nparts_used;

		if (skip && skip[cs[q].total])
			continue;
		for (size_t p = 0; p < cs[q].nparts; p++)
			parts[p] = map[cs[q].parts[p]];
		*nparts_used += cs[q].nparts;
		j->cons[j->ncons++] = (struct disclosure_constraint){ map[cs[q].total], parts, cs[q].nparts };
	}
}

/* What an earlier release tells about the joint cell c: published, it is
 * known for good; withheld, it stays withheld unless it is known anyway. */
static void learn(struct joint *j, size_t c, bool withheld)
{
	if (withheld)
		j->forced[c] = true;
	else
		j->locked[c] = true;
}

/* Map prior p's cells onto the joint problem (new copies where its value
 * differs from the cell it is compared with) and add its relations. */
static void add_prior(struct joint *j, const struct release_prior *p, size_t ncells,
		      const struct disclosure_constraint *cs, size_t ncs, size_t *map,
		      size_t *nparts_used)
{
	for (size_t i = 0; i < ncells; i++) {
		if (p->absent && p->absent[i]) {
			/* Nothing known of it: an unknown of its own. */
			map[i] = j->ncells++;
			j->values[map[i]] = p->values[i];
			j->forced[map[i]] = true;
			continue;
		}
		if (p->values[i] != j->values[j->rep[i]]) {
			j->rep[i] = j->ncells++;
			j->values[j->rep[i]] = p->values[i];
		}
		map[i] = j->rep[i];
		learn(j, map[i], p->withheld[i]);
	}
	/* Nor any relation that defines an absent cell. */
	add_mapped(j, cs, ncs, map, p->absent, nparts_used);
}

/*
 * The difference between a published new cell and the last published
 * version of it counts what changed: one partner's late return, the
 * reports withdrawn.  Both published give it away exactly, so a
 * difference from 1 to threshold-1 withholds the new cell (forced), as
 * the primary rule would the count itself.  Returns how many were forced.
 */
static size_t force_small_differences(struct joint *j, size_t ncells, const struct release_prior *priors,
				      size_t npriors, int threshold)
{
	size_t n = 0;

	for (size_t i = 0; i < ncells; i++) {
		size_t k = 0;
		int64_t d;

		if (j->supp[i] || j->locked[i])
			continue;
		while (k < npriors && (priors[k].withheld[i] || (priors[k].absent && priors[k].absent[i])))
			k++;
		d = k < npriors ? j->values[i] - priors[k].values[i] : 0;
		if (d != 0 && d > -threshold && d < threshold) {
			j->forced[i] = true;
			n++;
		}
	}
	return n;
}

int release_suppress(const int64_t *values, size_t ncells,
		     const struct disclosure_constraint *constraints, size_t nconstraints,
		     const bool *known, int threshold, const struct release_prior *priors,
		     size_t npriors, bool *suppressed)
{
	struct joint j = { 0 };
	size_t *map = NULL, used = 0;
	int rc = -1;

	if (npriors == 0) {
		const struct disclosure_marks marks = { NULL, NULL, known };

		return disclosure_apply_marked(values, ncells, constraints, nconstraints, threshold, &marks,
					       suppressed);
	}
	if (!values || !priors || !disclosure_constraints_valid(ncells, constraints, nconstraints) ||
	    joint_alloc(&j, ncells, constraints, nconstraints, npriors) != 0 ||
	    !(map = calloc(ncells + 1, sizeof(*map))))
		goto done;
	for (size_t i = 0; i < ncells; i++) {
		j.values[i] = values[i];
		j.rep[i] = map[i] = i;
		j.locked[i] = known && known[i];
	}
	j.ncells = ncells;
	add_mapped(&j, constraints, nconstraints, map, NULL, &used);
	for (size_t k = 0; k < npriors; k++) {
		if (!priors[k].values || !priors[k].withheld)
			goto done;
		add_prior(&j, &priors[k], ncells, constraints, nconstraints, map, &used);
	}
	/* Locked wins over forced (disclosure.h): a value once published is
	 * known whatever a later release did.  Each round withholds the new
	 * cells whose difference would show; that only ever withholds more,
	 * so it ends. */
	do {
		const struct disclosure_marks marks = { j.forced, NULL, j.locked };

		if (disclosure_apply_marked(j.values, j.ncells, j.cons, j.ncons, threshold, &marks,
					    j.supp) != 0)
			goto done;
	} while (force_small_differences(&j, ncells, priors, npriors, threshold) > 0);
	memcpy(suppressed, j.supp, ncells * sizeof(*suppressed));
	rc = 0;
done:
	if (rc != 0 && suppressed)
		for (size_t i = 0; i < ncells; i++)
			suppressed[i] = true;
	free(map);
	joint_release(&j);
	return rc;
}

void release_compare(const int64_t *old_values, const bool *old_withheld, const int64_t *values,
		     const bool *withheld, size_t ncells, bool *changed, struct release_changes *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ncells; i++) {
		bool moved = true;

		if (old_withheld[i] && !withheld[i])
			out->newly_published++;
		else if (!old_withheld[i] && withheld[i])
			out->newly_withheld++;
		else if (!withheld[i] && old_values[i] != values[i])
			out->revised++;
		else
			moved = false;
		out->unchanged += !moved;
		if (changed)
			changed[i] = moved;
	}
}
