/*
 * csv.h - RFC 4180 CSV: escaping fields for output, and a reader for input
 * files (the ONS bulk layout, workforce imports).  Pure: works on memory.
 */
#ifndef EQ_DOMAIN_CSV_H
#define EQ_DOMAIN_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/*
 * Append one field to out, quoted when it contains a comma, a double quote,
 * CR or LF (quotes doubled), or when it starts with = + - @ or a tab
 * (so a spreadsheet never runs it as a formula: such fields are prefixed
 * with a single quote inside the quotes).  Numbers should be written with
 * buf_appendf, not through this.  Returns 0 or -1 (out of memory).
 */
__attribute__((warn_unused_result))
int csv_append_field(struct buf *out, const char *field, size_t len);

/*
 * The reader.  It walks a buffer it does not own; each call to
 * csv_reader_next yields one record.  Fields are decoded into the reader's
 * own storage, valid until the next call.  Accepts CRLF or LF line ends, a
 * UTF-8 byte order mark at the start, quoted fields with doubled quotes and
 * embedded newlines; refuses a quote inside an unquoted field, text after a
 * closing quote, an unterminated quote, and NUL bytes.
 */
struct csv_reader {
	const char *data;
	size_t len;
	size_t pos;
	size_t line;          /* 1-based line where the current record starts */
	struct buf field_buf; /* decoded field bytes, NUL separated */
	size_t *offsets;      /* start of each field in field_buf */
	size_t nfields, cap;
	const char *error;    /* static message after CSV_ERROR */
};

enum csv_status { CSV_RECORD = 1, CSV_END = 0, CSV_ERROR = -1 };

void csv_reader_init(struct csv_reader *r, const char *data, size_t len);
void csv_reader_release(struct csv_reader *r);

/* Read the next record.  Blank lines at the end of input are skipped. */
enum csv_status csv_reader_next(struct csv_reader *r);

/* Field i (0-based) of the current record, NUL-terminated. */
const char *csv_reader_field(const struct csv_reader *r, size_t i);

#endif
