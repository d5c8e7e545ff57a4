/*
 * text.c - checks on free text (see text.h).
 */
#include "domain/text.h"

bool text_has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}
