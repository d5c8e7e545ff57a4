/*
 * random.h - bytes from the kernel's random source (getrandom(2)).
 */
#ifndef EQ_UTIL_RANDOM_H
#define EQ_UTIL_RANDOM_H

#include <stddef.h>

/* Fill buf with len random bytes.  Returns 0 or -1. */
__attribute__((warn_unused_result))
int random_bytes(void *buf, size_t len);

/* Write 2*nbytes lower-case hex characters and a NUL into out. */
__attribute__((warn_unused_result))
int random_hex(char *out, size_t nbytes);

#endif
