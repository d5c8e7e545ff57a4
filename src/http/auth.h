/*
 * auth.h - API-key authentication and scope checks, done once in the
 * server from each route's declared scope: no handler checks keys by hand.
 *
 *   no key, a malformed, unknown or revoked key   401 + WWW-Authenticate
 *   a valid key without the route's scope          403
 * A route's scope may list several, "submit:returns,review:returns": any one
 * of them will do.
 * Ownership (404 for another organisation's record) is the handler's part:
 * it filters by req->auth.org_id in its SQL.
 */
#ifndef EQ_HTTP_AUTH_H
#define EQ_HTTP_AUTH_H

#include <stdbool.h>

struct request;
struct response;

/* The key lookup itself is db/keys.h's; this is the HTTP policy around it.
 * 0 with req->auth filled, or -1 with the 401/403/503 problem in res.
 * Takes a pooled connection into req->db when it has none. */
__attribute__((warn_unused_result))
int auth_check_or_respond(struct request *req, struct response *res, const char *scope);

/* The prefix of a well-formed bearer key in the request's Authorization,
 * into prefix (APIKEY_PREFIX_LEN + 1 bytes); false when there is none.
 * Nothing is checked: that is auth_check_or_respond's. */
bool auth_presented_prefix(const struct request *req, char *prefix);

#endif
