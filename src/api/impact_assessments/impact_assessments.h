/*
 * impact_assessments.h - what the files of the equality impact assessment
 * resource share; included only by src/api/impact_assessments/.
 *
 *   module.c   the statements and the route table (impact_assessments_module)
 *   reads.c    the public list and record, and the council's versions
 *   writes.c   the council's create and PATCH (api/kit/edit.h)
 *
 * The rules of an assessment are src/domain/impact_assessment.h; its
 * representation (with review_overdue) the SQL function
 * impact_assessment_json (migrations/0017).
 */
#ifndef EQ_API_IMPACT_ASSESSMENTS_IMPACT_ASSESSMENTS_H
#define EQ_API_IMPACT_ASSESSMENTS_IMPACT_ASSESSMENTS_H

#include "api/kit/edit.h"
#include "http/router.h"

/* ia_lock's columns: 0 version, 1 JSON text, then the status. */
enum { IA_LOCK_STATUS = 2 };

extern const struct edit_kind ia_edit;

route_handler ia_list, ia_get, ia_versions, ia_create, ia_patch;

#endif
