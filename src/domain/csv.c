/*
 * csv.c - RFC 4180 field escaping and a strict record reader (see csv.h).
 *
 * The reader is strict on purpose: import files feed published statistics,
 * and a malformed quote silently shifting every later column is worse than
 * refusing the file with a line number.
 */
#include "domain/csv.h"

#include <stdlib.h>
#include <string.h>

/* Cells a spreadsheet would evaluate rather than show. */
static bool starts_formula(const char *field, size_t len)
{
	return len > 0 && field[0] != '\0' && strchr("=+-@\t\r", field[0]);
}

int csv_append_field(struct buf *out, const char *field, size_t len)
{
	size_t old_len = out->len, i;
	bool formula = starts_formula(field, len);
	bool quote = formula;
	int rc = -1;

	for (i = 0; i < len && !quote; i++)
		quote = field[i] == ',' || field[i] == '"' ||
			field[i] == '\r' || field[i] == '\n';
	if (!quote) {
		if (buf_append(out, field, len) != 0)
			goto cleanup;
		rc = 0;
		goto cleanup;
	}
	if (buf_append_char(out, '"') != 0)
		goto cleanup;
	if (formula && buf_append_char(out, '\'') != 0)
		goto cleanup;
	for (i = 0; i < len; i++) {
		if (field[i] == '"' && buf_append_char(out, '"') != 0)
			goto cleanup;
		if (buf_append_char(out, field[i]) != 0)
			goto cleanup;
	}
	if (buf_append_char(out, '"') != 0)
		goto cleanup;
	rc = 0;
cleanup:
	/* Half a field would corrupt the row; leave out as it was. */
	if (rc != 0 && out->data) {
		out->len = old_len;
		out->data[old_len] = '\0';
	}
	return rc;
}

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->pos = 0;
	r->line = 1;
	buf_init(&r->field_buf);
	r->offsets = NULL;
	r->nfields = 0;
	r->cap = 0;
	r->error = NULL;
	if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_reader_release(struct csv_reader *r)
{
	buf_release(&r->field_buf);
	free(r->offsets);
	r->offsets = NULL;
	r->nfields = 0;
	r->cap = 0;
}

static enum csv_status fail(struct csv_reader *r, const char *message)
{
	/* No half-read record for a caller that ignores the status. */
	r->nfields = 0;
	r->error = message;
	return CSV_ERROR;
}

/* Start a new field at the end of field_buf. */
static int begin_field(struct csv_reader *r)
{
	if (r->nfields == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		size_t *offsets = realloc(r->offsets, cap * sizeof(*offsets));

		if (!offsets)
			return -1;
		r->offsets = offsets;
		r->cap = cap;
	}
	r->offsets[r->nfields++] = r->field_buf.len;
	return 0;
}

/* A line ends at LF, at CRLF, or at a CR that is the last byte. */
static bool at_line_end(const struct csv_reader *r)
{
	char c = r->data[r->pos];

	return c == '\n' ||
	       (c == '\r' && (r->pos + 1 == r->len || r->data[r->pos + 1] == '\n'));
}

/* Step over the line end at pos. */
static void skip_line_end(struct csv_reader *r)
{
	if (r->data[r->pos] == '\r')
		r->pos++;
	if (r->pos < r->len && r->data[r->pos] == '\n')
		r->pos++;
}

enum csv_status csv_reader_next(struct csv_reader *r)
{
	size_t i;

	if (r->error)
		return CSV_ERROR;
	/*
	 * The struct keeps only the start line of the current record, so the
	 * next start is worked out from the record just returned: its line
	 * end, plus every newline inside its quoted fields, all of which were
	 * copied verbatim into field_buf.
	 */
	if (r->nfields > 0) {
		for (i = 0; i < r->field_buf.len; i++)
			r->line += r->field_buf.data[i] == '\n';
		r->line++;
	}
	buf_reset(&r->field_buf);
	r->nfields = 0;

	/* Blank lines carry no record; skipping them keeps line counts. */
	while (r->pos < r->len && at_line_end(r)) {
		skip_line_end(r);
		r->line++;
	}
	if (r->pos >= r->len)
		return CSV_END;

	for (;;) {
		if (begin_field(r) != 0)
			return fail(r, "out of memory");
		if (r->pos < r->len && r->data[r->pos] == '"') {
			r->pos++;
			for (;;) {
				char c;

				if (r->pos >= r->len)
					return fail(r, "unterminated quoted field");
				c = r->data[r->pos];
				if (c == '\0')
					return fail(r, "NUL byte in input");
				if (c == '"') {
					if (r->pos + 1 < r->len &&
					    r->data[r->pos + 1] == '"') {
						r->pos++;
					} else {
						r->pos++;
						break;
					}
				}
				if (buf_append_char(&r->field_buf, c) != 0)
					return fail(r, "out of memory");
				r->pos++;
			}
			if (r->pos < r->len && r->data[r->pos] != ',' &&
			    !at_line_end(r))
				return fail(r, r->data[r->pos] == '\0' ?
					    "NUL byte in input" :
					    "text after closing quote");
		} else {
			size_t start = r->pos;

			while (r->pos < r->len && r->data[r->pos] != ',' &&
			       !at_line_end(r)) {
				if (r->data[r->pos] == '"')
					return fail(r, "quote in unquoted field");
				if (r->data[r->pos] == '\0')
					return fail(r, "NUL byte in input");
				r->pos++;
			}
			if (buf_append(&r->field_buf, r->data + start,
				       r->pos - start) != 0)
				return fail(r, "out of memory");
		}
		if (buf_append_char(&r->field_buf, '\0') != 0)
			return fail(r, "out of memory");
		if (r->pos >= r->len)
			break;
		if (r->data[r->pos] == ',') {
			r->pos++;
			continue;
		}
		skip_line_end(r);
		break;
	}
	return CSV_RECORD;
}

const char *csv_reader_field(const struct csv_reader *r, size_t i)
{
	if (i >= r->nfields)
		return NULL;
	return r->field_buf.data + r->offsets[i];
}
