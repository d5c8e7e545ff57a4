/*
 * codes.c - the forms of identifiers (see codes.h).
 */
#include "domain/codes.h"

#include <string.h>

bool area_code_is_valid(const char *code)
{
	if (!code || strlen(code) != 9 || !strchr("EWSN", code[0]))
		return false;
	for (int i = 1; i < 9; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

bool code_is_valid(const char *code)
{
	size_t len = code ? strlen(code) : 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = code[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool uuid_is_valid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };

	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool want_dash = i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3];
		char c = s[i];

		if (want_dash ? c != '-' :
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}
