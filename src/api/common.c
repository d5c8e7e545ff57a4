/*
 * common.c - helpers shared by the resource files (see common.h).
 */
#include "api/common.h"

#include <string.h>

#include "http/request.h"
#include "http/response.h"

int api_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			int nparams, const char *const *values, PGresult **out)
{
	switch (db_exec(req->db, stmt, nparams, values, out)) {
	case DB_OK:
		return 0;
	case DB_UNAVAILABLE:
	case DB_TIMEOUT:
		problem_send_unavailable(res);
		return -1;
	case DB_CONSTRAINT:
	case DB_ERROR:
		break;
	}
	problem_send_internal(res);
	return -1;
}

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
