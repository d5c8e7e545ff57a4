/*
 * report_commentary.c - the rules of a report section's commentary (see
 * report_commentary.h).
 */
#include "domain/report_commentary.h"

#include <stdio.h>
#include <string.h>

#include "domain/annual_report.h"
#include "domain/text.h"

const char *const report_sections[] = {
	"objective", "indicators", "action_plan", "workforce", "hate_crime",
	"partner_returns", "demographics", NULL,
};

static const char *const commentary_fields[] = { "text", NULL };

bool report_section_known(const char *key)
{
	for (size_t i = 0; key && report_sections[i]; i++)
		if (strcmp(key, report_sections[i]) == 0)
			return true;
	return false;
}

int report_commentary_id(const char *year, const char *section, char *out, size_t n)
{
	struct period fy;
	int len;

	if (annual_report_year(year, &fy) != 0 || !report_section_known(section))
		return -1;
	len = snprintf(out, n, "%s/%s", year, section);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

bool report_commentary_id_valid(const char *id)
{
	char year[8], again[64];
	const char *slash = id ? strchr(id, '/') : NULL;

	if (!slash || slash - id != 7)
		return false;
	memcpy(year, id, 7);
	year[7] = '\0';
	return report_commentary_id(year, slash + 1, again, sizeof(again)) == 0;
}

const char *report_commentary_validate(struct validation *v, const json_t *body)
{
	validate_known_fields(v, body, "", commentary_fields);
	return text_member(v, body, "text", true, REPORT_COMMENTARY_MAX, true);
}
