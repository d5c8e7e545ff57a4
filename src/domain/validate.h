/*
 * validate.h - collecting every problem in a JSON request body at once.
 *
 * A validator walks the body and adds one error per problem, each with the
 * JSON pointer of the offending member ("/strands/2") and a plain sentence.
 * The handler then answers 422 with all of them (problem_send_errors), or
 * goes on when there are none.  Pure: jansson values in, errors out.
 */
#ifndef EQ_DOMAIN_VALIDATE_H
#define EQ_DOMAIN_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/period.h"

struct validation {
	json_t *errors;   /* array of {"pointer", "detail"}; owned */
	bool oom;
};

void validation_init(struct validation *v);
void validation_release(struct validation *v);
bool validation_ok(const struct validation *v);
/* Hand the errors array over (the caller owns it) and reset. */
json_t *validation_take_errors(struct validation *v);

__attribute__((format(printf, 3, 4)))
void validation_add(struct validation *v, const char *pointer, const char *fmt, ...);

/* Every member of obj must be in allowed (NULL-terminated); each other one is
 * an error "is not a field of this resource" at base + "/" + name. */
void validate_known_fields(struct validation *v, const json_t *obj, const char *base,
			   const char *const *allowed);

/*
 * Typed getters: each returns the member (or NULL when absent and optional,
 * or when invalid, after recording why).  base is the object's pointer ("").
 */
const char *validate_string(struct validation *v, const json_t *obj, const char *base,
			    const char *name, bool required, size_t max_len);
/* One of choices (NULL-terminated). */
const char *validate_enum(struct validation *v, const json_t *obj, const char *base,
			  const char *name, bool required, const char *const *choices);
/* "YYYY-MM-DD"; *out filled when valid. */
bool validate_date(struct validation *v, const json_t *obj, const char *base,
		   const char *name, bool required, struct date *out);
/* Whole number in [min, max]. */
bool validate_integer(struct validation *v, const json_t *obj, const char *base,
		      const char *name, bool required, long long min, long long max,
		      long long *out);
/* An array (min..max items); NULL when absent/invalid. */
const json_t *validate_array(struct validation *v, const json_t *obj, const char *base,
			     const char *name, bool required, size_t min, size_t max);
/* An object; NULL when absent/invalid. */
const json_t *validate_object(struct validation *v, const json_t *obj, const char *base,
			      const char *name, bool required);

/*
 * A partial update merged onto the current representation, for validating
 * the whole again: the fields of `fields` (NULL-terminated) from current,
 * replaced by those present in patch; a null in patch clears the field.
 * Returns a new object, or NULL when memory runs out.
 */
json_t *validate_merge(const json_t *current, const json_t *patch, const char *const *fields);

#endif
