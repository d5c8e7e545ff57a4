/*
 * hate_crime_reports.c - record-level hate-crime reports: submit, list,
 * read, correct, withdraw, and the history of every version.
 *
 *   POST  /v1/hate-crime/reports                 submit:hate-crime, idempotent
 *   GET   /v1/hate-crime/reports                 read:hate-crime (JSON or CSV)
 *   GET   /v1/hate-crime/reports/{id}            read:hate-crime
 *   GET   /v1/hate-crime/reports/{id}/versions   read:hate-crime
 *   PATCH /v1/hate-crime/reports/{id}            submit:hate-crime, If-Match
 *
 * Visibility: a council key sees every organisation's reports, any other
 * key only its own organisation's; another organisation's report is 404,
 * never 403, so a key cannot learn which ids exist.  Only the submitting
 * organisation may correct or withdraw a report.
 *
 * The representation is built by the SQL function hate_crime_report_json
 * (migrations/0003), so a response, a version row and the seed agree.
 * No names, addresses or contact details exist; the two free-text fields
 * (other_strand_reason, withdrawn_reason) are stored with the record and
 * never logged or audited: audit events carry the report id only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "db/listener.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

#define MAX_STRANDS 6
#define MAX_PEOPLE 20          /* victim or suspect entries */
#define MAX_PAIRS (2 * MAX_PEOPLE)
#define REF_MAX 64
#define OTHER_REASON_MAX 200
#define WITHDRAWN_REASON_MAX 500

static const struct db_statement statements[] = {
	/* Everything validation needs from the database, in one round trip:
	 * today in London (reported_on may not be later), whether the ward is
	 * one of the borough's, and which (characteristic, category) pairs are
	 * unknown: "3:c" = item 3's category is not one of its characteristic's,
	 * "5:x" = item 5's characteristic does not exist. */
	{ "hcr_lookup",
	  "SELECT to_char((now() AT TIME ZONE 'Europe/London')::date, 'YYYY-MM-DD'),"
	  " $1::text IS NULL OR EXISTS (SELECT 1 FROM areas WHERE code = $1 AND kind = 'ward'),"
	  " coalesce((SELECT string_agg(t.i::text || ':' ||"
	  "     CASE WHEN EXISTS (SELECT 1 FROM characteristics c WHERE c.code = t.ch) THEN 'c' ELSE 'x' END,"
	  "     ',' ORDER BY t.i)"
	  "   FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(ch, cat, i)"
	  "   WHERE NOT EXISTS (SELECT 1 FROM categories g"
	  "                     WHERE g.characteristic_code = t.ch AND g.code = t.cat)), '')", 3 },
	{ "hcr_insert",
	  "INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
	  " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
	  " other_strand_reason, offence_type, channel, victim, suspect)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12, $13::jsonb, $14::jsonb)"
	  " ON CONFLICT (organisation_id, submitter_reference) DO NOTHING RETURNING id", 14 },
	/* The current state as the newest version, written in the same
	 * transaction as the change it records. */
	{ "hcr_version_put",
	  "INSERT INTO hate_crime_report_versions (report_id, version, body, changed_at, key_prefix, request_id)"
	  " SELECT r.id, r.version, hate_crime_report_json(r)::jsonb, r.updated_at, $2, $3"
	  " FROM hate_crime_reports r WHERE r.id = $1", 3 },
	/* $2 NULL: any organisation (a council key). */
	{ "hcr_get",
	  "SELECT hate_crime_report_json(r)::text, r.version FROM hate_crime_reports r"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)", 2 },
	/* A PATCH holds the row until it commits, so that of concurrent
	 * PATCHes naming one version exactly one sees it current. */
	{ "hcr_lock",
	  "SELECT hate_crime_report_json(r)::text, r.version, r.status FROM hate_crime_reports r"
	  " WHERE r.id = $1 AND r.organisation_id = $2 FOR UPDATE", 2 },
	{ "hcr_ref_taken",
	  "SELECT 1 FROM hate_crime_reports"
	  " WHERE organisation_id = $1 AND submitter_reference = $2 AND id <> $3", 3 },
	{ "hcr_update",
	  "UPDATE hate_crime_reports SET submitter_reference = $2, police_reference = $3,"
	  " occurred_from = $4, occurred_to = $5, reported_on = $6, location = $7, ward_code = $8,"
	  " strands = $9::text[], other_strand_reason = $10, offence_type = $11, channel = $12,"
	  " victim = $13::jsonb, suspect = $14::jsonb, version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND organisation_id = $15", 15 },
	{ "hcr_withdraw",
	  "UPDATE hate_crime_reports SET status = 'withdrawn', withdrawn_reason = $2,"
	  " version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND organisation_id = $3", 3 },
	/* Keyset on (created_at, id); the cursor holds created_at as whole
	 * microseconds since the epoch, exact both ways. */
	{ "hcr_list",
	  "SELECT hate_crime_report_json(r)::text,"
	  " (extract(epoch FROM r.created_at) * 1000000)::bigint, r.id"
	  " FROM hate_crime_reports r"
	  " WHERE ($1::bigint IS NULL OR r.organisation_id = $1)"
	  "   AND ($2::date IS NULL OR r.occurred_from >= $2)"
	  "   AND ($3::date IS NULL OR r.occurred_from <= $3)"
	  "   AND ($4::text IS NULL OR r.ward_code = $4)"
	  "   AND ($5::text IS NULL OR $5 = ANY (r.strands))"
	  "   AND ($6::text IS NULL OR r.organisation_id = (SELECT o.id FROM organisations o WHERE o.slug = $6))"
	  "   AND ($7::text IS NULL OR r.status = $7)"
	  "   AND ($8::bigint IS NULL OR (r.created_at, r.id) >"
	  "        ('epoch'::timestamptz + $8::bigint * interval '1 microsecond', $9::uuid))"
	  " ORDER BY r.created_at, r.id LIMIT $10", 10 },
	{ "hcr_versions",
	  "SELECT v.version, to_char(v.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	  " v.key_prefix, v.request_id, v.body::text"
	  " FROM hate_crime_report_versions v JOIN hate_crime_reports r ON r.id = v.report_id"
	  " WHERE v.report_id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)"
	  " ORDER BY v.version", 2 },
	{ "hcr_notify",
	  "SELECT pg_notify('" LISTENER_CHANNEL "', 'hate_crime')", 0 },
};

/* ---- the body: one validator for create and for a merged PATCH ----------- */

static const char *const create_fields[] = {
	"occurred_from", "occurred_to", "reported_on", "location", "strands",
	"other_strand_reason", "offence_type", "channel", "submitter_reference",
	"police_reference", "victim", "suspect", NULL,
};
static const char *const patch_fields[] = {
	"occurred_from", "occurred_to", "reported_on", "location", "strands",
	"other_strand_reason", "offence_type", "channel", "submitter_reference",
	"police_reference", "victim", "suspect", "status", "withdrawn_reason", NULL,
};
static const char *const location_fields[] = { "kind", "ward", NULL };
static const char *const location_kinds[] = { "ward", "unknown", "outside_borough", NULL };
static const char *const person_fields[] = { "characteristic", "category", NULL };
static const char *const strand_values[] = {
	"race", "religion", "sexual_orientation", "disability", "transgender_identity", "other", NULL,
};
static const char *const offence_types[] = {
	"violence_against_the_person", "harassment", "criminal_damage", "public_order",
	"online", "other", NULL,
};
static const char *const channels[] = {
	"police", "third_party_centre", "council_officer", "online_form", "telephone",
	"in_person", "other", NULL,
};
static const char *const statuses[] = { "active", "withdrawn", NULL };
static const char *const withdrawn_only[] = { "withdrawn", NULL };

/* A (characteristic, category) pair to look up, and where it came from. */
struct pair {
	const char *characteristic, *category;
	char pointer[32];   /* "/victim/3" */
};

/* What the database said about the body (see hcr_lookup). */
struct lookup {
	struct date today;
	bool ward_known;
	struct pair pairs[MAX_PAIRS];
	size_t npairs;
	char verdict[MAX_PAIRS];   /* 0 known, 'c' unknown category, 'x' unknown characteristic */
};

/* The validated fields, ready as statement parameters (text). */
struct report_values {
	char occurred_from[11], occurred_to[11], reported_on[11];
	const char *location, *ward;
	char strands[160];          /* a text[] literal of validated values only */
	const char *other_reason, *offence_type, *channel;
	const char *submitter_reference, *police_reference;
	char *victim, *suspect;     /* JSON text, malloc'd */
};

static void report_values_release(struct report_values *rv)
{
	free(rv->victim);
	free(rv->suspect);
	rv->victim = rv->suspect = NULL;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A reference: 1..64 bytes, no control characters. */
static const char *validate_reference(struct validation *v, const json_t *obj,
				      const char *name, bool required)
{
	const char *s = validate_string(v, obj, "", name, required, REF_MAX);
	char ptr[48];

	if (!s)
		return NULL;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (s[0] == '\0') {
		validation_add(v, ptr, "must not be empty");
		return NULL;
	}
	if (has_control_chars(s)) {
		validation_add(v, ptr, "must not contain control characters");
		return NULL;
	}
	return s;
}

/* The pairs of victim and suspect worth a database look-up: items whose
 * two codes are well-formed.  Malformed items are reported by validation. */
static void collect_pairs(const json_t *obj, struct lookup *lk)
{
	static const char *const lists[] = { "victim", "suspect" };

	lk->npairs = 0;
	for (size_t l = 0; l < 2; l++) {
		const json_t *arr = json_object_get(obj, lists[l]);
		size_t i;
		const json_t *item;

		if (!json_is_array(arr) || json_array_size(arr) > MAX_PEOPLE)
			continue;
		json_array_foreach(arr, i, item) {
			const char *ch = json_string_value(json_object_get(item, "characteristic"));
			const char *cat = json_string_value(json_object_get(item, "category"));
			struct pair *p;

			if (!json_is_object(item) || !code_is_valid(ch) || !code_is_valid(cat) ||
			    lk->npairs >= MAX_PAIRS)
				continue;
			p = &lk->pairs[lk->npairs++];
			p->characteristic = ch;
			p->category = cat;
			snprintf(p->pointer, sizeof(p->pointer), "/%s/%zu", lists[l], i);
		}
	}
}

/* The ward worth looking up: location.ward when it is a well-formed code. */
static const char *lookup_ward(const json_t *obj)
{
	const json_t *loc = json_object_get(obj, "location");
	const char *ward = json_is_object(loc) ? json_string_value(json_object_get(loc, "ward")) : NULL;

	return area_code_is_valid(ward) ? ward : NULL;
}

static void validate_location(struct validation *v, const json_t *obj,
			      const struct lookup *lk, struct report_values *rv)
{
	const json_t *loc = validate_object(v, obj, "", "location", true);
	const char *kind;
	const json_t *ward;

	if (!loc)
		return;
	validate_known_fields(v, loc, "/location", location_fields);
	kind = validate_enum(v, loc, "/location", "kind", true, location_kinds);
	ward = json_object_get(loc, "ward");
	if (!kind)
		return;
	rv->location = kind;
	if (strcmp(kind, "ward") != 0) {
		if (ward && !json_is_null(ward))
			validation_add(v, "/location/ward", "must be absent or null unless kind is ward");
		return;
	}
	if (!ward || json_is_null(ward)) {
		validation_add(v, "/location/ward", "is required when kind is ward");
		return;
	}
	if (!json_is_string(ward) || !area_code_is_valid(json_string_value(ward))) {
		validation_add(v, "/location/ward", "must be a ward's GSS code such as E05013628");
		return;
	}
	if (!lk->ward_known) {
		validation_add(v, "/location/ward", "is not a ward of the borough (see /v1/areas?kind=ward)");
		return;
	}
	rv->ward = json_string_value(ward);
}

/* Strands: 1..6 unique values; returns whether "other" is among them, or
 * -1 when the strands are invalid (other_strand_reason is then not judged). */
static int validate_strands(struct validation *v, const json_t *obj, struct report_values *rv)
{
	const json_t *arr = validate_array(v, obj, "", "strands", true, 1, MAX_STRANDS);
	const char *seen[MAX_STRANDS];
	size_t i, used = 0;
	const json_t *item;
	bool ok = arr != NULL, other = false;
	char ptr[32];

	if (!arr)
		return -1;
	json_array_foreach(arr, i, item) {
		const char *s = json_string_value(item);
		const char *match = NULL;

		snprintf(ptr, sizeof(ptr), "/strands/%zu", i);
		for (size_t k = 0; s && strand_values[k]; k++)
			if (strcmp(s, strand_values[k]) == 0)
				match = strand_values[k];
		if (!match) {
			validation_add(v, ptr, "must be one of: race, religion, sexual_orientation, disability, transgender_identity, other");
			ok = false;
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (seen[k] == match) {
				validation_add(v, ptr, "repeats %s (each strand at most once)", match);
				ok = false;
			}
		seen[i] = match;
		if (strcmp(match, "other") == 0)
			other = true;
	}
	if (!ok)
		return -1;
	used += (size_t)snprintf(rv->strands, sizeof(rv->strands), "{");
	for (i = 0; i < json_array_size(arr); i++)
		used += (size_t)snprintf(rv->strands + used, sizeof(rv->strands) - used, "%s%s",
					 i ? "," : "", seen[i]);
	snprintf(rv->strands + used, sizeof(rv->strands) - used, "}");
	return other;
}

/* victim or suspect: 0..20 of {"characteristic", "category"}. */
static char *validate_people(struct validation *v, const json_t *obj, const char *name,
			     const struct lookup *lk)
{
	const json_t *arr = validate_array(v, obj, "", name, false, 0, MAX_PEOPLE);
	size_t i;
	const json_t *item;
	bool ok = true;
	char base[32], ptr[64];

	if (!arr)
		return json_object_get(obj, name) && !json_is_null(json_object_get(obj, name))
			       ? NULL : strdup("[]");
	json_array_foreach(arr, i, item) {
		snprintf(base, sizeof(base), "/%s/%zu", name, i);
		if (!json_is_object(item)) {
			validation_add(v, base, "must be an object with characteristic and category");
			ok = false;
			continue;
		}
		validate_known_fields(v, item, base, person_fields);
		if (json_object_size(item) != 2)
			ok = false;
		for (size_t f = 0; f < 2; f++) {
			const char *s = validate_string(v, item, base, person_fields[f], true, 64);

			if (!s) {
				ok = false;
				continue;
			}
			if (!code_is_valid(s)) {
				snprintf(ptr, sizeof(ptr), "%s/%s", base, person_fields[f]);
				validation_add(v, ptr, "must be a code such as %s (see /v1/characteristics)",
					       f == 0 ? "ethnicity" : "asian_indian");
				ok = false;
			}
		}
		for (size_t p = 0; p < lk->npairs; p++) {
			if (strcmp(lk->pairs[p].pointer, base) != 0 || !lk->verdict[p])
				continue;
			ok = false;
			if (lk->verdict[p] == 'x') {
				snprintf(ptr, sizeof(ptr), "%s/characteristic", base);
				validation_add(v, ptr, "is not a characteristic (see /v1/characteristics)");
			} else {
				snprintf(ptr, sizeof(ptr), "%s/category", base);
				validation_add(v, ptr, "is not a category of %s (see /v1/characteristics/%s)",
					       lk->pairs[p].characteristic, lk->pairs[p].characteristic);
			}
		}
	}
	return ok ? json_dumps(arr, JSON_COMPACT) : NULL;
}

/* Validate a whole report body (a create, or a PATCH merged onto the
 * current report): every problem goes into v; rv is complete when v is ok. */
static void report_validate(struct validation *v, const json_t *obj, const struct lookup *lk,
			    struct report_values *rv)
{
	struct date from, to, reported;
	bool have_from, have_to, have_reported;
	int other;
	const char *reason;
	bool given;

	memset(rv, 0, sizeof(*rv));
	validate_known_fields(v, obj, "", create_fields);

	have_from = validate_date(v, obj, "", "occurred_from", true, &from);
	have_to = validate_date(v, obj, "", "occurred_to", false, &to);
	have_reported = validate_date(v, obj, "", "reported_on", true, &reported);
	/* null is absent here too: otherwise to would stay unset and "" reach SQL. */
	if (have_from && !have_to && (!json_object_get(obj, "occurred_to") ||
				      json_is_null(json_object_get(obj, "occurred_to"))))
		to = from, have_to = true;
	if (have_from && have_to && date_compare(&to, &from) < 0)
		validation_add(v, "/occurred_to", "must not be before occurred_from");
	if (have_from && have_reported && date_compare(&reported, &from) < 0)
		validation_add(v, "/reported_on", "must not be before occurred_from");
	if (have_reported && date_compare(&reported, &lk->today) > 0)
		validation_add(v, "/reported_on", "must not be in the future");
	if (have_from)
		(void)date_format(&from, rv->occurred_from, sizeof(rv->occurred_from));
	if (have_to)
		(void)date_format(&to, rv->occurred_to, sizeof(rv->occurred_to));
	if (have_reported)
		(void)date_format(&reported, rv->reported_on, sizeof(rv->reported_on));

	validate_location(v, obj, lk, rv);

	other = validate_strands(v, obj, rv);
	given = json_object_get(obj, "other_strand_reason") &&
		!json_is_null(json_object_get(obj, "other_strand_reason"));
	reason = validate_string(v, obj, "", "other_strand_reason", false, OTHER_REASON_MAX);
	if (reason && (reason[0] == '\0' || has_control_chars(reason))) {
		validation_add(v, "/other_strand_reason",
			       "must be 1 to 200 bytes of text without control characters");
		reason = NULL;
	}
	if (other == 1 && !given)
		validation_add(v, "/other_strand_reason", "is required when strands include other");
	else if (other == 0 && given)
		validation_add(v, "/other_strand_reason", "is accepted only when strands include other");
	rv->other_reason = reason;

	rv->offence_type = validate_enum(v, obj, "", "offence_type", true, offence_types);
	rv->channel = validate_enum(v, obj, "", "channel", true, channels);
	rv->submitter_reference = validate_reference(v, obj, "submitter_reference", true);
	rv->police_reference = validate_reference(v, obj, "police_reference", false);
	rv->victim = validate_people(v, obj, "victim", lk);
	rv->suspect = validate_people(v, obj, "suspect", lk);
}

/* Run hcr_lookup for a body.  0, or -1 with the problem in res. */
static int lookup_or_respond(struct request *req, struct response *res, const json_t *obj,
			     struct lookup *lk)
{
	struct buf chars = BUF_INIT, cats = BUF_INIT;
	PGresult *r = NULL;
	const char *verdicts;
	int rc = -1;

	memset(lk, 0, sizeof(*lk));
	collect_pairs(obj, lk);
	/* Codes are [a-z0-9_-] only (code_is_valid), so they need no quoting
	 * in an array literal. */
	if (buf_append_char(&chars, '{') || buf_append_char(&cats, '{'))
		goto oom;
	for (size_t i = 0; i < lk->npairs; i++)
		if (buf_appendf(&chars, "%s%s", i ? "," : "", lk->pairs[i].characteristic) ||
		    buf_appendf(&cats, "%s%s", i ? "," : "", lk->pairs[i].category))
			goto oom;
	if (buf_append_char(&chars, '}') || buf_append_char(&cats, '}'))
		goto oom;
	{
		const char *p[3] = { lookup_ward(obj), buf_cstr(&chars), buf_cstr(&cats) };

		if (api_exec_or_respond(req, res, "hcr_lookup", 3, p, &r))
			goto done;
	}
	if (date_parse(PQgetvalue(r, 0, 0), &lk->today) != 0) {
		problem_send_internal(res);
		goto done;
	}
	lk->ward_known = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	verdicts = PQgetvalue(r, 0, 2);
	while (*verdicts) {
		char *end;
		long i = strtol(verdicts, &end, 10);

		if (*end == ':' && i >= 1 && (size_t)i <= lk->npairs)
			lk->verdict[i - 1] = end[1];
		verdicts = strchr(verdicts, ',');
		if (!verdicts)
			break;
		verdicts++;
	}
	rc = 0;
	goto done;
oom:
	problem_send_internal(res);
done:
	PQclear(r);
	buf_release(&chars);
	buf_release(&cats);
	return rc;
}

/* ---- shared pieces ---------------------------------------------------------- */


/* The organisation whose reports this key may read: NULL for a council
 * key (all of them), else its own. */
static const char *visible_org(const struct request *req)
{
	return strcmp(req->auth.org_kind, "council") == 0 ? NULL : req->auth.org_id;
}

static void not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found",
		     "There is no hate-crime report with that id that this key may see.");
}


/* Respond with the representation text from the database. */
static void respond_report(struct response *res, int status, const char *text)
{
	json_error_t error;
	json_t *body = json_loads(text, 0, &error);

	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, status, body);
}

/* Record the current state as a version, tell every instance the
 * statistics changed, and read the representation back. */
static int finish_write_or_respond(struct request *req, struct response *res, const char *id,
				   PGresult **out)
{
	const char *p[3] = { id, req->auth.key_prefix, req->request_id };
	const char *g[2] = { id, NULL };

	if (api_exec_or_respond(req, res, "hcr_version_put", 3, p, NULL) ||
	    api_exec_or_respond(req, res, "hcr_notify", 0, NULL, NULL) ||
	    api_exec_or_respond(req, res, "hcr_get", 2, g, out))
		return -1;
	if (PQntuples(*out) != 1) {
		PQclear(*out);
		*out = NULL;
		problem_send_internal(res);
		return -1;
	}
	return 0;
}

static void duplicate_reference(struct response *res)
{
	json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/submitter_reference",
				   "detail", "is already used by another report of this organisation");

	problem_send_errors(res, 409, "duplicate-submitter-reference", "Duplicate submitter reference",
			    "This organisation already has a report with this submitter_reference.",
			    errors);
}

/* ---- POST /v1/hate-crime/reports ------------------------------------------- */

static void report_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct lookup lk;
	struct report_values rv = { 0 };
	PGresult *r = NULL;
	char id[40], location[64];

	validation_init(&v);
	if (!body)
		goto done;
	if (lookup_or_respond(req, res, body, &lk))
		goto done;
	report_validate(&v, body, &lk, &rv);
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	{
		const char *p[14] = {
			req->auth.org_id, rv.submitter_reference, rv.police_reference,
			rv.occurred_from, rv.occurred_to, rv.reported_on, rv.location, rv.ward,
			rv.strands, rv.other_reason, rv.offence_type, rv.channel, rv.victim, rv.suspect,
		};

		if (api_exec_or_respond(req, res, "hcr_insert", 14, p, &r))
			goto done;
	}
	if (PQntuples(r) == 0) {
		duplicate_reference(res);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (finish_write_or_respond(req, res, id, &r))
		goto done;
	respond_report(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/hate-crime/reports/%s", id);
		(void)response_header_add(res, "Location", location);
		response_version_etag(res, PQgetvalue(r, 0, 1));
	}
done:
	PQclear(r);
	report_values_release(&rv);
	validation_release(&v);
	json_decref(body);
}

/* ---- GET /v1/hate-crime/reports --------------------------------------------- */

static const struct csv_column csv_columns[] = {
	{ "id", "/id" },
	{ "organisation", "/organisation" },
	{ "submitter_reference", "/submitter_reference" },
	{ "police_reference", "/police_reference" },
	{ "occurred_from", "/occurred_from" },
	{ "occurred_to", "/occurred_to" },
	{ "reported_on", "/reported_on" },
	{ "location", "/location/kind" },
	{ "ward", "/location/ward" },
	{ "strands", "/strands" },
	{ "offence_type", "/offence_type" },
	{ "channel", "/channel" },
	{ "status", "/status" },
	{ "version", "/version" },
	{ "created_at", "/created_at" },
	{ "updated_at", "/updated_at" },
};

/* A cursor key is "<created_at in microseconds>,<id>". */
static int split_cursor(struct request *req, const char *key, const char **micros, const char **id)
{
	const char *comma = key ? strchr(key, ',') : NULL;
	char *copy;
	size_t n;

	if (!comma)
		return -1;
	n = (size_t)(comma - key);
	if (n == 0 || n > 19 || !uuid_is_valid(comma + 1))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (key[i] < '0' || key[i] > '9')
			return -1;
	copy = request_alloc(req, n + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, n);
	copy[n] = '\0';
	*micros = copy;
	*id = comma + 1;
	return 0;
}

/* from/to: a month ("2024-04") or a financial year ("2024/25"). */
static int period_param_or_respond(struct request *req, struct response *res, const char *name,
				   bool first_day, char *out)
{
	const char *text;
	struct period p;

	out[0] = '\0';
	if (request_single_or_respond(req, res, name, &text))
		return -1;
	if (!text)
		return 0;
	if (period_parse_kinds(text, 1u << PERIOD_MONTH | 1u << PERIOD_FINANCIAL_YEAR, &p) != 0) {
		problem_send_bad_parameter(res, name,
			"must be a month such as 2024-04 or a financial year such as 2024/25");
		return -1;
	}
	(void)date_format(first_day ? &p.start : &p.end, out, 11);
	return 0;
}

static void report_list(struct request *req, struct response *res)
{
	char from[11], to[11];
	const char *ward, *strand, *org, *status, *micros = NULL, *after_id = NULL;
	struct page page;
	PGresult *r = NULL;
	json_t *data;
	const char *next = NULL;
	int n;

	if (period_param_or_respond(req, res, "from", true, from) ||
	    period_param_or_respond(req, res, "to", false, to) ||
	    request_single_or_respond(req, res, "ward", &ward) ||
	    request_enum_or_respond(req, res, "strand", strand_values, NULL, &strand) ||
	    request_single_or_respond(req, res, "organisation", &org) ||
	    request_enum_or_respond(req, res, "status", statuses, NULL, &status) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (from[0] && to[0] && strcmp(from, to) > 0) {
		problem_send_bad_parameter(res, "to", "must not end before from begins");
		return;
	}
	if (ward && !area_code_is_valid(ward)) {
		problem_send_bad_parameter(res, "ward", "must be a ward's GSS code such as E05013628");
		return;
	}
	if (org && !code_is_valid(org)) {
		problem_send_bad_parameter(res, "organisation", "must be an organisation's slug such as police-feed");
		return;
	}
	if (page.after && split_cursor(req, page.after, &micros, &after_id) != 0) {
		problem_send_bad_parameter(res, "cursor",
			"is not a cursor this service issued; use links.next from a previous page");
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[10] = {
			visible_org(req), from[0] ? from : NULL, to[0] ? to : NULL, ward, strand,
			org, status, micros, after_id, page.fetch,
		};

		if (api_exec_or_respond(req, res, "hcr_list", 10, p, &r))
			return;
	}
	n = PQntuples(r);
	data = json_array();
	for (int i = 0; i < n && i < page.limit; i++) {
		json_error_t error;
		json_t *row = json_loads(PQgetvalue(r, i, 0), 0, &error);

		if (!row || json_array_append_new(data, row)) {
			json_decref(data);
			PQclear(r);
			problem_send_internal(res);
			return;
		}
	}
	if (n > page.limit) {
		struct buf key = BUF_INIT;
		int last = (int)page.limit - 1;

		if (buf_appendf(&key, "%s,%s", PQgetvalue(r, last, 1), PQgetvalue(r, last, 2)) == 0)
			next = request_cursor_encode(req, buf_cstr(&key));
		buf_release(&key);
		if (!next) {
			json_decref(data);
			PQclear(r);
			problem_send_internal(res);
			return;
		}
	}
	PQclear(r);
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      next, csv_columns, API_COUNT(csv_columns));
}

/* ---- GET /v1/hate-crime/reports/{id} and its versions ------------------------ */

static void report_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	PGresult *r = NULL;

	if (!uuid_is_valid(id)) {
		not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[2] = { id, visible_org(req) };

		if (api_exec_or_respond(req, res, "hcr_get", 2, p, &r))
			return;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		not_found(res);
		return;
	}
	respond_report(res, 200, PQgetvalue(r, 0, 0));
	if (res->status == 200)
		response_version_etag(res, PQgetvalue(r, 0, 1));
	PQclear(r);
}

static void report_versions(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	PGresult *r = NULL;
	json_t *data;
	int n;

	if (!uuid_is_valid(id)) {
		not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[2] = { id, visible_org(req) };

		if (api_exec_or_respond(req, res, "hcr_versions", 2, p, &r))
			return;
	}
	n = PQntuples(r);
	if (n == 0) {
		PQclear(r);
		not_found(res);
		return;
	}
	data = api_history_json(r, "version", "changed_at", "report");
	PQclear(r);
	if (!data) {
		problem_send_internal(res);
		return;
	}
	response_list(req, res, data, json_pack("{s:i}", "count", n), NULL, NULL, 0);
}

/* ---- PATCH /v1/hate-crime/reports/{id} -------------------------------------- */


/* {"status": "withdrawn", "withdrawn_reason": "..."} and nothing else. */
static void validate_withdrawal(struct validation *v, const json_t *patch, const char **reason)
{
	const char *key;
	json_t *value;

	(void)validate_enum(v, patch, "", "status", true, withdrawn_only);
	*reason = validate_string(v, patch, "", "withdrawn_reason", true, WITHDRAWN_REASON_MAX);
	if (*reason && has_control_chars(*reason)) {
		validation_add(v, "/withdrawn_reason", "must not contain control characters");
		*reason = NULL;
	}
	json_object_foreach((json_t *)patch, key, value) {
		char ptr[80];

		if (strcmp(key, "status") == 0 || strcmp(key, "withdrawn_reason") == 0)
			continue;
		snprintf(ptr, sizeof(ptr), "/%.70s", key);
		validation_add(v, ptr, "cannot be changed in the request that withdraws the report");
	}
}

static void report_patch(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	json_t *patch = NULL, *current = NULL, *merged = NULL;
	struct validation v;
	struct report_values rv = { 0 };
	struct lookup lk;
	PGresult *r = NULL;
	long version;
	bool withdrawal;

	validation_init(&v);
	if (!uuid_is_valid(id)) {
		not_found(res);
		goto done;
	}
	patch = request_json_or_respond(req, res);
	if (!patch)
		goto done;
	if (api_if_match_required_or_respond(req, res))
		goto done;
	{
		const char *p[2] = { id, req->auth.org_id };

		if (api_exec_or_respond(req, res, "hcr_lock", 2, p, &r))
			goto done;
	}
	if (PQntuples(r) != 1) {
		not_found(res);
		goto done;
	}
	version = (long)db_get_ll(r, 0, 1);
	if (api_if_match_or_respond(req, res, "report", version))
		goto done;
	if (strcmp(PQgetvalue(r, 0, 2), "withdrawn") == 0) {
		problem_send(res, 409, "report-withdrawn", "Report withdrawn",
			     "A withdrawn report is kept as it is and cannot be edited.");
		goto done;
	}
	current = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (!current) {
		problem_send_internal(res);
		goto done;
	}

	validate_known_fields(&v, patch, "", patch_fields);
	withdrawal = json_object_get(patch, "status") != NULL;
	if (withdrawal) {
		const char *reason = NULL;

		validate_withdrawal(&v, patch, &reason);
		if (!validation_ok(&v)) {
			problem_send_invalid(res, validation_take_errors(&v));
			goto done;
		}
		{
			const char *p[3] = { id, reason, req->auth.org_id };

			if (api_exec_or_respond(req, res, "hcr_withdraw", 3, p, NULL))
				goto done;
		}
	} else {
		if (json_object_get(patch, "withdrawn_reason"))
			validation_add(&v, "/withdrawn_reason", "is accepted only with status withdrawn");
		if (json_object_size(patch) == 0) {
			validation_add(&v, "", "must change at least one field");
			problem_send_invalid(res, validation_take_errors(&v));
			goto done;
		}
		merged = validate_merge(current, patch, create_fields);
		if (!merged) {
			problem_send_internal(res);
			goto done;
		}
		if (lookup_or_respond(req, res, merged, &lk))
			goto done;
		report_validate(&v, merged, &lk, &rv);
		if (!validation_ok(&v)) {
			if (v.oom)
				problem_send_internal(res);
			else
				problem_send_invalid(res, validation_take_errors(&v));
			goto done;
		}
		{
			const char *p[3] = { req->auth.org_id, rv.submitter_reference, id };

			if (api_exec_or_respond(req, res, "hcr_ref_taken", 3, p, &r))
				goto done;
			if (PQntuples(r) > 0) {
				duplicate_reference(res);
				goto done;
			}
			PQclear(r);
			r = NULL;
		}
		{
			const char *p[15] = {
				id, rv.submitter_reference, rv.police_reference,
				rv.occurred_from, rv.occurred_to, rv.reported_on, rv.location, rv.ward,
				rv.strands, rv.other_reason, rv.offence_type, rv.channel, rv.victim,
				rv.suspect, req->auth.org_id,
			};

			if (api_exec_or_respond(req, res, "hcr_update", 15, p, NULL))
				goto done;
		}
	}
	if (finish_write_or_respond(req, res, id, &r))
		goto done;
	respond_report(res, 200, PQgetvalue(r, 0, 0));
	if (res->status == 200)
		response_version_etag(res, PQgetvalue(r, 0, 1));
done:
	/* The report the attempt named, refused or not (a problem response
	 * clears the target, so it is set last). */
	if (uuid_is_valid(id))
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	PQclear(r);
	report_values_release(&rv);
	validation_release(&v);
	json_decref(patch);
	json_decref(current);
	json_decref(merged);
}

/* ---- the route table ---------------------------------------------------------- */

static const char *const list_params[] = {
	"from", "to", "ward", "strand", "organisation", "status", "limit", "cursor", NULL,
};

static const struct route routes[] = {
	{ .method = HTTP_POST, .template = "/v1/hate-crime/reports", .handler = report_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:hate-crime",
	  .action = "hate_crime_report.create", .depends = DATA_HATE_CRIME },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports", .handler = report_list,
	  .query_params = list_params, .flags = ROUTE_CSV, .scope = "read:hate-crime" },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports/{id}", .handler = report_get,
	  .scope = "read:hate-crime" },
	{ .method = HTTP_PATCH, .template = "/v1/hate-crime/reports/{id}", .handler = report_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "submit:hate-crime",
	  .action = "hate_crime_report.update", .depends = DATA_HATE_CRIME },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports/{id}/versions",
	  .handler = report_versions, .scope = "read:hate-crime" },
};

const struct api_module hate_crime_reports_module = {
	.name = "hate_crime_reports",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
