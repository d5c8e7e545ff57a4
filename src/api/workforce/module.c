/*
 * module.c - the workforce resource: snapshots of the council's staff.
 *
 *   GET  /v1/workforce/snapshots        the snapshots loaded, newest first
 *                                       (snapshots.c)
 *   GET  /v1/workforce/profile          headcounts and shares by directorate,
 *                                       grade band and category (profile.c)
 *   GET  /v1/workforce/pay-gaps         mean and median hourly pay gaps, bonus
 *                                       gaps and pay quartiles (pay_gaps.c)
 *   GET  /v1/workforce/representation   workforce shares against residents'
 *                                       (representation.c)
 *   POST /v1/workforce/snapshots        load a snapshot (admin; snapshots.c)
 *   PUT  /v1/workforce/snapshots/{as_of}/pay-gaps
 *                                       published pay gaps for a snapshot
 *                                       without employee pay (admin;
 *                                       pay_gaps_put.c)
 *
 * The tables every read slices are built and suppressed once per data
 * generation (state.c, domain/workforce_table.c).
 */
#include <stdio.h>

#include "api/api.h"
#include "api/workforce/workforce.h"
#include "http/cache.h"

/* Each file's statements, beside its code, registered at start. */
extern const struct db_statement wf_import_statements[], wf_publish_statements[];
extern const size_t wf_import_nstatements, wf_publish_nstatements;

static int workforce_init(const struct config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	if (db_register_statements(wf_state_statements, wf_state_nstatements) != 0 ||
	    db_register_statements(wf_representation_statements, wf_representation_nstatements) != 0 ||
	    db_register_statements(wf_import_statements, wf_import_nstatements) != 0 ||
	    db_register_statements(wf_publish_statements, wf_publish_nstatements) != 0) {
		snprintf(err, errlen, "too many statement tables");
		return -1;
	}
	return 0;
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/workforce/snapshots", .handler = wf_snapshots_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/workforce/snapshots", .handler = wf_snapshot_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY,
	  .scope = "admin", .action = "workforce_snapshot.load", .depends = DATA_WORKFORCE },
	{ .method = HTTP_PUT, .template = "/v1/workforce/snapshots/{as_of}/pay-gaps", .handler = wf_paygaps_put,
	  .flags = ROUTE_WRITE | ROUTE_BODY,
	  .scope = "admin", .action = "workforce_pay_gaps.publish", .depends = DATA_WORKFORCE },
	{ .method = HTTP_GET, .template = "/v1/workforce/profile", .handler = wf_profile_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/workforce/pay-gaps", .handler = wf_paygaps_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/workforce/representation", .handler = wf_representation_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = WF_DEPENDS | DATA_DEMOGRAPHICS },
};

const struct api_module workforce_module = {
	.name = "workforce", API_ROUTES(routes), .init = workforce_init,
};
