/*
 * text.h - checks on free text that is stored and shown again.
 *
 * Pure.
 */
#ifndef EQ_DOMAIN_TEXT_H
#define EQ_DOMAIN_TEXT_H

#include <stdbool.h>

/* Any C0 control character or DEL: they break CSV rows, logs and pages. */
bool text_has_control_chars(const char *s);

#endif
