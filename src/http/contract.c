/*
 * contract.c - every query parameter and JSON body checked against the
 * tables generated from api/openapi.yaml (see contract.h), before any
 * handler runs, every problem listed at once.
 *
 * Why here and not in handlers: a handler that checks its own body is one
 * more chance to miss a type (a null where a string was expected crashed
 * the process once).  Here the rule is written once, driven by the same
 * document the clients read, and a handler receives values of the declared
 * types only.
 */
#include "http/contract.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/query.h"
#include "util/buf.h"

/* One item of a comma-separated parameter: the whole query is at most 8192. */
#define QUERY_ITEM_MAX 8192

/* Text for a reply: a failed append (out of memory) only shortens it. */
static void keep(int rc)
{
	(void)rc;
}

/* ---- values ------------------------------------------------------------- */

static size_t code_points(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* YYYY-MM-DD, a day that exists (proleptic Gregorian, years 0001-9999). */
static bool is_date(const char *s, size_t len)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, last;

	if (len != 10 || s[4] != '-' || s[7] != '-' || !is_digits(s, 4) || !is_digits(s + 5, 2) ||
	    !is_digits(s + 8, 2))
		return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	last = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		last = 29;
	return d <= last;
}

static bool is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static unsigned json_type_bits(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return CONTRACT_NULL;
	case JSON_TRUE:
	case JSON_FALSE: return CONTRACT_BOOLEAN;
	case JSON_INTEGER: return CONTRACT_INTEGER | CONTRACT_NUMBER;
	case JSON_REAL: return CONTRACT_NUMBER;
	case JSON_STRING: return CONTRACT_STRING;
	case JSON_ARRAY: return CONTRACT_ARRAY;
	case JSON_OBJECT: return CONTRACT_OBJECT;
	}
	return 0;
}

/* "a string or null" */
static void append_types(struct buf *b, unsigned types)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ CONTRACT_STRING, "a string" }, { CONTRACT_INTEGER, "a whole number" },
		{ CONTRACT_NUMBER, "a number" }, { CONTRACT_BOOLEAN, "true or false" },
		{ CONTRACT_ARRAY, "an array" }, { CONTRACT_OBJECT, "an object" },
		{ CONTRACT_NULL, "null" },
	};
	size_t k = 0, total = 0;

	if ((types & CONTRACT_NUMBER) && (types & CONTRACT_INTEGER))
		types &= ~(unsigned)CONTRACT_INTEGER;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		total += (types & names[i].bit) != 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(types & names[i].bit))
			continue;
		keep(buf_appendf(b, "%s%s", k == 0 ? "" : (k + 1 == total ? " or " : ", "),
				  names[i].name));
		k++;
	}
}

static void append_enum(struct buf *b, const struct contract_table *t, const struct contract_node *n)
{
	for (unsigned i = 0; i < n->nenum; i++) {
		const struct contract_value *v = &t->values[n->enum_first + i];
		const char *sep = i ? ", " : "";

		switch (v->type) {
		case CONTRACT_STRING: keep(buf_appendf(b, "%s%s", sep, v->string)); break;
		case CONTRACT_NULL: keep(buf_appendf(b, "%snull", sep)); break;
		case CONTRACT_BOOLEAN: keep(buf_appendf(b, "%s%s", sep, v->number ? "true" : "false")); break;
		default: keep(buf_appendf(b, "%s%.17g", sep, v->number)); break;
		}
	}
}

/* A number as the schema wrote it: 10000000, not 1e+07. */
static void append_number(struct buf *b, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		keep(buf_appendf(b, "%lld", (long long)x));
	else
		keep(buf_appendf(b, "%.17g", x));
}

/* ---- collecting problems ------------------------------------------------ */

struct check {
	const struct contract_table *t;
	json_t *errors;          /* NULL: count only (a oneOf branch being tried) */
	const char *key;         /* "pointer" or "parameter" */
	struct buf where;        /* the pointer, or the parameter's name */
	size_t count;
};

static void problem(struct check *c, struct buf *detail)
{
	json_t *e;

	c->count++;
	if (!c->errors || json_array_size(c->errors) >= CONTRACT_MAX_ERRORS)
		return;
	e = json_object();
	if (e && json_object_set_new(e, c->key, json_string(buf_cstr(&c->where))) == 0 &&
	    json_object_set_new(e, "detail", json_string(buf_cstr(detail))) == 0)
		(void)json_array_append(c->errors, e);
	json_decref(e);
}

__attribute__((format(printf, 2, 3)))
static void problemf(struct check *c, const char *fmt, ...)
{
	struct buf detail = BUF_INIT;
	va_list ap;

	if (!c->errors) {
		c->count++;
		return;
	}
	va_start(ap, fmt);
	keep(buf_vappendf(&detail, fmt, ap));
	va_end(ap);
	problem(c, &detail);
	buf_release(&detail);
}

/* RFC 6901: "~" is "~0" and "/" is "~1". */
static void push_name(struct buf *b, const char *name)
{
	keep(buf_append_char(b, '/'));
	for (const char *p = name; *p; p++) {
		if (*p == '~')
			keep(buf_append_str(b, "~0"));
		else if (*p == '/')
			keep(buf_append_str(b, "~1"));
		else
			keep(buf_append_char(b, *p));
	}
}

static void pop_to(struct buf *b, size_t len)
{
	if (b->data && len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* ---- scalar rules shared by bodies and query values ----------------------- */

static bool enum_has_string(const struct contract_table *t, const struct contract_node *n,
			    const char *s)
{
	for (unsigned i = 0; i < n->nenum; i++) {
		const struct contract_value *v = &t->values[n->enum_first + i];

		if (v->type == CONTRACT_STRING && strcmp(v->string, s) == 0)
			return true;
	}
	return false;
}

static bool enum_has_number(const struct contract_table *t, const struct contract_node *n, double x)
{
	for (unsigned i = 0; i < n->nenum; i++) {
		const struct contract_value *v = &t->values[n->enum_first + i];

		if ((v->type == CONTRACT_INTEGER || v->type == CONTRACT_NUMBER) && v->number == x)
			return true;
	}
	return false;
}

static void enum_problem(struct check *c, const struct contract_node *n)
{
	struct buf d = BUF_INIT;

	if (!c->errors) {
		c->count++;
		return;
	}
	keep(buf_append_str(&d, "must be one of: "));
	append_enum(&d, c->t, n);
	problem(c, &d);
	buf_release(&d);
}

/* At most 40 bytes of s, cut on a character boundary, for quoting. */
static int quoted_len(const char *s, size_t len)
{
	size_t n = len < 40 ? len : 40;

	while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* Is token (len bytes) one of the choices "a|b|c" (clen bytes)? */
static bool among(const char *choices, size_t clen, const char *token, size_t len)
{
	const char *p = choices, *end = choices + clen;

	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t n = bar ? (size_t)(bar - p) : (size_t)(end - p);

		if (n == len && memcmp(p, token, len) == 0)
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

/*
 * A pattern ^(a|b|c)(,(a|b|c))*$ is a list of codes separated by commas
 * (group_by, strand): its refusal names the code that is not a choice and
 * lists the choices, where "does not match the pattern" would leave the
 * reader to read a regular expression.  false for any other pattern.
 */
static bool code_list_problem(struct check *c, const char *pattern, const char *s, size_t len)
{
	const char *choices = pattern + 2, *close, *item = s, *end = s + len;
	size_t clen;
	struct buf listed = BUF_INIT;

	if (strncmp(pattern, "^(", 2) != 0 || !(close = strchr(choices, ')')))
		return false;
	clen = (size_t)(close - choices);
	if (!clen || strspn(choices, "abcdefghijklmnopqrstuvwxyz0123456789_-|") != clen ||
	    strncmp(close + 1, "(,(", 3) != 0 || strncmp(close + 4, choices, clen) != 0 ||
	    strcmp(close + 4 + clen, "))*$") != 0)
		return false;
	for (const char *p = choices; p < close; p++)
		keep(*p == '|' ? buf_append_str(&listed, ", ") : buf_append_char(&listed, *p));
	for (;;) {
		const char *comma = memchr(item, ',', (size_t)(end - item));
		size_t n = comma ? (size_t)(comma - item) : (size_t)(end - item);

		if (!among(choices, clen, item, n)) {
			/* Quoted back only when it reads as a code (never markup). */
			if (n && n <= 40 && strspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.") >= n)
				problemf(c, "'%.*s' is not one of: %s (give one, or several separated by commas)",
					 (int)n, item, buf_cstr(&listed));
			else
				problemf(c, "must be one of: %s (or several separated by commas)",
					 buf_cstr(&listed));
			break;
		}
		if (!comma)
			break;
		item = comma + 1;
	}
	buf_release(&listed);
	return true;
}

static void check_string(struct check *c, const struct contract_node *n, const char *s, size_t len)
{
	const regex_t *re;
	size_t cps;

	if (n->nenum) {
		if (!enum_has_string(c->t, n, s))
			enum_problem(c, n);
		return;
	}
	cps = code_points(s, len);
	if (n->min_length >= 0 && cps < (size_t)n->min_length) {
		if (n->min_length == 1)
			problemf(c, "must not be empty");
		else
			problemf(c, "must be at least %ld characters long", n->min_length);
	} else if (n->max_length >= 0 && cps > (size_t)n->max_length) {
		problemf(c, "must be at most %ld characters long", n->max_length);
	}
	if (n->format == CONTRACT_FORMAT_DATE && !is_date(s, len))
		problemf(c, "must be a date written YYYY-MM-DD");
	else if (n->format == CONTRACT_FORMAT_UUID && !is_uuid(s, len))
		problemf(c, "must be a UUID such as 3ad7dc14-26b8-42ba-bbb6-1d54bab182df");
	if ((re = contract_pattern(n->pattern)) &&
	    (strlen(s) != len || regexec(re, s, 0, NULL, 0) != 0)) {
		/* The value is quoted back only when it cannot read as text of
		 * ours: no spaces, quotes or markup (an injection attempt is
		 * not echoed). */
		if (n->refusal) {
			problemf(c, "%s", n->refusal);
			return;
		}
		if (code_list_problem(c, c->t->patterns[n->pattern], s, len))
			return;
		if (strpbrk(s, " '\"<>;`\\"))
			problemf(c, "does not match the pattern %s", c->t->patterns[n->pattern]);
		else
			problemf(c, "'%.*s%s' does not match the pattern %s", quoted_len(s, len), s,
				 quoted_len(s, len) < (int)len ? "..." : "", c->t->patterns[n->pattern]);
	}
}

static void check_number(struct check *c, const struct contract_node *n, double x)
{
	bool low, high;
	struct buf d = BUF_INIT;

	if (n->nenum) {
		if (!enum_has_number(c->t, n, x))
			enum_problem(c, n);
		return;
	}
	low = (n->flags & CONTRACT_HAS_MIN) &&
	      ((n->flags & CONTRACT_EXCL_MIN) ? !(x > n->minimum) : !(x >= n->minimum));
	high = (n->flags & CONTRACT_HAS_MAX) &&
	       ((n->flags & CONTRACT_EXCL_MAX) ? !(x < n->maximum) : !(x <= n->maximum));
	if (!low && !high)
		return;
	if (!c->errors) {
		c->count++;
		return;
	}
	keep(buf_append_str(&d, "must be "));
	if (n->flags & CONTRACT_HAS_MIN) {
		keep(buf_append_str(&d, (n->flags & CONTRACT_EXCL_MIN) ? "more than " : "at least "));
		append_number(&d, n->minimum);
	}
	if (n->flags & CONTRACT_HAS_MAX) {
		keep(buf_append_str(&d, (n->flags & CONTRACT_HAS_MIN) ? " and " : ""));
		keep(buf_append_str(&d, (n->flags & CONTRACT_EXCL_MAX) ? "less than " : "at most "));
		append_number(&d, n->maximum);
	}
	problem(c, &d);
	buf_release(&d);
}

/* ---- bodies --------------------------------------------------------------- */

static void check_value(struct check *c, const json_t *v, int node);

static const struct contract_prop *find_prop(const struct contract_table *t,
					     const struct contract_node *n, const char *name)
{
	for (unsigned i = 0; i < n->nprops; i++)
		if (strcmp(t->props[n->prop_first + i].name, name) == 0)
			return &t->props[n->prop_first + i];
	return NULL;
}

/* A member a closed object does not declare: named with the fields it
 * does take, so that the next request can be right. */
static void unknown_member_problem(struct check *c, const struct contract_node *n)
{
	struct buf d = BUF_INIT;

	if (!c->errors) {
		c->count++;
		return;
	}
	keep(buf_append_str(&d, "is not a field of this resource"));
	for (unsigned i = 0; i < n->nprops; i++)
		keep(buf_appendf(&d, "%s%s", i ? ", " : "; its fields are: ",
				 c->t->props[n->prop_first + i].name));
	if (!n->nprops)
		keep(buf_append_str(&d, "; it takes none"));
	problem(c, &d);
	buf_release(&d);
}

static void check_object(struct check *c, const struct contract_node *n, const json_t *v)
{
	size_t base = c->where.len, size = json_object_size(v);
	const char *name;
	json_t *member;

	if (n->min_props >= 0 && size < (size_t)n->min_props)
		problemf(c, "must have at least %ld member%s", n->min_props, n->min_props == 1 ? "" : "s");
	if (n->max_props >= 0 && size > (size_t)n->max_props)
		problemf(c, "must have at most %ld members", n->max_props);
	/* Declared members in the contract's order, then the others in the
	 * body's: the list reads like the schema. */
	for (unsigned i = 0; i < n->nprops; i++) {
		const struct contract_prop *p = &c->t->props[n->prop_first + i];
		const json_t *m = json_object_get(v, p->name);

		if (c->errors)   /* a oneOf branch being tried needs no pointer */
			push_name(&c->where, p->name);
		if (m)
			check_value(c, m, p->node);
		else if (p->required)
			problemf(c, "is required");
		pop_to(&c->where, base);
	}
	json_object_foreach((json_t *)(uintptr_t)v, name, member) {
		if (find_prop(c->t, n, name))
			continue;
		if (c->errors)
			push_name(&c->where, name);
		if (n->flags & CONTRACT_CLOSED)
			unknown_member_problem(c, n);
		else
			check_value(c, member, n->additional);
		pop_to(&c->where, base);
	}
}

static void check_array(struct check *c, const struct contract_node *n, const json_t *v)
{
	size_t base = c->where.len, size = json_array_size(v);

	if (n->min_items >= 0 && size < (size_t)n->min_items)
		problemf(c, "must have at least %ld item%s", n->min_items, n->min_items == 1 ? "" : "s");
	/* Too long is the one problem worth telling: and the walk stays
	 * bounded by the contract, however long the array sent. */
	if (n->max_items >= 0 && size > (size_t)n->max_items) {
		problemf(c, "must have at most %ld item%s", n->max_items, n->max_items == 1 ? "" : "s");
		return;
	}
	for (size_t i = 0; i < size; i++) {
		if (c->errors)
			keep(buf_appendf(&c->where, "/%zu", i));
		check_value(c, json_array_get(v, i), n->items);
		/* Quadratic, but bounded by maxItems in every unique array of
		 * the contract; json_equal compares by value, 1 and 1.0 apart. */
		if (n->flags & CONTRACT_UNIQUE_ITEMS)
			for (size_t k = 0; k < i; k++)
				if (json_equal(json_array_get(v, k), json_array_get(v, i))) {
					problemf(c, "repeats item %zu", k);
					break;
				}
		pop_to(&c->where, base);
	}
}

/*
 * oneOf: exactly one branch must match.  When none does, the problems of
 * the branch the value came closest to are the useful ones: among the
 * branches that take the value's JSON type, the one with fewest problems.
 */
static void check_one_of(struct check *c, const struct contract_node *n, const json_t *v)
{
	int best = -1, matches = 0;
	size_t best_count = (size_t)-1, best_foreign = (size_t)-1;
	bool best_typed = false;

	for (unsigned i = 0; i < n->none_of; i++) {
		int sub = c->t->subs[n->one_of_first + i];
		struct check trial = { .t = c->t, .errors = NULL, .key = c->key, .where = BUF_INIT };
		bool typed = sub < 0 || !c->t->nodes[sub].types ||
			     (c->t->nodes[sub].types & json_type_bits(v));
		size_t foreign = 0;
		const char *name;
		json_t *member;

		check_value(&trial, v, sub);
		buf_release(&trial.where);
		if (trial.count == 0)
			matches++;
		/* Of two objects, the one that declares more of the members
		 * sent is what the client meant (a withdrawal, not a
		 * correction). */
		if (sub >= 0 && json_is_object(v))
			json_object_foreach((json_t *)(uintptr_t)v, name, member)
				foreign += !find_prop(c->t, &c->t->nodes[sub], name);
		if ((typed && !best_typed) ||
		    (typed == best_typed && (foreign < best_foreign ||
					     (foreign == best_foreign && trial.count < best_count)))) {
			best = sub;
			best_count = trial.count;
			best_foreign = foreign;
			best_typed = typed;
		}
	}
	if (matches == 1)
		return;
	if (matches > 1) {
		problemf(c, "matches more than one of the shapes this member may take");
		return;
	}
	check_value(c, v, best);
}

static void check_value(struct check *c, const json_t *v, int node)
{
	const struct contract_node *n;
	unsigned bits;

	if (node < 0 || (size_t)node >= c->t->nnodes)
		return;
	n = &c->t->nodes[node];
	bits = json_type_bits(v);
	if (n->types && !(n->types & bits)) {
		struct buf d = BUF_INIT;

		if (!c->errors) {
			c->count++;
			return;
		}
		keep(buf_append_str(&d, "must be "));
		append_types(&d, n->types);
		problem(c, &d);
		buf_release(&d);
		return;
	}
	if (n->none_of) {
		check_one_of(c, n, v);
		/* A oneOf beside other keywords: those apply too. */
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		check_string(c, n, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		check_number(c, n, (double)json_integer_value(v));
		break;
	case JSON_REAL:
		check_number(c, n, json_real_value(v));
		break;
	case JSON_OBJECT:
		check_object(c, n, v);
		break;
	case JSON_ARRAY:
		check_array(c, n, v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		if (n->nenum) {
			bool found = false;

			for (unsigned i = 0; i < n->nenum; i++) {
				const struct contract_value *e = &c->t->values[n->enum_first + i];

				found = found || (e->type == CONTRACT_NULL && json_is_null(v)) ||
					(e->type == CONTRACT_BOOLEAN && json_is_boolean(v) &&
					 (e->number != 0) == json_is_true(v));
			}
			if (!found)
				enum_problem(c, n);
		}
		break;
	}
}

size_t contract_validate_json(const json_t *value, int node, json_t *errors)
{
	struct check c = { .t = contract_bound_table(), .errors = errors, .key = "pointer", .where = BUF_INIT };

	if (!c.t)
		return 0;
	keep(buf_append_str(&c.where, ""));
	check_value(&c, value, node);
	buf_release(&c.where);
	return c.count;
}

/* ---- query parameters ------------------------------------------------------- */

/* One value of a query parameter, as text. */
static void check_query_value(struct check *c, const struct contract_node *n, const char *text)
{
	size_t len = strlen(text);

	if (n->types & CONTRACT_INTEGER) {
		long v;

		if (query_parse_long(text, -9007199254740991L, 9007199254740991L, &v) != 0) {
			if ((n->flags & CONTRACT_HAS_MIN) && (n->flags & CONTRACT_HAS_MAX) &&
			    !(n->flags & (CONTRACT_EXCL_MIN | CONTRACT_EXCL_MAX)))
				problemf(c, "must be a whole number from %.0f to %.0f", n->minimum,
					 n->maximum);
			else
				problemf(c, "must be a whole number");
			return;
		}
		if ((n->flags & CONTRACT_HAS_MIN) && (n->flags & CONTRACT_HAS_MAX) && !n->nenum &&
		    !(n->flags & (CONTRACT_EXCL_MIN | CONTRACT_EXCL_MAX)) &&
		    ((double)v < n->minimum || (double)v > n->maximum)) {
			problemf(c, "must be a whole number from %.0f to %.0f", n->minimum, n->maximum);
			return;
		}
		check_number(c, n, (double)v);
	} else if (n->types & CONTRACT_NUMBER) {
		char *end;
		double x;

		x = len && !strchr(" \t\n+", text[0]) ? strtod(text, &end) : 0;
		if (!len || strchr(" \t\n+", text[0]) || *end || !isfinite(x)) {
			problemf(c, "must be a number");
			return;
		}
		check_number(c, n, x);
	} else if (n->types & CONTRACT_BOOLEAN) {
		if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
			problemf(c, "must be true or false");
	} else {
		check_string(c, n, text, len);
	}
}

static const struct contract_param *find_param(const struct contract_table *t,
					       const struct contract_op *op, const char *name)
{
	for (unsigned k = 0; k < op->nparams; k++)
		if (strcmp(t->params[op->param_first + k].name, name) == 0)
			return &t->params[op->param_first + k];
	return NULL;
}

static void set_where(struct check *c, const char *name)
{
	if (!c->errors)
		return;   /* counting only: no text, no allocation */
	pop_to(&c->where, 0);
	keep(buf_append_str(&c->where, name));
}

/* Every item of an array parameter: repeated (explode) and comma-separated,
 * as request_list_or_respond reads them. */
static void check_query_array(struct check *c, const struct query *q, const struct contract_param *p)
{
	size_t items = 0, given = 0;
	bool empty = false;

	for (size_t i = 0; i < q->n; i++) {
		const char *v = q->items[i].value;

		if (strcmp(q->items[i].name, p->name) != 0)
			continue;
		given++;
		for (const char *s = v;;) {
			size_t len = strcspn(s, ",");
			char piece[QUERY_ITEM_MAX + 1];

			items++;
			if (len == 0) {
				empty = true;
			} else if (len > QUERY_ITEM_MAX) {
				problemf(c, "has an item longer than %d bytes", QUERY_ITEM_MAX);
			} else {
				memcpy(piece, s, len);
				piece[len] = '\0';
				check_query_value(c, &c->t->nodes[p->node], piece);
			}
			if (!s[len])
				break;
			s += len + 1;
		}
	}
	if (given > 1 && !p->explode)
		problemf(c, "may be given only once (separate values with commas)");
	if (empty)
		problemf(c, "has an empty value (write values separated by commas, with no spaces)");
	if (p->max_items >= 0 && items > (size_t)p->max_items)
		problemf(c, "takes at most %ld values", p->max_items);
	if (p->min_items >= 0 && items < (size_t)p->min_items)
		problemf(c, "takes at least %ld values", p->min_items);
}

static size_t validate_query(const struct contract_table *t, const struct query *q,
			     const struct contract_op *op, json_t *errors)
{
	struct check c = { .t = t, .errors = errors, .key = "parameter", .where = BUF_INIT };

	for (size_t i = 0; i < q->n; i++) {
		const char *name = q->items[i].name;
		const struct contract_param *p = find_param(t, op, name);
		bool first = true;

		/* Each name once: the first occurrence speaks for all. */
		for (size_t k = 0; k < i && first; k++)
			first = strcmp(q->items[k].name, name) != 0;
		if (!first)
			continue;
		set_where(&c, name);
		if (!p) {
			problemf(&c, "is not a parameter of this endpoint (see /openapi.yaml)");
			continue;
		}
		if (p->array) {
			check_query_array(&c, q, p);
			continue;
		}
		if (query_count(q, name) > 1) {
			problemf(&c, "may be given only once");
			continue;
		}
		if (p->node >= 0)
			check_query_value(&c, &t->nodes[p->node], q->items[i].value);
	}
	for (unsigned k = 0; k < op->nparams; k++) {
		const struct contract_param *p = &t->params[op->param_first + k];

		if (p->required && !query_get(q, p->name)) {
			set_where(&c, p->name);
			problemf(&c, "is required");
		}
	}
	buf_release(&c.where);
	return c.count;
}

size_t contract_validate_query(const struct query *q, size_t op, json_t *errors)
{
	const struct contract_table *t = contract_bound_table();

	if (!t || op >= t->nops)
		return 0;
	return validate_query(t, q, &t->ops[op], errors);
}
