/*
 * pay_gap_publication.c - checking published pay-gap figures (see the
 * header).
 */
#include "domain/pay_gap_publication.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *const pgp_characteristics[] = { "sex", "ethnicity", "disability", NULL };

static const char *const refs[] = { "male", "white", "not_disabled" };
static const char *const groups_sex[] = { "female", NULL };
static const char *const groups_eth[] = { "asian", "black", "mixed", "other", "minoritised", NULL };
static const char *const groups_dis[] = { "disabled", NULL };
static const char *const *const groups[] = { groups_sex, groups_eth, groups_dis };

static const char *const gap_fields[] = {
	"group", "mean_gap", "median_gap", "mean_bonus_gap", "median_bonus_gap",
	"bonus_share_group", "bonus_share_reference", NULL,
};

static bool str_member_is(const json_t *obj, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(obj, name));

	return v && strcmp(v, want) == 0;
}

/* A number in [min, max] or (optional) absent or null: the member, or NULL. */
static json_t *number(struct validation *v, const json_t *obj, const char *base, const char *name,
		      bool required, double min, double max)
{
	json_t *x = json_object_get(obj, name);
	char ptr[160];

	snprintf(ptr, sizeof(ptr), "%s/%s", base, name);
	if (!x || json_is_null(x)) {
		if (required)
			validation_add(v, ptr, "is required: a percentage");
		return NULL;
	}
	if (!json_is_number(x)) {
		validation_add(v, ptr, "must be a number (a percentage)");
		return NULL;
	}
	if (json_number_value(x) < min || json_number_value(x) > max) {
		validation_add(v, ptr, "must be from %g to %g", min, max);
		return NULL;
	}
	return x;
}

/* Gap i of list, at pointer ptr. */
static int one_gap(struct validation *v, const json_t *list, size_t i, const char *ptr, int pc,
		   json_t *gaps)
{
	const json_t *e = json_array_get(list, i);
	const char *group;
	json_t *stored;

	validate_known_fields(v, e, ptr, gap_fields);
	group = validate_enum(v, e, ptr, "group", true, groups[pc]);
	for (size_t k = 0; group && k < i; k++)
		if (str_member_is(json_array_get(list, k), "group", group)) {
			char gp[112];

			snprintf(gp, sizeof(gp), "%s/group", ptr);
			validation_add(v, gp, "%s is given twice", group);
			break;
		}
	stored = json_pack("{s:s, s:s?, s:s, s:b}", "characteristic", pgp_characteristics[pc],
			   "group", group, "reference", refs[pc], "published", 1);
	if (!stored || json_array_append_new(gaps, stored))
		return -1;
	for (size_t f = 1; gap_fields[f]; f++) {
		bool share = strncmp(gap_fields[f], "bonus_share", 11) == 0;
		json_t *x = number(v, e, ptr, gap_fields[f], f <= 2, share ? 0 : -1000, 100);

		if (json_object_set_new(stored, gap_fields[f], x ? json_real(json_number_value(x)) : json_null()))
			return -1;
	}
	return 0;
}

int pgp_gaps(struct validation *v, const json_t *obj, int pc, json_t *gaps)
{
	static const char *const fields[] = { "gaps", "quartiles", NULL };
	const json_t *list;
	char base[24], ptr[96];

	snprintf(base, sizeof(base), "/%s", pgp_characteristics[pc]);
	validate_known_fields(v, obj, base, fields);
	list = validate_array(v, obj, base, "gaps", true, 1, 8);
	for (size_t i = 0; list && i < json_array_size(list); i++) {
		snprintf(ptr, sizeof(ptr), "%s/gaps/%zu", base, i);
		if (!json_is_object(json_array_get(list, i)))
			validation_add(v, ptr, "must be an object");
		else if (one_gap(v, list, i, ptr, pc, gaps) != 0)
			return -1;
	}
	return 0;
}

static bool known_code(const char *const *known, size_t nknown, const char *code)
{
	for (size_t i = 0; i < nknown; i++)
		if (strcmp(known[i], code) == 0)
			return true;
	return false;
}

/* Quartile i (0..3), an object of category shares, at pointer ptr. */
static int one_quartile(struct validation *v, const json_t *e, size_t i, const char *ptr, int pc,
			const char *const *known, size_t nknown, json_t *quarts)
{
	const char *ch = pgp_characteristics[pc], *cat;
	json_t *share;
	double sum = 0;

	json_object_foreach((json_t *)e, cat, share) {
		char cp[160];

		snprintf(cp, sizeof(cp), "%s/%.60s", ptr, cat);
		if (!known_code(known, nknown, cat)) {
			validation_add(v, cp, "is not a top-level category of %s (nor prefer_not_to_say or not_recorded)", ch);
			continue;
		}
		if (!json_is_number(share) || json_number_value(share) < 0 || json_number_value(share) > 100) {
			validation_add(v, cp, "must be a percentage from 0 to 100");
			continue;
		}
		sum += json_number_value(share);
		if (json_array_append_new(quarts, json_pack("{s:s, s:i, s:s, s:f}", "characteristic", ch,
							     "quartile", (int)i + 1, "category", cat,
							     "share", json_number_value(share))))
			return -1;
	}
	if (fabs(sum - 100.0) > 0.1)
		validation_add(v, ptr, "the shares of quartile %zu sum to %.2f, not 100 (within 0.1)", i + 1, sum);
	return 0;
}

int pgp_quartiles(struct validation *v, const json_t *qs, int pc, const char *const *known,
		  size_t nknown, json_t *quarts)
{
	char ptr[96];

	for (size_t i = 0; i < json_array_size(qs); i++) {
		const json_t *e = json_array_get(qs, i);

		snprintf(ptr, sizeof(ptr), "/%s/quartiles/%zu", pgp_characteristics[pc], i);
		if (!json_is_object(e))
			validation_add(v, ptr, "must be an object of category codes and shares");
		else if (one_quartile(v, e, i, ptr, pc, known, nknown, quarts) != 0)
			return -1;
	}
	return 0;
}
