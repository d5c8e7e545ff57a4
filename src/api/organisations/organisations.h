/*
 * organisations.h - what the files of the organisations resource share;
 * included only by src/api/organisations/.
 *
 *   module.c          the statements and the route table (organisations_module)
 *   organisations.c   the handlers
 *
 * The representation (with each return window's outcome) is the SQL
 * function organisation_json (migrations/0017); who may change what is
 * src/domain/organisation.h.
 */
#ifndef EQ_API_ORGANISATIONS_ORGANISATIONS_H
#define EQ_API_ORGANISATIONS_ORGANISATIONS_H

#include "http/router.h"

route_handler organisation_list, organisation_get, organisation_create, organisation_patch;

#endif
