/*
 * demographics.c - GET /v1/demographics/datasets[/{slug}] and
 * GET /v1/demographics: the borough's population by protected
 * characteristic, area and category, disclosure-controlled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/demo_tables.h"
#include "api/kit/releases.h"
#include "api/kit/table_memo.h"
#include "api/kit/list.h"
#include "config.h"
#include "domain/disclosure.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

#define DATASET_COLUMNS \
	"d.id, d.slug, d.title, d.publisher, d.source, d.release_date, d.reference_date," \
	" d.official, d.licence, d.notes," \
	" (SELECT string_agg(DISTINCT t.characteristic_code, ',' ORDER BY t.characteristic_code)" \
	"  FROM demographic_totals t WHERE t.dataset_id = d.id), d.population," \
	" coalesce(d.subset_of, d.slug)"

static const struct db_statement statements[] = {
	{ "demographics_datasets",
	  "SELECT " DATASET_COLUMNS " FROM datasets d"
	  " WHERE ($1::text IS NULL OR d.slug > $1) ORDER BY d.slug LIMIT $2", 2 },
	{ "demographics_dataset",
	  "SELECT " DATASET_COLUMNS " FROM datasets d WHERE d.slug = $1", 1 },
	{ "demographics_dataset_latest",
	  "SELECT " DATASET_COLUMNS " FROM datasets d"
	  " WHERE EXISTS (SELECT 1 FROM demographic_totals t WHERE t.dataset_id = d.id)"
	  " ORDER BY d.population = 'all_usual_residents' DESC, d.release_date DESC, d.slug LIMIT 1", 0 },
	{ "demographics_universe",
	  "SELECT code, universe FROM characteristics ORDER BY code", 0 },
	/* meta.release of the latest release of family $1 (not its cells:
	 * api/kit/demo_tables.c reads them). */
	{ "demographics_release_latest",
	  "SELECT json_build_object('id', id, 'version', version, 'made_at', release_made_at(made_at))::text"
	  " FROM releases WHERE statistic = 'demographics' AND key = $1 ORDER BY version DESC LIMIT 1", 1 },
};

enum { D_ID, D_SLUG, D_TITLE, D_PUBLISHER, D_SOURCE, D_RELEASED, D_REFERENCE,
       D_OFFICIAL, D_LICENCE, D_NOTES, D_CHARACTERISTICS, D_POPULATION, D_FAMILY };

static json_t *dataset_json(const PGresult *r, int row)
{
	const char *chars = db_get_text(r, row, D_CHARACTERISTICS);
	json_t *list = json_array();
	bool official = strcmp(PQgetvalue(r, row, D_OFFICIAL), "t") == 0;

	if (chars && *chars) {
		char *copy = strdup(chars), *save = NULL;

		for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save))
			json_array_append_new(list, json_string(tok));
		free(copy);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:o}",
		"slug", PQgetvalue(r, row, D_SLUG),
		"title", PQgetvalue(r, row, D_TITLE),
		"publisher", PQgetvalue(r, row, D_PUBLISHER),
		"source", PQgetvalue(r, row, D_SOURCE),
		"release_date", PQgetvalue(r, row, D_RELEASED),
		"reference_date", PQgetvalue(r, row, D_REFERENCE),
		"official", official,
		"status", official ? "official" : "illustrative",
		"licence", PQgetvalue(r, row, D_LICENCE),
		"notes", PQgetvalue(r, row, D_NOTES),
		"characteristics", list);
}

static const struct csv_column dataset_csv[] = {
	{ "slug", "/slug" }, { "title", "/title" }, { "publisher", "/publisher" },
	{ "source", "/source" }, { "release_date", "/release_date" },
	{ "reference_date", "/reference_date" }, { "status", "/status" },
	{ "licence", "/licence" },
};

/* By slug. */
static const enum cursor_key dataset_keys[] = { CURSOR_KEY_TEXT };
static const struct cursor_spec dataset_keyset = { "datasets", dataset_keys, 1 };
static const int dataset_key_cols[] = { D_SLUG };
static const struct list_query dataset_query = {
	&dataset_keyset, "demographics_datasets", dataset_key_cols, dataset_json,
	dataset_csv, API_COUNT(dataset_csv), NULL, NULL,
};

static void datasets_list(struct request *req, struct response *res)
{
	list_run(req, res, &dataset_query, NULL, 0);
}

static void datasets_get(struct request *req, struct response *res)
{
	const char *slug = request_param(req, "slug");
	char missing[160];
	PGresult *r;

	snprintf(missing, sizeof(missing),
		 "There is no data set '%s'; see /v1/demographics/datasets.", slug);
	if (api_found_or_respond(req, res, "demographics_dataset", slug, code_is_valid(slug),
				 "There is no data set with that name.", missing, &r))
		return;
	response_json(res, 200, dataset_json(r, 0));
	PQclear(r);
}

/* ---- observations ------------------------------------------------------ */

static const struct csv_column observation_csv[] = {
	{ "dataset", "/dataset" },
	{ "area_code", "/area/code" }, { "area_name", "/area/name" }, { "area_kind", "/area/kind" },
	{ "characteristic", "/characteristic" },
	{ "category_code", "/category/code" }, { "category_name", "/category/name" },
	{ "category_parent", "/category/parent" },
	{ "measure", "/measure" },
	{ "period_start", "/period/start" }, { "period_end", "/period/end" },
	{ "value", "/value" }, { "share", "/share" }, { "suppressed", "/suppressed" },
};

struct demo_query {
	const char *dataset;
	const char **characteristics;      /* characteristic=ethnicity,religion */
	size_t ncharacteristics;
	const char **areas;
	size_t nareas;
	const char *area_kind;
	const char **categories;
	size_t ncategories;
	struct list_page page;
	const char *release;               /* release= as given; NULL: latest */
	const struct release_view *view;   /* what is served (NULL: the latest) */
	/* Cursor position: characteristic, area code, category index. */
	char after_char[65], after_area[16];
	long after_cat;
};

/* The page being built across characteristics. */
struct demo_page {
	const struct demo_query *q;
	const PGresult *ds;        /* the data set row */
	json_t *data;              /* the rows as values, for CSV only (else NULL) */
	struct buf text;           /* data as JSON text, rows shared (struct rendered) */
	bool oom;
	size_t count;
	bool full;                 /* a row beyond the page exists */
	/* The last row sent: characteristic, area code, category index. */
	char key_char[65], key_area[16], key_cat[24];
};

/* Rows are in order of (characteristic, area code, category index). */
static const enum cursor_key observation_keys[] = {
	CURSOR_KEY_TEXT, CURSOR_KEY_TEXT, CURSOR_KEY_INT,
};
static const struct cursor_spec observation_keyset = { "demographics", observation_keys, 3 };

/* Is code one of the items of a comma-separated list? */
static bool in_csv_list(const char *list, const char *code)
{
	size_t len = strlen(code);

	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && memcmp(p, code, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Is (ch, area, cat) after the cursor position? */
static bool after_cursor(const struct demo_query *q, const char *ch, const char *area, long cat)
{
	int c;

	if (!q->page.after)
		return true;
	c = strcmp(ch, q->after_char);
	if (c == 0)
		c = strcmp(area, q->after_area);
	if (c == 0)
		c = cat > q->after_cat ? 1 : cat < q->after_cat ? -1 : 0;
	return c > 0;
}

static json_t *observation_json(const struct demo_table *t, size_t a, size_t c,
				const char *slug, const char *universe, const char *ref_date)
{
	size_t cell = a * t->ncats + c;
	bool suppressed = t->suppressed[cell];
	double share = 0;
	bool has_share = demo_table_share(t, a, c, &share);
	json_t *value = suppressed ? json_null() : json_integer(t->values[cell]);
	json_t *share_json = has_share ? json_real(response_round(share, 4)) : json_null();

	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:{s:s, s:s, s:s?}, s:s,"
			 " s:{s:s, s:s, s:s}, s:o, s:o, s:b}",
		"dataset", slug,
		"area", "code", t->areas[a].code, "name", t->areas[a].name, "kind", t->areas[a].kind,
		"characteristic", t->characteristic,
		"category", "code", t->cats[c].code, "name", t->cats[c].name, "parent", t->cats[c].parent,
		"measure", universe,
		"period", "label", ref_date, "start", ref_date, "end", ref_date,
		"value", value, "share", share_json, "suppressed", suppressed);
}

/* The codec checked the keys' kinds; what is left is whether they fit. */
static int parse_cursor(struct response *res, struct demo_query *q)
{
	const char *ch = list_after(&q->page, 0), *area = list_after(&q->page, 1);

	if (!ch)
		return 0;
	if (strlen(ch) >= sizeof(q->after_char) || strlen(area) >= sizeof(q->after_area))
		goto bad;
	strcpy(q->after_char, ch);
	strcpy(q->after_area, area);
	q->after_cat = strtol(list_after(&q->page, 2), NULL, 10);
	if (q->after_cat < 0)
		goto bad;
	return 0;
bad:
	list_cursor_refuse(res);
	return -1;
}

static const char *const area_kinds[] = { "borough", "ward", NULL };

/* The query parameters, each checked for its form; -1 after a 400. */
static int query_or_respond(struct request *req, struct response *res, struct demo_query *q)
{
	char detail[192];

	if (request_single_or_respond(req, res, "dataset", &q->dataset) ||
	    request_list_or_respond(req, res, "characteristic", 20, &q->characteristics, &q->ncharacteristics) ||
	    request_list_or_respond(req, res, "area", 100, &q->areas, &q->nareas) ||
	    request_enum_or_respond(req, res, "area_kind", area_kinds, NULL, &q->area_kind) ||
	    request_list_or_respond(req, res, "category", 100, &q->categories, &q->ncategories) ||
	    request_single_or_respond(req, res, "release", &q->release) ||
	    list_page_or_respond(req, res, &observation_keyset, &q->page) || parse_cursor(res, q))
		return -1;
	if (q->dataset && !code_is_valid(q->dataset))
		return problem_send_bad_parameter(res, "dataset", "must be a data set slug such as census-2021-demo"), -1;
	for (size_t i = 0; i < q->ncharacteristics; i++)
		if (!code_is_valid(q->characteristics[i]))
			return problem_send_bad_parameter(res, "characteristic", "must be characteristic codes such as ethnicity,religion"), -1;
	for (size_t i = 0; i < q->nareas; i++)
		if (!area_code_is_valid(q->areas[i])) {
			snprintf(detail, sizeof(detail), "'%.20s' is not a GSS area code such as E05013628", q->areas[i]);
			return problem_send_bad_parameter(res, "area", detail), -1;
		}
	if (q->ncategories && q->ncharacteristics != 1)
		return problem_send_bad_parameter(res, "category",
			"needs exactly one characteristic: category codes belong to one characteristic"), -1;
	for (size_t i = 0; i < q->ncategories; i++)
		if (!code_is_valid(q->categories[i]))
			return problem_send_bad_parameter(res, "category", "must be category codes from /v1/characteristics"), -1;
	return 0;
}

/* The data set row asked for (by slug, or the default) and every
 * characteristic's universe, read once per change of the data and shared
 * by every request (the memo kit), so that a request whose tables are
 * built too answers without a round trip to the database. */
struct catalogue {
	PGresult *ds;           /* the data set row; no rows: no such data set */
	PGresult *universes;
	/* A JSON answer's meta as text, but for its count (and the status
	 * the response adds): the members before the count (the data set and
	 * the disclosure rule, kilobytes that took longer to dump than the
	 * rest of the answer to build) and after it.  Each "{...}" dumped:
	 * the braces are not used. */
	char *meta[2];          /* META_HEAD, META_TAIL */
	char *release;          /* the latest release's meta.release, or "null" */
};

enum { META_HEAD, META_TAIL };

static void catalogue_free(void *v)
{
	struct catalogue *c = v;

	if (!c)
		return;
	PQclear(c->ds);
	PQclear(c->universes);
	for (size_t i = 0; i < 2; i++)
		free(c->meta[i]);
	free(c->release);
	free(c);
}

static struct memo catalogues = MEMO_INIT(catalogue_free);

static json_t *disclosure_json(unsigned threshold)
{
	char rule[320];

	snprintf(rule, sizeof(rule),
		 "Counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from published cells and totals, in this or any other query; shares are withheld with their counts. Zero is published as zero.",
		 threshold - 1);
	return json_pack("{s:s, s:i, s:s}", "method", "primary and secondary cell suppression",
			 "threshold", (int)threshold, "rule", rule);
}

/* meta's text around its count (struct catalogue); -1 out of memory. */
static int meta_render(struct catalogue *c, unsigned threshold)
{
	json_t *head = json_pack("{s:o, s:o}", "dataset", dataset_json(c->ds, 0),
				 "disclosure", disclosure_json(threshold));
	json_t *tail = json_pack("{s:s, s:s}", "share_of",
				 "the area's total for the characteristic (category total)",
				 "counts", "people: each value is a number of the area's usual residents on the Census day, those in the population the row's measure names (All usual residents; for a measure asked only of people aged 16 and over, such as sexual orientation, residents aged 16 and over); the category total is that whole population.");

	c->meta[META_HEAD] = head ? json_dumps(head, RESPONSE_JSON_FLAGS) : NULL;
	c->meta[META_TAIL] = tail ? json_dumps(tail, RESPONSE_JSON_FLAGS) : NULL;
	json_decref(head);
	json_decref(tail);
	return c->meta[META_HEAD] && c->meta[META_TAIL] ? 0 : -1;
}

/* meta.release of the family's latest release, which a read serves by
 * default; -1 after a problem. */
static int latest_release(struct request *req, struct response *res, struct catalogue *c)
{
	const char *family = PQgetvalue(c->ds, 0, D_FAMILY);
	PGresult *r = NULL;

	if (api_exec_or_respond(req, res, "demographics_release_latest", 1, &family, &r))
		return -1;
	c->release = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "null");
	PQclear(r);
	if (!c->release) {
		problem_send_internal(res);
		return -1;
	}
	return 0;
}

static void *catalogue_build(struct request *req, struct response *res, void *arg)
{
	const char *slug = arg;
	struct catalogue *c = calloc(1, sizeof(*c));

	if (!c) {
		problem_send_internal(res);
		return NULL;
	}
	if (!request_db_or_respond(req, res) ||
	    (slug ? api_exec_or_respond(req, res, "demographics_dataset", 1, &slug, &c->ds)
		  : api_exec_or_respond(req, res, "demographics_dataset_latest", 0, NULL, &c->ds)) ||
	    api_exec_or_respond(req, res, "demographics_universe", 0, NULL, &c->universes)) {
		catalogue_free(c);
		return NULL;
	}
	if (PQntuples(c->ds) > 0 && latest_release(req, res, c) != 0) {
		catalogue_free(c);
		return NULL;
	}
	if (PQntuples(c->ds) > 0 && meta_render(c, req->cfg->suppress_below) != 0) {
		catalogue_free(c);
		problem_send_internal(res);
		return NULL;
	}
	return c;
}

/* The catalogue for the data set asked for (or the default), checked to
 * hold the characteristic asked for; -1 after a problem (nothing to
 * release then). */
static int catalogue_or_respond(struct request *req, struct response *res, const struct demo_query *q,
				struct memo_ref *ref)
{
	const struct catalogue *c;
	const char *slug, *chars;
	char name[96], detail[192];

	snprintf(name, sizeof(name), "dataset|%s", q->dataset ? q->dataset : "");
	if (table_memo_get_or_respond(&catalogues, req, res, DATA_DEMOGRAPHICS | DATA_REFERENCE, name,
				      catalogue_build, (void *)q->dataset, ref) != 0)
		return -1;
	c = ref->value;
	if (PQntuples(c->ds) == 0) {
		if (q->dataset) {
			snprintf(detail, sizeof(detail), "there is no data set '%s'; see /v1/demographics/datasets", q->dataset);
			problem_send_bad_parameter(res, "dataset", detail);
		} else {
			problem_send(res, 404, "not-found", "Not found", "No demographics data set has been loaded yet.");
		}
		goto refuse;
	}
	slug = PQgetvalue(c->ds, 0, D_SLUG);
	chars = db_get_text(c->ds, 0, D_CHARACTERISTICS);
	for (size_t i = 0; i < q->ncharacteristics; i++)
		if (!in_csv_list(chars ? chars : "", q->characteristics[i])) {
			snprintf(detail, sizeof(detail), "data set '%s' has no characteristic '%.64s'; /v1/demographics/datasets/%s lists its characteristics",
				 slug, q->characteristics[i], slug);
			problem_send_bad_parameter(res, "characteristic", detail);
			goto refuse;
		}
	return 0;
refuse:
	memo_release(&catalogues, ref);
	return -1;
}

/* What a characteristic's counts count. */
static const char *universe_of(const PGresult *ds, const PGresult *universes, const char *ch)
{
	const char *universe = "";

	for (int u = 0; u < PQntuples(universes); u++)
		if (strcmp(PQgetvalue(universes, u, 0), ch) == 0)
			universe = PQgetvalue(universes, u, 1);
	/* A working-age data set counts only residents aged 16 to 64,
	 * whatever the characteristic's Census universe. */
	if (strcmp(PQgetvalue(ds, 0, D_POPULATION), "working_age_16_64") == 0)
		universe = "Usual residents aged 16 to 64";
	return universe;
}

/* Unknown codes are errors, not empty results: a typo must not look like
 * a ward with no residents.  -1 after a 400. */
static int codes_known_or_respond(struct response *res, const struct demo_query *q,
				  const struct demo_table *t, const char *slug)
{
	char detail[192];

	for (size_t i = 0; i < q->nareas; i++)
		if (demo_table_area(t, q->areas[i]) < 0) {
			snprintf(detail, sizeof(detail), "there is no area %s in data set '%s'", q->areas[i], slug);
			return problem_send_bad_parameter(res, "area", detail), -1;
		}
	for (size_t i = 0; i < q->ncategories; i++)
		if (demo_table_category(t, q->categories[i]) < 0) {
			snprintf(detail, sizeof(detail), "'%.64s' is not a category of %s; see /v1/characteristics/%s",
				 q->categories[i], t->characteristic, t->characteristic);
			return problem_send_bad_parameter(res, "category", detail), -1;
		}
	return 0;
}

/*
 * Every published cell's row of one table, rendered once per table and
 * shared by every request that slices it (jansson counts references
 * atomically and never writes to a value it dumps).  The table is held
 * with them: the slicing reads its codes.
 */
struct rendered {
	struct memo_ref table;   /* a const struct demo_table */
	json_t **rows;           /* nareas * ncats; NULL where no row is published */
	char **texts;            /* each row as the response dumps it */
	size_t n;
};

static void rendered_free(void *v)
{
	struct rendered *r = v;

	if (!r)
		return;
	for (size_t i = 0; r->rows && i < r->n; i++)
		json_decref(r->rows[i]);
	for (size_t i = 0; r->texts && i < r->n; i++)
		free(r->texts[i]);
	free(r->rows);
	free(r->texts);
	demo_tables_release(&r->table);
	free(r);
}

static struct memo renderings = MEMO_INIT(rendered_free);

struct render_of {
	const PGresult *ds;
	const char *universe, *characteristic;
	const struct release_view *view;
};

static void *rendered_build(struct request *req, struct response *res, void *arg)
{
	const struct render_of *w = arg;
	struct rendered *r = calloc(1, sizeof(*r));
	const struct demo_table *t;

	if (!r) {
		problem_send_internal(res);
		return NULL;
	}
	if (demo_tables_get_or_respond(req, res, PQgetvalue(w->ds, 0, D_ID), w->characteristic, w->view,
				       &r->table) != 0)
		goto fail;
	t = r->table.value;
	r->n = t->nareas * t->ncats;
	if (!(r->rows = calloc(r->n + 1, sizeof(*r->rows))) ||
	    !(r->texts = calloc(r->n + 1, sizeof(*r->texts))))
		goto oom;
	for (size_t i = 0; i < r->n; i++)
		if (t->values[i] >= 0 &&
		    (!(r->rows[i] = observation_json(t, i / t->ncats, i % t->ncats, PQgetvalue(w->ds, 0, D_SLUG),
						     w->universe, PQgetvalue(w->ds, 0, D_REFERENCE))) ||
		     !(r->texts[i] = json_dumps(r->rows[i], RESPONSE_JSON_FLAGS))))
			goto oom;
	return r;
oom:
	problem_send_internal(res);
fail:
	rendered_free(r);
	return NULL;
}

/* The rows of one table the query selects, until the page is full. */
static void append_rows(struct demo_page *pg, const struct rendered *r)
{
	const struct demo_query *q = pg->q;
	const struct demo_table *t = r->table.value;

	for (size_t a = 0; a < t->nareas && !pg->full; a++) {
		if ((q->nareas && !in_list(q->areas, q->nareas, t->areas[a].code)) ||
		    (q->area_kind && strcmp(t->areas[a].kind, q->area_kind) != 0))
			continue;
		for (size_t c = 0; c < t->ncats; c++) {
			if (!r->rows[a * t->ncats + c] ||
			    (q->ncategories && !in_list(q->categories, q->ncategories, t->cats[c].code)) ||
			    !after_cursor(q, t->characteristic, t->areas[a].code, (long)c))
				continue;
			if (pg->count == (size_t)q->page.limit) {
				/* The page is full and another row exists: the
				 * cursor points at the last row sent. */
				pg->full = true;
				break;
			}
			if ((pg->data && json_array_append(pg->data, r->rows[a * t->ncats + c])) ||
			    buf_append_str(&pg->text, pg->count ? "," : "[") ||
			    buf_append_str(&pg->text, r->texts[a * t->ncats + c]))
				pg->oom = true;
			snprintf(pg->key_char, sizeof(pg->key_char), "%s", t->characteristic);
			snprintf(pg->key_area, sizeof(pg->key_area), "%s", t->areas[a].code);
			snprintf(pg->key_cat, sizeof(pg->key_cat), "%zu", c);
			pg->count++;
		}
	}
}

/* One characteristic's rows into the page; -1 after a problem. */
static int append_characteristic(struct request *req, struct response *res, struct demo_page *pg,
				 const PGresult *universes, const char *ch)
{
	struct render_of w = { pg->ds, universe_of(pg->ds, universes, ch), ch, pg->q->view };
	struct memo_ref ref;
	const struct rendered *r;
	char name[MEMO_KEY_MAX], which[32];
	int rc;

	demo_tables_which(pg->q->view, which, sizeof(which));
	snprintf(name, sizeof(name), "%s|%s|%s", PQgetvalue(pg->ds, 0, D_ID), ch, which);
	if (table_memo_get_or_respond(&renderings, req, res, DATA_DEMOGRAPHICS | DATA_REFERENCE, name,
				      rendered_build, &w, &ref) != 0)
		return -1;
	r = ref.value;
	rc = codes_known_or_respond(res, pg->q, r->table.value, PQgetvalue(pg->ds, 0, D_SLUG));
	if (rc == 0)
		append_rows(pg, r);
	memo_release(&renderings, &ref);
	return rc;
}

/* The page as JSON (meta from the catalogue's text) or CSV (which has no
 * meta).  Takes pg->data. */
static void page_respond(struct request *req, struct response *res, const struct demo_query *q,
			 struct demo_page *pg, const struct catalogue *c, const char *release)
{
	const char *keys[3] = { pg->key_char, pg->key_area, pg->key_cat };
	const char *next = NULL;
	struct buf meta = BUF_INIT;
	json_t *data = pg->data;

	pg->data = NULL;
	/* The members in list_respond's order: data set, disclosure, count
	 * (the rows shown), share_of, counts, release. */
	if ((pg->full && !(next = list_cursor_new(req, &q->page, keys))) ||
	    buf_append(&meta, c->meta[META_HEAD], strlen(c->meta[META_HEAD]) - 1) ||
	    buf_appendf(&meta, ",\"count\":%zu,", pg->count) ||
	    buf_append(&meta, c->meta[META_TAIL] + 1, strlen(c->meta[META_TAIL]) - 2) ||
	    buf_appendf(&meta, ",\"release\":%s}", release)) {
		json_decref(data);
		problem_send_internal(res);
	} else if (req->format == FORMAT_CSV) {
		/* CSV carries the meta too (the rule on each row, the rest in
		 * the linked meta CSV): the rare path parses the text back. */
		list_respond_rendered(req, res, &q->page, data, buf_cstr(&pg->text), pg->text.len,
				      pg->full ? keys : NULL, json_loads(buf_cstr(&meta), 0, NULL),
				      observation_csv, API_COUNT(observation_csv));
	} else {
		json_decref(data);
		response_list_text(req, res, buf_cstr(&pg->text), pg->text.len, buf_cstr(&meta) + 1,
				   meta.len - 2, next);
	}
	buf_release(&meta);
}

/* Who may ask for `live`: a council key with any scope (the releases kit
 * checks the council). */
#define LIVE_SCOPES "admin,review:returns,read:hate-crime,manage:action-plan,manage:indicators," \
	"manage:impact-assessments,manage:reports"

/*
 * The release q asks for: the latest (the default: the catalogue read it,
 * so the memo front answers without the database) or, resolved by the
 * database, an earlier one or `live` (a council key's).  0 with *text the
 * meta.release to serve (NULL: the catalogue's) and q->view set; -1 after
 * a problem, or with needs_db on the HTTP thread.
 */
static int release_or_respond(struct request *req, struct response *res, struct demo_query *q,
			      const struct catalogue *c, struct release_view *v, char **text)
{
	const struct release_subject subject = { "demographics", PQgetvalue(c->ds, 0, D_FAMILY), "" };

	*text = NULL;
	if (!q->release || strcmp(q->release, "latest") == 0)
		return 0;
	if (res->front_only) {
		res->needs_db = true;
		return -1;
	}
	if (releases_view_or_respond(req, res, &subject, LIVE_SCOPES, v) != 0)
		return -1;
	q->view = v;
	if (!(*text = json_dumps(v->meta, JSON_ENCODE_ANY | JSON_COMPACT))) {
		problem_send_internal(res);
		return -1;
	}
	return 0;
}

static void demographics_list(struct request *req, struct response *res)
{
	struct demo_query q = { 0 };
	struct demo_page pg = { .q = &q, .text = BUF_INIT };
	struct memo_ref cat = { 0 };
	struct release_view view = { 0 };
	const struct catalogue *c;
	const char *chars;
	char *char_list = NULL, *save = NULL, *release = NULL;

	if (query_or_respond(req, res, &q) || catalogue_or_respond(req, res, &q, &cat) ||
	    release_or_respond(req, res, &q, cat.value, &view, &release))
		goto done;
	c = cat.value;
	chars = db_get_text(c->ds, 0, D_CHARACTERISTICS);
	if (!(char_list = strdup(chars ? chars : ""))) {
		problem_send_internal(res);
		goto done;
	}
	pg.ds = c->ds;
	/* The rows as values only for CSV: JSON takes their texts. */
	if (req->format == FORMAT_CSV && !(pg.data = json_array())) {
		problem_send_internal(res);
		goto done;
	}
	for (char *ch = strtok_r(char_list, ",", &save); ch && !pg.full; ch = strtok_r(NULL, ",", &save)) {
		if ((q.ncharacteristics && !in_list(q.characteristics, q.ncharacteristics, ch)) ||
		    (q.page.after && strcmp(ch, q.after_char) < 0))
			continue;
		if (append_characteristic(req, res, &pg, c->universes, ch) != 0)
			goto done;
	}
	if (pg.oom || buf_append_str(&pg.text, pg.count ? "]" : "[]")) {
		problem_send_internal(res);
		goto done;
	}
	page_respond(req, res, &q, &pg, c, release ? release : c->release);
done:
	releases_view_release(&view);
	free(release);
	json_decref(pg.data);
	buf_release(&pg.text);
	free(char_list);
	memo_release(&catalogues, &cat);
}

static int demographics_init(const struct config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	if (db_register_statements(demo_tables_statements, demo_tables_nstatements) != 0) {
		snprintf(err, errlen, "too many statement tables");
		return -1;
	}
	return 0;
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/demographics/datasets", .handler = datasets_list, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_DEMOGRAPHICS | DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/demographics/datasets/{slug}", .handler = datasets_get, .flags = ROUTE_PUBLIC, .depends = DATA_DEMOGRAPHICS | DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/demographics", .handler = demographics_list, .flags = ROUTE_PUBLIC | ROUTE_CSV | ROUTE_MEMO_FRONT, .depends = DATA_DEMOGRAPHICS | DATA_REFERENCE },
};

const struct api_module demographics_module = {
	.name = "demographics", API_ROUTES(routes), API_STATEMENTS(statements),
	.init = demographics_init,
};
