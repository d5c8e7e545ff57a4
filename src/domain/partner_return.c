/*
 * partner_return.c - the rules of a partner's equalities return (see
 * partner_return.h).
 */
#include "domain/partner_return.h"

#include "domain/text.h"

#include <stdio.h>
#include <string.h>

/* Categories are at most this deep; a longer chain is a broken catalogue,
 * and stopping keeps a cycle from hanging a request. */
#define MAX_DEPTH 8
#define LATE_REASON_MAX 500
#define NOTE_MAX 1000
#define NOTES_MAX 2000

static const char *const workforce_chars[] = { "sex", "ethnicity", "disability", "age", NULL };
static const char *const service_users_chars[] = {
	"sex", "ethnicity", "disability", "age", "religion", "sexual_orientation", NULL,
};
static const struct return_kind kinds[] = {
	{ "workforce", workforce_chars },
	{ "service_users", service_users_chars },
};
const char *const return_kind_names[] = { "workforce", "service_users", NULL };
const char *const return_undeclared_codes[] = { "prefer_not_to_say", "not_known", NULL };
const char *const return_undeclared_names[] = { "Prefer not to say", "Not known", NULL };
const char *const return_hr_age_bands[] = {
	"age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_plus", NULL,
};
const char *const return_hr_age_band_names[] = {
	"Aged 16 to 24", "Aged 25 to 34", "Aged 35 to 44", "Aged 45 to 54", "Aged 55 to 64",
	"Aged 65 and over", NULL,
};
const char *const return_age_band_schemes[] = { "census", "hr", NULL };
const char *const return_universes[] = { "everyone", "adults", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool return_adult_only(const char *ch)
{
	return ch && strcmp(ch, "sexual_orientation") == 0;
}

const char *return_default_universe(const char *kind)
{
	return kind && strcmp(kind, "workforce") == 0 ? "adults" : "everyone";
}

struct return_rules return_rules_of(const char *kind, const char *age_bands, const char *universe)
{
	if (!universe)
		universe = return_default_universe(kind);
	return (struct return_rules){
		.kind = return_kind_find(kind),
		.hr_age_bands = age_bands && strcmp(age_bands, "hr") == 0,
		.adults_only = strcmp(universe, "adults") == 0,
	};
}

bool return_needs_adult_total(const struct return_rules *r)
{
	if (!r->kind || r->adults_only)
		return false;
	for (size_t k = 0; r->kind->characteristics[k]; k++)
		if (return_adult_only(r->kind->characteristics[k]))
			return true;
	return false;
}

const struct return_kind *return_kind_find(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

size_t return_kind_size(const struct return_kind *k)
{
	size_t n = 0;

	while (k->characteristics[n])
		n++;
	return n;
}

int return_catalogue_find(const struct return_catalogue *c, const char *characteristic,
			  const char *code)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->rows[i].characteristic, characteristic) == 0 &&
		    strcmp(c->rows[i].code, code) == 0)
			return (int)i;
	return -1;
}

int return_catalogue_top(const struct return_catalogue *c, int i)
{
	for (int depth = 0; depth < MAX_DEPTH && i >= 0 && c->rows[i].parent; depth++) {
		int p = return_catalogue_find(c, c->rows[i].characteristic, c->rows[i].parent);

		if (p < 0)
			break;
		i = p;
	}
	return i;
}

/* A JSON pointer segment for a member name: ~ and / escaped, cut at 64. */
static void pointer_segment(char *out, size_t size, const char *name)
{
	size_t o = 0;

	for (size_t i = 0; name[i] && i < 64 && o + 3 < size; i++) {
		if (name[i] == '~' || name[i] == '/') {
			out[o++] = '~';
			out[o++] = name[i] == '~' ? '0' : '1';
		} else {
			out[o++] = name[i];
		}
	}
	out[o] = '\0';
}

static bool is_characteristic_of(const struct return_kind *kind, const char *ch)
{
	for (size_t k = 0; kind->characteristics[k]; k++)
		if (strcmp(kind->characteristics[k], ch) == 0)
			return true;
	return false;
}

/* A category given together with one of its ancestors would count people
 * twice: the nearest such ancestor, or NULL. */
static const char *overlapping_ancestor(const struct return_catalogue *cat, int row,
					const json_t *counts)
{
	for (int depth = 0; row >= 0 && depth < MAX_DEPTH && cat->rows[row].parent; depth++) {
		const char *parent = cat->rows[row].parent;

		if (json_object_get(counts, parent))
			return parent;
		row = return_catalogue_find(cat, cat->rows[row].characteristic, parent);
	}
	return NULL;
}

/* Is code a category of ch under the rules?  Into v at ptr when not, with
 * where to find the codes that are. */
static bool code_known(struct validation *v, const char *ptr, const char *ch, const char *code,
		       const struct return_rules *rules, int row)
{
	bool age = strcmp(ch, "age") == 0;

	if (in_list(return_undeclared_codes, code))
		return true;
	if (age && rules->hr_age_bands) {
		if (in_list(return_hr_age_bands, code))
			return true;
		validation_add(v, ptr, "is not an HR age band: this window takes age_16_24, age_25_34, age_35_44, age_45_54, age_55_64, age_65_plus, prefer_not_to_say or not_known");
		return false;
	}
	if (row >= 0)
		return true;
	if (age && in_list(return_hr_age_bands, code))
		validation_add(v, ptr, "is an HR age band, but this window takes census age bands (see /v1/characteristics/age), prefer_not_to_say or not_known");
	else
		validation_add(v, ptr, "is not a category of %s: use a code from /v1/characteristics/%s, or prefer_not_to_say or not_known for people who did not declare", ch, ch);
	return false;
}

/* One category's count at ptr; false when it is wrong (then not summed). */
static bool validate_count(struct validation *v, const char *ptr, const char *ch, const char *code,
			   const json_t *count, const json_t *counts,
			   const struct return_rules *rules, const struct return_catalogue *cat)
{
	int row = rules->hr_age_bands && strcmp(ch, "age") == 0 ? -1 : return_catalogue_find(cat, ch, code);
	const char *ancestor = overlapping_ancestor(cat, row, counts);
	bool ok = true;

	if (!code_known(v, ptr, ch, code, rules, row)) {
		ok = false;
	} else if (ancestor) {
		validation_add(v, ptr, "overlaps its parent category %s: give one or the other", ancestor);
		ok = false;
	}
	if (!json_is_integer(count) || json_integer_value(count) < 0 ||
	    json_integer_value(count) > RETURN_MAX_COUNT) {
		validation_add(v, ptr, "must be a whole number from 0 to %lld", RETURN_MAX_COUNT);
		ok = false;
	}
	return ok;
}

/* One characteristic's counts at ptr ("/lines/sex"); they must add up to
 * total when the total is known (total < 0: not); what is counted is in
 * what ("the total", "adult_total"). */
static void validate_line(struct validation *v, const char *ptr, const char *ch,
			  const json_t *counts, const struct return_rules *rules,
			  const struct return_catalogue *cat, long long total, const char *what)
{
	const struct return_kind *kind = rules->kind;
	bool ok = true;
	long long sum = 0;
	const char *code;
	json_t *count;

	if (!is_characteristic_of(kind, ch)) {
		validation_add(v, ptr, "is not a characteristic of a %s return", kind->kind);
		return;
	}
	if (!json_is_object(counts)) {
		validation_add(v, ptr, "must be an object of category codes and counts");
		return;
	}
	if (json_object_size(counts) > RETURN_MAX_CATEGORIES) {
		validation_add(v, ptr, "has too many categories");
		return;
	}
	json_object_foreach((json_t *)counts, code, count) {
		char seg[140], cptr[320];

		pointer_segment(seg, sizeof(seg), code);
		snprintf(cptr, sizeof(cptr), "%s/%s", ptr, seg);
		if (validate_count(v, cptr, ch, code, count, counts, rules, cat))
			sum += json_integer_value(count);
		else
			ok = false;
	}
	if (ok && total >= 0 && sum != total)
		validation_add(v, ptr, "counts add up to %lld, not to %s %lld: count people who did not say as prefer_not_to_say or not_known", sum, what, total);
}

/* adult_total (people aged 16 and over): required where an adult-only
 * measure is asked in a universe with children, at most the total; in an
 * adults-only universe it is the total.  The count adult-only lines add up
 * to, -1 when unknown. */
static long long adult_total_validate(struct validation *v, const json_t *obj,
				      const struct return_rules *rules, long long total)
{
	long long adults = -1;
	bool needed = return_needs_adult_total(rules);
	bool have = validate_integer(v, obj, "", "adult_total", needed, 0, RETURN_MAX_COUNT, &adults);

	if (!have)
		return rules->kind && !needed ? total : -1;
	if (total >= 0 && adults > total) {
		validation_add(v, "/adult_total", "must not be more than the total %lld", total);
		return -1;
	}
	if (total >= 0 && rules->adults_only && adults != total) {
		validation_add(v, "/adult_total", "must equal the total in a window that counts adults only (or leave it out)");
		return -1;
	}
	return adults;
}

void return_validate_content(struct validation *v, const json_t *obj,
			     const struct return_rules *rules, const struct return_catalogue *cat)
{
	long long total = 0;
	bool have_total = validate_integer(v, obj, "", "total", true, 0, RETURN_MAX_COUNT, &total);
	long long adults = adult_total_validate(v, obj, rules, have_total ? total : -1);
	const json_t *lines = validate_object(v, obj, "", "lines", true);
	const struct return_kind *kind = rules->kind;
	const char *ch;
	json_t *counts;

	(void)text_member(v, obj, "notes", false, NOTES_MAX, true);
	if (!lines || !kind)
		return;
	json_object_foreach((json_t *)lines, ch, counts) {
		char seg[140], ptr[160];
		bool adult = return_adult_only(ch) && !rules->adults_only;

		pointer_segment(seg, sizeof(seg), ch);
		snprintf(ptr, sizeof(ptr), "/lines/%s", seg);
		validate_line(v, ptr, ch, counts, rules, cat,
			      adult ? adults : (have_total ? total : -1),
			      adult ? "adult_total" : "the total");
	}
	for (size_t k = 0; kind->characteristics[k]; k++)
		if (!json_object_get(lines, kind->characteristics[k])) {
			char ptr[80];

			snprintf(ptr, sizeof(ptr), "/lines/%s", kind->characteristics[k]);
			validation_add(v, ptr, "is required in a %s return", kind->kind);
		}
}

bool return_editable(const char *status)
{
	return strcmp(status, "draft") == 0 || strcmp(status, "returned") == 0;
}

bool return_recallable(const char *status)
{
	return strcmp(status, "submitted") == 0;
}

bool return_submission_late(const struct return_state *s)
{
	if (!s->past_due)
		return false;
	return !(strcmp(s->status, "returned") == 0 && !s->was_late);
}

const char *return_next_step(const char *status)
{
	if (strcmp(status, "submitted") == 0)
		return "To change it, recall it first with POST /v1/returns/{id}/recall (before the council reviews it)";
	if (strcmp(status, "accepted") == 0)
		return "An accepted return is final; ask the council if a figure is wrong";
	return "Change it with PUT /v1/returns/{id} (If-Match: its ETag), then submit it with POST /v1/returns/{id}/submit";
}

static void window_open(struct validation *v, const struct return_state *s)
{
	if (!s->open)
		validation_add(v, "", "the return's window is not open yet: it opens on %s", s->open_date);
}

void return_validate_replacement(struct validation *v, const json_t *body,
				 const struct return_state *s, const struct return_catalogue *cat)
{
	static const char *const fields[] = { "total", "adult_total", "notes", "lines", NULL };
	struct return_rules rules = return_rules_of(s->kind, s->age_bands, s->universe);

	validate_known_fields(v, body, "", fields);
	window_open(v, s);
	return_validate_content(v, body, &rules, cat);
}

void return_validate_submission(struct validation *v, const json_t *body,
				const struct return_state *s, const char **reason)
{
	static const char *const fields[] = { "late_reason", NULL };
	bool late = return_submission_late(s);

	validate_known_fields(v, body, "", fields);
	*reason = text_member(v, body, "late_reason", false, LATE_REASON_MAX, true);
	window_open(v, s);
	/* Asked for only once the rest is right, so a client fixes one thing
	 * at a time. */
	if (late && !*reason && validation_ok(v))
		validation_add(v, "/late_reason", "is required: the window was due on %s; say why the return is late", s->due_date);
	if (!late)
		*reason = NULL;
}

void return_validate_review(struct validation *v, const json_t *body, const char **outcome,
			    const char **note)
{
	static const char *const fields[] = { "outcome", "note", NULL };
	static const char *const outcomes[] = { "accepted", "returned", NULL };

	validate_known_fields(v, body, "", fields);
	*outcome = validate_enum(v, body, "", "outcome", true, outcomes);
	*note = validate_string(v, body, "", "note", false, NOTE_MAX);
	if (*note && ((*note)[0] == '\0' || text_has_control_chars(*note))) {
		validation_add(v, "/note", "must be 1 to %d bytes of text without control characters", NOTE_MAX);
		*note = NULL;
	} else if (*outcome && strcmp(*outcome, "returned") == 0 && !*note) {
		validation_add(v, "/note", "is required when the return goes back for correction");
	}
}
