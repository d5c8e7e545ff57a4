/*
 * reports.h - what the files of the hate-crime reports resource share;
 * included only by the .c files of src/api/hate_crime_reports/.
 *
 *   module.c   the statements and the route table (hate_crime_reports_module)
 *   write.c    create, and PATCH (a correction or the withdrawal) through
 *              the versioned-edit kit (src/api/kit/edit.h)
 *   read.c     list, read, versions
 *
 * The body rules are src/domain/hate_crime_report.h.
 */
#ifndef EQ_API_HATE_CRIME_REPORTS_REPORTS_H
#define EQ_API_HATE_CRIME_REPORTS_REPORTS_H

#include "api/kit/edit.h"
#include "http/request.h"
#include "http/response.h"

/* The versioned edits of a report (hcr_lock, hcr_get, hcr_notify); its
 * 404 is the one every handler of the resource answers. */
extern const struct edit_kind report_edit;

/* The handlers (module.c routes them). */
route_handler report_create, report_patch, report_list, report_get, report_versions;

#endif
