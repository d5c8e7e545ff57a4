/*
 * codes.c - GET /v1/codes: display labels for the codes other responses
 * carry, so that a front-end never has to invent "Violence against the
 * person" from violence_against_the_person.
 *
 *   GET /v1/codes[?kind=strand|offence_type|channel|outcome]   public (JSON or CSV)
 *
 * Hate-crime codes come from the lists the rules use (one label each,
 * checked at compile time to cover them); outcomes of the Strategic
 * Equalities Objective from the indicators that name them.
 */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "domain/hate_crime_table.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

static const struct db_statement statements[] = {
	{ "codes_outcomes",
	  "SELECT outcome, min(outcome_title) FROM indicators GROUP BY outcome ORDER BY outcome", 0 },
};

/* Labels in the order of hc_strands, hc_offence_types and hc_channels. */
static const char *const strand_labels[] = {
	"Race", "Religion or belief", "Sexual orientation", "Disability", "Transgender identity",
	"Other",
};
static const char *const offence_labels[] = {
	"Violence against the person", "Harassment", "Criminal damage", "Public order", "Online",
	"Other",
};
static const char *const channel_labels[] = {
	"Police", "Third-party reporting centre", "Council officer", "Online form", "Telephone",
	"In person", "Other",
};
_Static_assert(API_COUNT(strand_labels) == HC_NSTRANDS, "a label per strand");
_Static_assert(API_COUNT(offence_labels) == HC_NOFFENCES, "a label per offence type");
_Static_assert(API_COUNT(channel_labels) == HC_NCHANNELS, "a label per channel");

static const struct {
	const char *kind;
	const char *const *codes, *const *labels;
} fixed[] = {
	{ "strand", hc_strands, strand_labels },
	{ "offence_type", hc_offence_types, offence_labels },
	{ "channel", hc_channels, channel_labels },
};

static const char *const kinds[] = { "strand", "offence_type", "channel", "outcome", NULL };

static const struct csv_column csv_columns[] = {
	{ "kind", "/kind" }, { "code", "/code" }, { "label", "/label" },
};

static int row_add(json_t *data, const char *kind, const char *code, const char *label)
{
	return json_array_append_new(data, json_pack("{s:s, s:s, s:s}", "kind", kind, "code", code,
						      "label", label));
}

static void codes_list(struct request *req, struct response *res)
{
	const char *kind;
	PGresult *r = NULL;
	json_t *data = json_array();
	int bad = !data;

	if (request_enum_or_respond(req, res, "kind", kinds, NULL, &kind))
		goto done;
	for (size_t f = 0; f < API_COUNT(fixed); f++)
		for (size_t i = 0; !bad && (!kind || strcmp(kind, fixed[f].kind) == 0) && fixed[f].codes[i]; i++)
			bad = row_add(data, fixed[f].kind, fixed[f].codes[i], fixed[f].labels[i]);
	if (!kind || strcmp(kind, "outcome") == 0) {
		if (!request_db_or_respond(req, res) ||
		    api_exec_or_respond(req, res, "codes_outcomes", 0, NULL, &r))
			goto done;
		for (int i = 0; !bad && i < PQntuples(r); i++)
			bad = row_add(data, "outcome", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
	}
	if (bad) {
		problem_send_internal(res);
		goto done;
	}
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      NULL, csv_columns, API_COUNT(csv_columns));
	data = NULL;
done:
	json_decref(data);
	PQclear(r);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/codes", .handler = codes_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_INDICATORS },
};

const struct api_module codes_module = {
	.name = "codes", API_ROUTES(routes), API_STATEMENTS(statements),
};
