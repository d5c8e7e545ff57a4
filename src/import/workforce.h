/*
 * workforce.h - workforce snapshots: one anonymous CSV row per employee in,
 * aggregated headcounts and pay-gap results out.  Used by
 * `equalities-api import workforce FILE --as-of DATE` and by
 * POST /v1/workforce/snapshots; both store the result through the SQL
 * function workforce_store() (migration 0005), in one transaction.
 *
 * The file's columns (header row, any order): directorate, grade_band, sex,
 * ethnicity, disability, religion, sexual_orientation, age_band,
 * hourly_pay, and optionally bonus_paid (the bonus paid in the 12 months to
 * as_of, 0 or empty for none).  Every characteristic must be given: a
 * category code of /v1/characteristics, or prefer_not_to_say or
 * not_recorded (workforce_unknown_codes), or for age_band one of
 * workforce_age_bands.  Detailed categories (white_irish) are counted under
 * their top-level category (white).  Nothing about a single row is kept.
 */
#ifndef EQ_IMPORT_WORKFORCE_H
#define EQ_IMPORT_WORKFORCE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#define WF_NCHARS 6
/* The characteristics counted, in published order; "age" is the age band. */
extern const char *const wf_characteristics[WF_NCHARS + 1];
extern const char *const workforce_age_bands[];   /* NULL-terminated */
/* The workforce's own categories of every characteristic, after those of
 * the categories table: prefer_not_to_say (declined to answer) and
 * not_recorded (never asked or not on file).  They are not census
 * categories, so they live here rather than in data/categories.csv (where
 * they would appear in every demographics table).  NULL-terminated. */
extern const char *const workforce_unknown_codes[];

/* Valid codes, from the database. */
struct wf_codes {
	const PGresult *categories;   /* characteristic, code, top-level code */
	const PGresult *grades;       /* code */
};

/* SQL for the two results above (the same text on both connection kinds). */
extern const char wf_categories_sql[];
extern const char wf_grades_sql[];
/* $1 as_of, $2 source, $3 official, $4 notes, $5 document -> outcome, id. */
extern const char wf_store_sql[];

/*
 * Parse and aggregate a file.  On success returns 0 and *doc (the caller
 * owns it) for workforce_store().  Returns 1 when the file is invalid:
 * errors (an array the caller owns) then holds every problem as
 * {"line", "column", "detail"}; -1 when memory runs out.
 */
__attribute__((warn_unused_result))
int workforce_build(const char *data, size_t len, const struct wf_codes *codes,
		    json_t **doc, json_t *errors);

/* The CLI: read, build, store in one transaction.  0, or -1 with err. */
__attribute__((warn_unused_result))
int workforce_import_file(PGconn *pg, const char *path, const char *as_of, const char *source,
			  const char *notes, char *outcome, size_t outcome_len, char *err, size_t errlen);

#endif
