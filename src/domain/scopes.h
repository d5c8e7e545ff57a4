/*
 * scopes.h - the scopes each kind of organisation may hold.  Pure.
 *
 * A key's scopes are what its organisation may do; an organisation's kind
 * bounds them.  A partner submits its own returns and nothing else; a
 * reporting centre or the police feed submit and read their own hate-crime
 * reports; only the council reviews returns, manages the action plan and
 * indicators, or administers.  The same table is in the database
 * (migrations/0014_key_policy.sql, organisation_kind_scopes) so that
 * `keys create` and any other writer of api_keys is refused there too, and
 * the service checks it again at every authentication, so that a key made
 * before the rule (or past it) cannot act on it.
 */
#ifndef EQ_DOMAIN_SCOPES_H
#define EQ_DOMAIN_SCOPES_H

#include <stddef.h>

/* The scopes (enum scope bits, domain/apikey.h) an organisation of this
 * kind ("council", "partner", "reporting_centre", "police") may hold; 0 for
 * an unknown kind, which may hold none. */
unsigned scopes_allowed_for_kind(const char *kind);

/* The scopes of mask that kind may not hold (0: the key fits its kind). */
unsigned scopes_refused_for_kind(const char *kind, unsigned mask);

/* Is kind one of the four kinds? */
int scopes_kind_known(const char *kind);

/*
 * The names of mask's scopes, joined by sep, into out (always terminated,
 * cut at size).  Returns the length it needed, as snprintf does.
 */
size_t scopes_join(unsigned mask, const char *sep, char *out, size_t size);

/* Every scope there is, joined by sep, for "valid values are" messages. */
size_t scopes_join_all(const char *sep, char *out, size_t size);

#endif
