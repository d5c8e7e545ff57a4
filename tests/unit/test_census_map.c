/*
 * ONS Census 2021 bulk CSV layout: mapping a header row to a catalogue
 * (fixed columns, prefixes, the total, leaves required, parents optional,
 * the "; measures: Value" suffix) and checking each row's arithmetic
 * (parents derived or checked, the total checked, counts strictly parsed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "import/census_map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ASIAN "Asian, Asian British or Asian Welsh"
#define WHITE_BRITISH "White: English, Welsh, Scottish, Northern Irish or British"
/* A heading of the ethnic group table, parenthesised for -Wstring-concatenation. */
#define ETH(rest) ("Ethnic group: " rest)

/* Children come after their parents, as in the real catalogue. */
enum {
	ASIAN_I, ASIAN_INDIAN, ASIAN_OTHER, WHITE, WHITE_BRIT, WHITE_IRISH, WHITE_OTHER,
	OTHER, NOT_CENSUS, NETH
};

static const struct census_category ethnic_cats[] = {
	[ASIAN_I] = { "asian", ASIAN, -1 },
	[ASIAN_INDIAN] = { "asian_indian", ASIAN ": Indian", ASIAN_I },
	[ASIAN_OTHER] = { "asian_other", ASIAN ": Other Asian", ASIAN_I },
	[WHITE] = { "white", "White", -1 },
	[WHITE_BRIT] = { "white_british", WHITE_BRITISH, WHITE },
	[WHITE_IRISH] = { "white_irish", "White: Irish", WHITE },
	[WHITE_OTHER] = { "white_other", "White: Other White", WHITE },
	[OTHER] = { "other", "Other ethnic group", -1 },
	[NOT_CENSUS] = { "not_stated", NULL, -1 },   /* ours only: not in the file */
};

static const struct census_category sex_cats[] = {
	{ "female", "Female", -1 },
	{ "male", "Male", -1 },
};

static const struct census_category so_cats[] = {
	{ "straight", "Straight or Heterosexual", -1 },
	{ "gay_lesbian", "Gay or Lesbian", -1 },
	{ "not_answered", "Not answered", -1 },
};

/* Three levels: A > A: B > A: B: C, A: B: D; A > A: E. */
static const struct census_category level_cats[] = {
	{ "a", "A", -1 },
	{ "ab", "A: B", 0 },
	{ "abc", "A: B: C", 1 },
	{ "abd", "A: B: D", 1 },
	{ "ae", "A: E", 0 },
};

enum { CAT_ETHNIC, CAT_SEX, CAT_SO, CAT_LEVEL, CAT_NOPREFIX };

static const struct census_catalog catalogs[] = {
	[CAT_ETHNIC] = { "ethnicity", "Ethnic group", "Total: All usual residents",
			 ethnic_cats, N(ethnic_cats) },
	/* "Sex" is listed before "Sexual orientation" and must not swallow it. */
	[CAT_SEX] = { "sex", "Sex", "All persons", sex_cats, N(sex_cats) },
	[CAT_SO] = { "sexual_orientation", "Sexual orientation",
		     "Total: All usual residents aged 16 years and over", so_cats, N(so_cats) },
	[CAT_LEVEL] = { "level", "Level", "Total", level_cats, N(level_cats) },
	[CAT_NOPREFIX] = { "pregnancy_maternity", NULL, NULL, NULL, 0 },
};

#define MAX_CATS 16

struct fixture {
	long cat_col[MAX_CATS];
	struct census_mapping map;
	char err[256];
	int64_t counts[MAX_CATS];
	int64_t total;
};

static void fixture_reset(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < MAX_CATS; i++)
		f->cat_col[i] = 12345;
	f->map.cat_col = f->cat_col;
	f->map.catalog = 999;
	f->map.total_col = 999;
}

static int map(struct fixture *f, const char *const *fields, size_t n)
{
	fixture_reset(f);
	return census_map_headings(catalogs, N(catalogs), fields, n, &f->map, f->err,
				   sizeof(f->err));
}

static int read_row(struct fixture *f, const char *const *fields, size_t n)
{
	memset(f->counts, 0x77, sizeof(f->counts));
	f->total = -999;
	f->err[0] = '\0';
	return census_read_row(&catalogs[f->map.catalog], &f->map, fields, n, f->counts,
			       &f->total, f->err, sizeof(f->err));
}

/* The error must mention `needle`. */
static void assert_err_has(const struct fixture *f, const char *needle)
{
	if (!strstr(f->err, needle))
		fail_msg("error '%s' does not mention '%s'", f->err, needle);
}

/* The full ethnic group header, total first as ONS writes it. */
static const char *const ethnic_header[] = {
	"date", "geography", "geography code",
	"Ethnic group: Total: All usual residents",
	ETH(ASIAN),
	ETH(ASIAN ": Indian"),
	ETH(ASIAN ": Other Asian"),
	"Ethnic group: White",
	ETH(WHITE_BRITISH),
	"Ethnic group: White: Irish",
	"Ethnic group: White: Other White",
	"Ethnic group: Other ethnic group",
};

/* The same without the parent columns. */
static const char *const ethnic_leaves_header[] = {
	"date", "geography", "geography code",
	"Ethnic group: Total: All usual residents",
	ETH(ASIAN ": Indian"),
	ETH(ASIAN ": Other Asian"),
	ETH(WHITE_BRITISH),
	"Ethnic group: White: Irish",
	"Ethnic group: White: Other White",
	"Ethnic group: Other ethnic group",
};

/* ---- census_map_headings ---- */

static void test_map_full_header(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(N(ethnic_cats), NETH);
	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(f.map.catalog, CAT_ETHNIC);
	assert_int_equal(f.map.total_col, 3);
	assert_int_equal(f.cat_col[ASIAN_I], 4);
	assert_int_equal(f.cat_col[ASIAN_INDIAN], 5);
	assert_int_equal(f.cat_col[ASIAN_OTHER], 6);
	assert_int_equal(f.cat_col[WHITE], 7);
	assert_int_equal(f.cat_col[WHITE_BRIT], 8);
	assert_int_equal(f.cat_col[WHITE_IRISH], 9);
	assert_int_equal(f.cat_col[WHITE_OTHER], 10);
	assert_int_equal(f.cat_col[OTHER], 11);
	/* Not a census category: no column. */
	assert_int_equal(f.cat_col[NOT_CENSUS], -1);
}

/* Columns are found by heading, not by position. */
static void test_map_any_category_order(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		"Ethnic group: Other ethnic group",
		"Ethnic group: White: Irish",
		ETH(ASIAN ": Other Asian"),
		"Ethnic group: White: Other White",
		ETH(WHITE_BRITISH),
		ETH(ASIAN ": Indian"),
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), 0);
	assert_int_equal(f.cat_col[OTHER], 4);
	assert_int_equal(f.cat_col[WHITE_IRISH], 5);
	assert_int_equal(f.cat_col[ASIAN_OTHER], 6);
	assert_int_equal(f.cat_col[WHITE_OTHER], 7);
	assert_int_equal(f.cat_col[WHITE_BRIT], 8);
	assert_int_equal(f.cat_col[ASIAN_INDIAN], 9);
}

/* A parent may be missing: it is derived (column -1). */
static void test_map_missing_parents_allowed(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(f.map.catalog, CAT_ETHNIC);
	assert_int_equal(f.map.total_col, 3);
	assert_int_equal(f.cat_col[ASIAN_I], -1);
	assert_int_equal(f.cat_col[WHITE], -1);
	assert_int_equal(f.cat_col[ASIAN_INDIAN], 4);
	assert_int_equal(f.cat_col[OTHER], 9);
}

static void test_map_measures_suffix(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents; measures: Value",
		ETH(ASIAN ": Indian; measures: Value"),
		ETH(ASIAN ": Other Asian; measures: Value"),
		"Ethnic group: White; measures: Value",
		ETH(WHITE_BRITISH "; measures: Value"),
		"Ethnic group: White: Irish; measures: Value",
		"Ethnic group: White: Other White; measures: Value",
		"Ethnic group: Other ethnic group; measures: Value",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), 0);
	assert_int_equal(f.map.total_col, 3);
	assert_int_equal(f.cat_col[ASIAN_INDIAN], 4);
	assert_int_equal(f.cat_col[WHITE], 6);
	assert_int_equal(f.cat_col[OTHER], 10);
	assert_int_equal(f.cat_col[ASIAN_I], -1);
}

/* The same heading with and without the suffix is a duplicate. */
static void test_map_suffix_duplicate(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		ETH(ASIAN ": Indian"),
		ETH(ASIAN ": Other Asian"),
		ETH(WHITE_BRITISH),
		"Ethnic group: White: Irish",
		"Ethnic group: White: Irish; measures: Value",
		"Ethnic group: White: Other White",
		"Ethnic group: Other ethnic group",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), -1);
	assert_err_has(&f, "twice");
	assert_err_has(&f, "White: Irish");
}

static void test_map_fixed_columns(void **state)
{
	static const char *const bad_date[] = {
		"Date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
	};
	static const char *const bad_code[] = {
		"date", "geography", "geography_code", "Sex: All persons", "Sex: Female", "Sex: Male",
	};
	static const char *const swapped[] = {
		"date", "geography code", "geography", "Sex: All persons", "Sex: Female", "Sex: Male",
	};
	static const char *const only_fixed[] = { "date", "geography", "geography code" };
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, bad_date, N(bad_date)), -1);
	assert_err_has(&f, "'Date'");
	assert_err_has(&f, "'date'");
	assert_int_equal(map(&f, bad_code, N(bad_code)), -1);
	assert_err_has(&f, "geography_code");
	assert_int_equal(map(&f, swapped, N(swapped)), -1);
	assert_int_equal(map(&f, only_fixed, N(only_fixed)), -1);
	assert_true(strlen(f.err) > 0);
	assert_int_equal(map(&f, only_fixed, 0), -1);
}

/* The first category's prefix picks the catalogue. */
static void test_map_selects_catalog_by_prefix(void **state)
{
	static const char *const sex[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
	};
	static const char *const so[] = {
		"date", "geography", "geography code",
		"Sexual orientation: Total: All usual residents aged 16 years and over",
		"Sexual orientation: Straight or Heterosexual",
		"Sexual orientation: Gay or Lesbian",
		"Sexual orientation: Not answered",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, sex, N(sex)), 0);
	assert_int_equal(f.map.catalog, CAT_SEX);
	assert_int_equal(f.map.total_col, 3);
	assert_int_equal(f.cat_col[0], 4);
	assert_int_equal(f.cat_col[1], 5);

	assert_int_equal(map(&f, so, N(so)), 0);
	assert_int_equal(f.map.catalog, CAT_SO);
	assert_int_equal(f.map.total_col, 3);
	assert_int_equal(f.cat_col[0], 4);
	assert_int_equal(f.cat_col[1], 5);
	assert_int_equal(f.cat_col[2], 6);

	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(f.map.catalog, CAT_ETHNIC);
}

static void test_map_unknown_prefix(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code", "Religion: Total: All usual residents",
		"Religion: No religion",
	};
	static const char *const bare[] = {
		"date", "geography", "geography code", "Ethnic group", "Ethnic group: White",
	};
	static const char *const no_space[] = {
		"date", "geography", "geography code", "Sex:All persons", "Sex: Female", "Sex: Male",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), -1);
	assert_err_has(&f, "Religion: Total: All usual residents");
	assert_int_equal(map(&f, bare, N(bare)), -1);
	assert_err_has(&f, "'Ethnic group'");
	assert_int_equal(map(&f, no_space, N(no_space)), -1);
	assert_err_has(&f, "Sex:All persons");
}

static void test_map_unknown_heading(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		ETH(ASIAN ": Indian"),
		ETH(ASIAN ": Other Asian"),
		"Ethnic group: Martian",
		ETH(WHITE_BRITISH),
		"Ethnic group: White: Irish",
		"Ethnic group: White: Other White",
		"Ethnic group: Other ethnic group",
	};
	/* A heading from another characteristic later in the row. */
	static const char *const mixed[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
		"Sexual orientation: Gay or Lesbian",
	};
	/* Our own category that is not a census heading. */
	static const char *const ours[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		"Ethnic group: not_stated",
	};
	/* A heading differing only in case. */
	static const char *const caseful[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: female", "Sex: Male",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), -1);
	assert_err_has(&f, "Ethnic group: Martian");
	assert_err_has(&f, "column 7");
	assert_int_equal(map(&f, mixed, N(mixed)), -1);
	assert_err_has(&f, "Sexual orientation: Gay or Lesbian");
	assert_int_equal(map(&f, ours, N(ours)), -1);
	assert_err_has(&f, "Ethnic group: not_stated");
	assert_int_equal(map(&f, caseful, N(caseful)), -1);
	assert_err_has(&f, "Sex: female");
}

static void test_map_duplicate_heading(void **state)
{
	static const char *const dup_cat[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
		"Sex: Female",
	};
	static const char *const dup_total[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
		"Sex: All persons",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, dup_cat, N(dup_cat)), -1);
	assert_err_has(&f, "Sex: Female");
	assert_err_has(&f, "twice");
	assert_int_equal(map(&f, dup_total, N(dup_total)), -1);
	assert_err_has(&f, "Sex: All persons");
	assert_err_has(&f, "twice");
}

static void test_map_missing_total(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code", "Sex: Female", "Sex: Male",
	};
	static const char *const eth[] = {
		"date", "geography", "geography code",
		ETH(ASIAN ": Indian"),
		ETH(ASIAN ": Other Asian"),
		ETH(WHITE_BRITISH),
		"Ethnic group: White: Irish",
		"Ethnic group: White: Other White",
		"Ethnic group: Other ethnic group",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, fields, N(fields)), -1);
	assert_err_has(&f, "Sex: All persons");
	assert_int_equal(map(&f, eth, N(eth)), -1);
	assert_err_has(&f, "Ethnic group: Total: All usual residents");
}

static void test_map_missing_leaf(void **state)
{
	static const char *const no_male[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female",
	};
	static const char *const no_irish[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		ETH(ASIAN),
		ETH(ASIAN ": Indian"),
		ETH(ASIAN ": Other Asian"),
		"Ethnic group: White",
		ETH(WHITE_BRITISH),
		"Ethnic group: White: Other White",
		"Ethnic group: Other ethnic group",
	};
	/* A top-level category without children is a leaf too. */
	static const char *const no_other[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		ETH(ASIAN ": Indian"),
		ETH(ASIAN ": Other Asian"),
		ETH(WHITE_BRITISH),
		"Ethnic group: White: Irish",
		"Ethnic group: White: Other White",
	};
	/* A parent alone does not stand in for its children. */
	static const char *const parent_only[] = {
		"date", "geography", "geography code",
		"Ethnic group: Total: All usual residents",
		ETH(ASIAN),
		"Ethnic group: White",
		"Ethnic group: Other ethnic group",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, no_male, N(no_male)), -1);
	assert_err_has(&f, "Sex: Male");
	assert_int_equal(map(&f, no_irish, N(no_irish)), -1);
	assert_err_has(&f, "Ethnic group: White: Irish");
	assert_int_equal(map(&f, no_other, N(no_other)), -1);
	assert_err_has(&f, "Ethnic group: Other ethnic group");
	assert_int_equal(map(&f, parent_only, N(parent_only)), -1);
	assert_err_has(&f, ETH(ASIAN ": Indian"));
}

/* A small error buffer is never overrun. */
static void test_map_small_error_buffer(void **state)
{
	static const char *const fields[] = {
		"date", "geography", "geography code", "Nonsense: x",
	};
	long cat_col[MAX_CATS];
	struct census_mapping m = { 0, 0, cat_col };
	char err[16];

	(void)state;
	memset(err, '#', sizeof(err));
	assert_int_equal(census_map_headings(catalogs, N(catalogs), fields, N(fields), &m, err, 8),
			 -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], '#');
}

/* ---- census_read_row ---- */

static void test_row_full(void **state)
{
	static const char *const row[] = {
		"2021", "Barnet", "E09000003", "389344",
		"70000", "30000", "40000",
		"250000", "200000", "10000", "40000",
		"69344",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), 0);
	assert_int_equal(f.total, 389344);
	assert_int_equal(f.counts[ASIAN_I], 70000);
	assert_int_equal(f.counts[ASIAN_INDIAN], 30000);
	assert_int_equal(f.counts[ASIAN_OTHER], 40000);
	assert_int_equal(f.counts[WHITE], 250000);
	assert_int_equal(f.counts[WHITE_BRIT], 200000);
	assert_int_equal(f.counts[WHITE_IRISH], 10000);
	assert_int_equal(f.counts[WHITE_OTHER], 40000);
	assert_int_equal(f.counts[OTHER], 69344);
	/* Not a census category: no count. */
	assert_true(f.counts[NOT_CENSUS] < 0);
}

static void test_row_parents_derived(void **state)
{
	static const char *const row[] = {
		"2021", "Barnet Vale", "E05013628", "15717",
		"1200", "800", "11000", "500", "1700", "517",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), 0);
	assert_int_equal(f.total, 15717);
	assert_int_equal(f.counts[ASIAN_I], 2000);
	assert_int_equal(f.counts[WHITE], 13200);
	assert_int_equal(f.counts[ASIAN_INDIAN], 1200);
	assert_int_equal(f.counts[WHITE_OTHER], 1700);
	assert_int_equal(f.counts[OTHER], 517);
	assert_true(f.counts[NOT_CENSUS] < 0);
}

static void test_row_zeros(void **state)
{
	static const char *const row[] = {
		"2021", "Nowhere", "E05000000", "0", "0", "0", "0", "0", "0", "0",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), 0);
	assert_int_equal(f.total, 0);
	assert_int_equal(f.counts[ASIAN_I], 0);
	assert_int_equal(f.counts[WHITE], 0);
}

/* Three levels: grandparents and parents derived, given ones checked. */
static void test_row_three_levels(void **state)
{
	static const char *const leaves[] = {
		"date", "geography", "geography code", "Level: Total", "Level: A: B: C",
		"Level: A: B: D", "Level: A: E",
	};
	static const char *const with_a[] = {
		"date", "geography", "geography code", "Level: Total", "Level: A", "Level: A: B: C",
		"Level: A: B: D", "Level: A: E",
	};
	static const char *const ok_row[] = { "2021", "x", "E1", "10", "2", "3", "5" };
	static const char *const ok_with_a[] = { "2021", "x", "E1", "10", "10", "2", "3", "5" };
	static const char *const bad_with_a[] = { "2021", "x", "E1", "10", "9", "2", "3", "5" };
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, leaves, N(leaves)), 0);
	assert_int_equal(f.map.catalog, CAT_LEVEL);
	assert_int_equal(f.cat_col[0], -1);
	assert_int_equal(f.cat_col[1], -1);
	assert_int_equal(read_row(&f, ok_row, N(ok_row)), 0);
	assert_int_equal(f.counts[1], 5);    /* A: B = C + D */
	assert_int_equal(f.counts[0], 10);   /* A = (A: B) + (A: E) */
	assert_int_equal(f.total, 10);

	/* A given grandparent is checked against the derived parent. */
	assert_int_equal(map(&f, with_a, N(with_a)), 0);
	assert_int_equal(read_row(&f, ok_with_a, N(ok_with_a)), 0);
	assert_int_equal(f.counts[1], 5);
	assert_int_equal(f.counts[0], 10);
	assert_int_equal(read_row(&f, bad_with_a, N(bad_with_a)), -1);
	assert_err_has(&f, "'Level: A'");
	assert_err_has(&f, "9");
	assert_err_has(&f, "10");
}

static void test_row_parent_mismatch(void **state)
{
	static const char *const row[] = {
		"2021", "Barnet", "E09000003", "389344",
		"70000", "30000", "40000",
		"250001", "200000", "10000", "40000",   /* White is one too many */
		"69344",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), -1);
	assert_err_has(&f, "Ethnic group: White");
	assert_err_has(&f, "250001");
	assert_err_has(&f, "250000");
	/* It names White, not one of its children. */
	assert_null(strstr(f.err, "Irish"));
	assert_null(strstr(f.err, "British"));
}

static void test_row_total_mismatch(void **state)
{
	static const char *const row[] = {
		"2021", "Barnet", "E09000003", "389345",
		"70000", "30000", "40000",
		"250000", "200000", "10000", "40000",
		"69344",
	};
	static const char *const sex_header[] = {
		"date", "geography", "geography code", "Sex: All persons", "Sex: Female", "Sex: Male",
	};
	static const char *const sex_row[] = { "2021", "Barnet", "E09000003", "389344", "200824", "188519" };
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), -1);
	assert_err_has(&f, "total");
	assert_err_has(&f, "389345");
	assert_err_has(&f, "389344");

	assert_int_equal(map(&f, sex_header, N(sex_header)), 0);
	assert_int_equal(read_row(&f, sex_row, N(sex_row)), -1);
	assert_err_has(&f, "389344");
	assert_err_has(&f, "389343");
}

/* Each bad text in the "White: Irish" column is refused, naming it. */
static void test_row_bad_counts(void **state)
{
	static const char *const bad[] = {
		"", "-1", "-0", "+5", " 5", "5 ", "5a", "abc", "1.5", "1e3", "0x10", "1,000",
		"99999999999999999999",   /* beyond 64 bits */
		"-", "..", "c",
	};
	const char *row[] = {
		"2021", "Barnet Vale", "E05013628", "15717",
		"1200", "800", "11000", NULL, "1700", "517",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	for (size_t i = 0; i < N(bad); i++) {
		row[7] = bad[i];
		if (read_row(&f, row, N(row)) != -1)
			fail_msg("count '%s' was accepted", bad[i]);
		assert_err_has(&f, "Ethnic group: White: Irish");
	}
	/* A good value in the same place is accepted. */
	row[7] = "500";
	assert_int_equal(read_row(&f, row, N(row)), 0);
}

static void test_row_bad_total(void **state)
{
	static const char *const bad[] = { "", "-1", "x", "15717.0", " 15717", "99999999999999999999" };
	const char *row[] = {
		"2021", "Barnet Vale", "E05013628", NULL,
		"1200", "800", "11000", "500", "1700", "517",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	for (size_t i = 0; i < N(bad); i++) {
		row[3] = bad[i];
		if (read_row(&f, row, N(row)) != -1)
			fail_msg("total '%s' was accepted", bad[i]);
		assert_err_has(&f, "total");
	}
}

/* A row shorter than the header is refused, not read past its end. */
static void test_row_short(void **state)
{
	static const char *const row[] = {
		"2021", "Barnet Vale", "E05013628", "15717",
		"1200", "800", "11000", "500", "1700", "517",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(read_row(&f, row, N(row) - 1), -1);
	assert_err_has(&f, "Ethnic group: Other ethnic group");
	assert_int_equal(read_row(&f, row, 3), -1);
	assert_err_has(&f, "total");
}

/* Counts beyond 32 bits are read exactly. */
static void test_row_large_numbers(void **state)
{
	static const char *const row[] = {
		"2021", "Big", "E1", "30000000005",
		"4000000000", "4000000001",
		"10000000000", "1", "2000000000",
		"10000000003",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), 0);
	assert_int_equal(f.total, INT64_C(30000000005));
	assert_int_equal(f.counts[ASIAN_I], INT64_C(8000000001));
	assert_int_equal(f.counts[WHITE], INT64_C(12000000001));
	assert_int_equal(f.counts[OTHER], INT64_C(10000000003));
}

/*
 * Counts that each parse but whose sum passes INT64_MAX must be refused, not
 * wrap: here the top-level categories add up to exactly 2^64, which wraps to
 * the stated total of 0.
 */
static void test_row_total_overflow(void **state)
{
	static const char *const row[] = {
		"2021", "Big", "E1", "0",
		"9223372036854775807", "0",            /* Asian = INT64_MAX */
		"9223372036854775807", "0", "0",       /* White = INT64_MAX */
		"2",                                    /* Other */
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_leaves_header, N(ethnic_leaves_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), -1);
}

/* The same for a parent: three children adding up to 2^64, parent given as 0. */
static void test_row_parent_overflow(void **state)
{
	static const char *const row[] = {
		"2021", "Big", "E1", "5",
		"2", "1", "1",
		"0", "9223372036854775807", "9223372036854775807", "2",
		"3",
	};
	struct fixture f;

	(void)state;
	assert_int_equal(map(&f, ethnic_header, N(ethnic_header)), 0);
	assert_int_equal(read_row(&f, row, N(row)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_full_header),
		cmocka_unit_test(test_map_any_category_order),
		cmocka_unit_test(test_map_missing_parents_allowed),
		cmocka_unit_test(test_map_measures_suffix),
		cmocka_unit_test(test_map_suffix_duplicate),
		cmocka_unit_test(test_map_fixed_columns),
		cmocka_unit_test(test_map_selects_catalog_by_prefix),
		cmocka_unit_test(test_map_unknown_prefix),
		cmocka_unit_test(test_map_unknown_heading),
		cmocka_unit_test(test_map_duplicate_heading),
		cmocka_unit_test(test_map_missing_total),
		cmocka_unit_test(test_map_missing_leaf),
		cmocka_unit_test(test_map_small_error_buffer),
		cmocka_unit_test(test_row_full),
		cmocka_unit_test(test_row_parents_derived),
		cmocka_unit_test(test_row_zeros),
		cmocka_unit_test(test_row_three_levels),
		cmocka_unit_test(test_row_parent_mismatch),
		cmocka_unit_test(test_row_total_mismatch),
		cmocka_unit_test(test_row_bad_counts),
		cmocka_unit_test(test_row_bad_total),
		cmocka_unit_test(test_row_short),
		cmocka_unit_test(test_row_large_numbers),
		cmocka_unit_test(test_row_total_overflow),
		cmocka_unit_test(test_row_parent_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
