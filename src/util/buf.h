/*
 * buf.h - a growable byte buffer, for building JSON, CSV and log lines.
 *
 * Vocabulary after git's strbuf:
 *   BUF_INIT / buf_init   an empty buffer that owns nothing yet;
 *   buf_reset             length back to zero, memory kept;
 *   buf_release           memory freed, back to BUF_INIT;
 *   buf_detach            the caller takes the bytes (free() them), the
 *                         buffer is back to BUF_INIT.
 * The bytes are always NUL-terminated once anything was appended, so
 * buf.data can be used as a C string; buf_cstr() is safe on an empty buffer.
 * Appends return 0, or -1 when memory runs out (the buffer stays valid and
 * keeps what it had).
 */
#ifndef EQ_UTIL_BUF_H
#define EQ_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

/* Returns the bytes (caller frees) and leaves b empty; never NULL on success,
 * NULL only when allocating an empty string fails. */
char *buf_detach(struct buf *b, size_t *len);

__attribute__((warn_unused_result))
int buf_grow(struct buf *b, size_t extra);
__attribute__((warn_unused_result))
int buf_append(struct buf *b, const void *data, size_t len);
__attribute__((warn_unused_result))
int buf_append_str(struct buf *b, const char *s);
__attribute__((warn_unused_result))
int buf_append_char(struct buf *b, char c);
__attribute__((warn_unused_result, format(printf, 2, 3)))
int buf_appendf(struct buf *b, const char *fmt, ...);
__attribute__((warn_unused_result, format(printf, 2, 0)))
int buf_vappendf(struct buf *b, const char *fmt, va_list ap);

/* Append s as the inside of a JSON string (no surrounding quotes). */
__attribute__((warn_unused_result))
int buf_append_json_escaped(struct buf *b, const char *s, size_t len);

/* Append the whole file at path; -1 (errno set) when it cannot be read or
 * would take the buffer past max bytes. */
__attribute__((warn_unused_result))
int buf_read_file(struct buf *b, const char *path, size_t max);

/* The contents as a C string ("" when empty). */
const char *buf_cstr(const struct buf *b);

#endif
