/*
 * csv_json.h - JSON values as CSV: one value as a field, and an object
 * (a response's meta) as "name,value" rows.  Pure: works on memory; every
 * string goes through csv_append_field, so the formula-injection guard of
 * domain/csv.h holds for these too.
 */
#ifndef EQ_DOMAIN_CSV_JSON_H
#define EQ_DOMAIN_CSV_JSON_H

#include <jansson.h>

#include "util/buf.h"

/*
 * Append v as one field: nothing for NULL or null, a string escaped, an
 * integer or a real as a number, true/false, an array or object as its
 * compact JSON text (reals to 12 significant digits, escaped).  v stays the caller's.  0 or -1 (out of
 * memory).
 */
__attribute__((warn_unused_result))
int csv_json_append_value(struct buf *out, const json_t *v);

/*
 * Append obj as CSV of two columns: a header row "name,value", then one
 * row per scalar it holds, depth first in the object's own order, named
 * by its path with dots ("disclosure.threshold", an array's members by
 * index: "coverage.sources.0.slug").  A member that is an empty object or
 * array is one row with an empty value, so that no member disappears.  Lines end CRLF.  A
 * name longer than 255 bytes is cut there.  obj stays the caller's.
 * 0 or -1 (out of memory, or obj is not an object; out may then hold part
 * of the rows: the caller discards it).
 */
__attribute__((warn_unused_result))
int csv_json_append_flat(struct buf *out, const json_t *obj);

#endif
