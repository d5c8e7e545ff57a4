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

static const char *const workforce_chars[] = { "sex", "ethnicity", "disability", "age", NULL };
static const char *const service_users_chars[] = {
	"sex", "ethnicity", "disability", "age", "religion", "sexual_orientation", NULL,
};
static const struct return_kind kinds[] = {
	{ "workforce", workforce_chars },
	{ "service_users", service_users_chars },
};
const char *const return_kind_names[] = { "workforce", "service_users", NULL };

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

/* One category's count at ptr; false when it is wrong (then not summed). */
static bool validate_count(struct validation *v, const char *ptr, const char *ch, const char *code,
			   const json_t *count, const json_t *counts,
			   const struct return_catalogue *cat)
{
	int row = return_catalogue_find(cat, ch, code);
	const char *ancestor = overlapping_ancestor(cat, row, counts);
	bool ok = true;

	if (row < 0) {
		validation_add(v, ptr, "is not a category of %s (see /v1/characteristics/%s)", ch, ch);
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
 * total when the total is known (total < 0: not). */
static void validate_line(struct validation *v, const char *ptr, const char *ch,
			  const json_t *counts, const struct return_kind *kind,
			  const struct return_catalogue *cat, long long total)
{
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
		if (validate_count(v, cptr, ch, code, count, counts, cat))
			sum += json_integer_value(count);
		else
			ok = false;
	}
	if (ok && total >= 0 && sum != total)
		validation_add(v, ptr, "counts add up to %lld, not to the total %lld", sum, total);
}

void return_validate_content(struct validation *v, const json_t *obj,
			     const struct return_kind *kind, const struct return_catalogue *cat)
{
	long long total = 0;
	bool have_total = validate_integer(v, obj, "", "total", true, 0, RETURN_MAX_COUNT, &total);
	const json_t *lines = validate_object(v, obj, "", "lines", true);
	const char *ch;
	json_t *counts;

	if (!lines || !kind)
		return;
	json_object_foreach((json_t *)lines, ch, counts) {
		char seg[140], ptr[160];

		pointer_segment(seg, sizeof(seg), ch);
		snprintf(ptr, sizeof(ptr), "/lines/%s", seg);
		validate_line(v, ptr, ch, counts, kind, cat, have_total ? total : -1);
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

static void window_open(struct validation *v, const struct return_state *s)
{
	if (!s->open)
		validation_add(v, "", "the return's window is not open yet: it opens on %s", s->open_date);
}

void return_validate_replacement(struct validation *v, const json_t *body,
				 const struct return_state *s, const struct return_catalogue *cat)
{
	static const char *const fields[] = { "total", "lines", NULL };

	validate_known_fields(v, body, "", fields);
	window_open(v, s);
	return_validate_content(v, body, return_kind_find(s->kind), cat);
}

void return_validate_submission(struct validation *v, const json_t *body,
				const struct return_state *s, const char **reason)
{
	static const char *const fields[] = { "late_reason", NULL };

	validate_known_fields(v, body, "", fields);
	*reason = text_validate(v, body, "late_reason", LATE_REASON_MAX);
	window_open(v, s);
	/* Asked for only once the rest is right, so a client fixes one thing
	 * at a time. */
	if (s->past_due && !*reason && validation_ok(v))
		validation_add(v, "/late_reason", "is required: the window was due on %s", s->due_date);
	if (!s->past_due)
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
