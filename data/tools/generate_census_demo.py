#!/usr/bin/env python3
"""Generate the ILLUSTRATIVE Census 2021 demo tables for Barnet (data/census/).

Stdlib only, deterministic (fixed random seed).  Run from anywhere:

    /usr/bin/python3 data/tools/generate_census_demo.py

What it does
------------
It reads the reference catalogue (data/areas.csv, data/characteristics.csv,
data/categories.csv) and writes, for each Census 2021 table below, one CSV in
the ONS bulk layout (`date`, `geography`, `geography code`, the total column,
then one column per category in sort_order, parents included), with one row
for the borough and one per ward, plus data/census/manifest.csv.

The borough figures are fixed so that they match the published headline
figures (see data/README.md); everything else, in particular every ward
breakdown, is SYNTHETIC: ward profiles below are plausible, not measured.

How a table is built: borough counts per leaf category (exact integers) and
ward totals are the margins; a seed matrix (ward total x borough share x a
ward profile multiplier x random noise) is fitted to both margins by
iterative proportional fitting, then rounded to integers with a controlled
rounding that keeps both margins exact.  Parents are sums of their children,
the total is the sum of the top-level categories and the borough row is the
sum of the ward rows, so all the additivity rules hold by construction; they
are nevertheless checked, together with every published figure, before any
file is written.  Any failure aborts with a message and exit status 1.
"""

import csv
import math
import os
import random
import sys
from fractions import Fraction

SEED = 20210321                     # census day; change only on purpose
DATE = "2021"
BOROUGH_CODE = "E09000003"
USUAL_RESIDENTS = 389_344           # rounds to the published 389,300
DATASET = "census-2021-demo"

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
OUT = os.path.join(DATA, "census")

# file name, characteristic code; the manifest lists them in this order.
TABLES = [
    ("ts021-ethnicity.csv", "ethnicity"),
    ("ts030-religion.csv", "religion"),
    ("ts008-sex.csv", "sex"),
    ("ts007a-age.csv", "age"),
    ("ts038-disability.csv", "disability"),
    ("ts077-sexual-orientation.csv", "sexual_orientation"),
    ("ts078-gender-identity.csv", "gender_identity"),
]
ALL_RESIDENT_TABLES = ["ethnicity", "religion", "sex", "age", "disability"]
AGED_16_PLUS_TABLES = ["sexual_orientation", "gender_identity"]

# ---------------------------------------------------------------------------
# Published figures (data/README.md) the borough row must reproduce.
# ---------------------------------------------------------------------------
PUBLISHED = {
    "usual_residents_rounded": 389_300,      # Barnet Council, Census 2021 page
    "disabled_pct": Fraction(128, 10),       # Barnet JSNA 2024
    "disabled_a_lot_pct": Fraction(57, 10),
    "disabled_a_little_pct": Fraction(71, 10),
    "jewish": 56_616,                        # press reports, TS030
    "minoritised_ethnic_pct": Fraction(423, 10),  # Annual Equalities Report
    "lgb_plus": 8_633,                       # Barnet JSNA 2024 (16+)
    "lgb_plus_pct": Fraction(28, 10),
    "gender_different": 2_550,               # Barnet JSNA 2024 (16+)
    "gender_different_pct": Fraction(8, 10),
}

# ---------------------------------------------------------------------------
# Borough composition.  Percentages of the table's universe, except where an
# exact count is given (int).  The category named in REMAINDER takes what is
# left so that the leaves add up to the total exactly.
# ---------------------------------------------------------------------------
BOROUGH_SHARES = {
    "ethnicity": {
        # non-White groups add up to 42.30%
        "asian_bangladeshi": 0.87, "asian_chinese": 2.31, "asian_indian": 7.74,
        "asian_pakistani": 1.58, "asian_other": 6.62,
        "black_african": 5.36, "black_caribbean": 1.12, "black_other": 1.07,
        "mixed_white_asian": 1.63, "mixed_white_black_african": 0.78,
        "mixed_white_black_caribbean": 0.93, "mixed_other": 2.09,
        "other_arab": 2.27, "other_any": 7.93,
        "white_irish": 1.96, "white_gypsy_irish_traveller": 0.05,
        "white_roma": 0.36, "white_other": 19.38, "white_british": None,
    },
    "religion": {
        "no_religion": 21.17, "christian": None, "buddhist": 1.19,
        "hindu": 5.92, "jewish": PUBLISHED["jewish"], "muslim": 12.24,
        "sikh": 0.49, "other_religion": 1.53, "not_answered": 6.98,
    },
    "sex": {"female": 51.58, "male": None},
    "age": {
        "age_0_4": 6.27, "age_5_9": 6.48, "age_10_14": 6.53, "age_15_19": 5.84,
        "age_20_24": 5.69, "age_25_29": 7.06, "age_30_34": 7.93,
        "age_35_39": None, "age_40_44": 7.41, "age_45_49": 6.84,
        "age_50_54": 6.47, "age_55_59": 5.88, "age_60_64": 4.93,
        "age_65_69": 3.91, "age_70_74": 3.58, "age_75_79": 2.87,
        "age_80_84": 2.14, "age_85_plus": 2.09,
    },
    "disability": {
        "disabled_limited_a_lot": 5.70, "disabled_limited_a_little": 7.10,
        "not_disabled_with_condition": 6.63, "not_disabled_no_condition": None,
    },
    "sexual_orientation": {
        "gay_lesbian": 3_980, "bisexual": 3_320, "other_orientation": 1_333,
        "not_answered": 8.66, "straight": None,
    },
    "gender_identity": {
        "different_no_identity_given": 1_210, "trans_woman": 470,
        "trans_man": 455, "other_gender_identity": 415,
        "not_answered": 7.23, "same_as_sex_at_birth": None,
    },
}

# ---------------------------------------------------------------------------
# Ward profiles (SYNTHETIC).  Population before scaling, then multipliers
# relative to the borough rate for the categories where a ward is known to
# differ (1.0 where not listed).  A multiplier of 0 makes a structural zero.
# ---------------------------------------------------------------------------
WARD_POPULATION = {
    "Barnet Vale": 15_900, "Brunswick Park": 16_300, "Burnt Oak": 18_600,
    "Childs Hill": 17_900, "Colindale North": 15_200,
    "Colindale South": 18_900, "Cricklewood": 14_700,
    "East Barnet": 16_100, "East Finchley": 16_600, "Edgware": 17_200,
    "Edgwarebury": 14_900, "Finchley Church End": 16_800,
    "Friern Barnet": 15_700, "Garden Suburb": 14_600,
    "Golders Green": 17_800, "Hendon": 17_100, "High Barnet": 15_100,
    "Mill Hill": 17_600, "Totteridge and Woodside": 14_800,
    "Underhill": 15_600, "West Finchley": 15_400, "West Hendon": 17_300,
    "Whetstone": 15_500, "Woodhouse": 16_800,
}

ETHNICITY = {
    "Barnet Vale": dict(white_british=1.5, white_other=0.8, asian_indian=0.6,
                        asian_other=0.6, asian_chinese=0.8, black_african=0.7,
                        other_any=0.5, other_arab=0.4, white_roma=0.2),
    "Brunswick Park": dict(white_british=1.1, white_other=1.25,
                           asian_indian=1.4, black_african=0.8,
                           white_roma=0.3),
    "Burnt Oak": dict(white_british=0.6, white_other=1.4, white_roma=3.2,
                      white_gypsy_irish_traveller=2.2, black_african=2.6,
                      black_caribbean=1.6, black_other=1.8, asian_indian=1.2,
                      asian_other=1.2, asian_pakistani=1.4,
                      asian_bangladeshi=1.5, other_any=1.3,
                      mixed_white_black_african=1.8,
                      mixed_white_black_caribbean=1.6),
    "Childs Hill": dict(white_british=0.8, white_other=1.3, other_arab=1.9,
                        other_any=1.4, asian_other=1.2, asian_chinese=1.1,
                        black_african=0.8, white_gypsy_irish_traveller=0.4),
    "Colindale North": dict(white_british=0.55, white_other=1.1,
                            white_roma=2.2, asian_indian=1.6,
                            asian_pakistani=1.8, asian_bangladeshi=1.6,
                            asian_chinese=1.8, asian_other=1.6,
                            black_african=2.0, black_other=1.6,
                            other_arab=1.8, other_any=1.3),
    "Colindale South": dict(white_british=0.5, white_roma=2.0,
                            asian_indian=1.5, asian_chinese=2.4,
                            asian_other=1.7, asian_pakistani=1.6,
                            black_african=2.1, black_other=1.5,
                            other_arab=2.0, other_any=1.4),
    "Cricklewood": dict(white_british=0.7, white_other=1.3, white_irish=1.8,
                        other_arab=2.4, other_any=1.6, black_african=1.3,
                        black_caribbean=1.3, asian_other=1.1,
                        white_gypsy_irish_traveller=0.6),
    "East Barnet": dict(white_british=1.4, asian_indian=0.8,
                        black_african=0.8, other_any=0.7, other_arab=0.5),
    "East Finchley": dict(white_british=1.4, white_irish=1.4, white_other=1.1,
                          asian_indian=0.7, asian_other=0.7,
                          asian_pakistani=0.7, black_african=0.8,
                          black_caribbean=1.2, mixed_other=1.4,
                          mixed_white_asian=1.3, other_any=0.6,
                          white_gypsy_irish_traveller=0.3),
    "Edgware": dict(white_british=0.8, white_other=0.9, asian_indian=2.0,
                    asian_other=1.3, asian_pakistani=1.2, other_any=1.2,
                    black_african=0.9),
    "Edgwarebury": dict(white_british=1.2, white_other=0.9, asian_indian=1.5,
                        black_african=0.5, black_other=0.5, other_arab=0.5,
                        white_gypsy_irish_traveller=0.0, white_roma=0.2),
    "Finchley Church End": dict(white_british=1.2, white_other=1.1,
                                asian_chinese=1.3, asian_other=0.9,
                                asian_indian=0.8, black_african=0.5,
                                other_any=0.8,
                                white_gypsy_irish_traveller=0.0),
    "Friern Barnet": dict(white_british=1.1, white_other=1.2,
                          black_african=1.3, black_caribbean=1.4,
                          asian_indian=0.9, mixed_white_black_caribbean=1.4,
                          other_any=0.9),
    "Garden Suburb": dict(white_british=1.6, asian_indian=0.9,
                          black_african=0.2, black_caribbean=0.3,
                          black_other=0.3, asian_bangladeshi=0.3,
                          asian_pakistani=0.4, other_any=0.7, other_arab=0.5,
                          white_gypsy_irish_traveller=0.0, white_roma=0.05),
    "Golders Green": dict(white_british=1.3, white_other=1.3, asian_other=0.5,
                          asian_indian=0.4, asian_bangladeshi=0.3,
                          asian_pakistani=0.4, black_african=0.3,
                          black_caribbean=0.3, black_other=0.3,
                          other_any=0.9, other_arab=0.4,
                          mixed_white_black_caribbean=0.5,
                          white_gypsy_irish_traveller=0.0, white_roma=0.1),
    "Hendon": dict(asian_indian=1.1, asian_chinese=1.5, other_arab=1.2,
                   other_any=1.1, black_african=0.9),
    "High Barnet": dict(white_british=1.7, white_other=0.8, asian_indian=0.6,
                        asian_other=0.6, black_african=0.5, other_any=0.5,
                        other_arab=0.3, white_roma=0.1),
    "Mill Hill": dict(white_british=1.1, white_other=0.9, asian_indian=1.5,
                      asian_other=1.2, asian_chinese=1.1, black_african=0.8),
    "Totteridge and Woodside": dict(white_british=1.3, asian_indian=1.2,
                                    black_african=0.7, other_any=0.8,
                                    white_gypsy_irish_traveller=0.3,
                                    white_roma=0.1),
    "Underhill": dict(white_british=1.4, white_irish=1.3,
                      white_gypsy_irish_traveller=2.6, black_african=1.1,
                      black_caribbean=1.3, mixed_white_black_caribbean=1.6,
                      asian_indian=0.5, asian_other=0.7, other_any=0.6,
                      other_arab=0.4),
    "West Finchley": dict(white_british=1.2, white_other=1.1,
                          asian_indian=0.8, asian_chinese=1.1,
                          black_african=0.7, other_any=0.9),
    "West Hendon": dict(white_british=0.6, white_other=1.3, white_roma=2.4,
                        black_african=2.2, black_caribbean=1.5,
                        black_other=1.7, asian_indian=1.2, asian_other=1.4,
                        asian_pakistani=1.6, asian_bangladeshi=1.4,
                        other_arab=2.0, other_any=1.5),
    "Whetstone": dict(white_british=1.3, white_other=1.1, asian_indian=0.8,
                      black_african=0.8, other_any=0.8),
    "Woodhouse": dict(white_other=1.2, black_african=1.2, black_caribbean=1.2),
}

# Jewish share (%) aimed at per ward; rescaled to the published borough total.
JEWISH_PCT = {
    "Golders Green": 46, "Garden Suburb": 38, "Edgwarebury": 38,
    "Hendon": 28, "Finchley Church End": 27, "Edgware": 25,
    "Childs Hill": 22, "Totteridge and Woodside": 20, "Mill Hill": 18,
    "West Finchley": 17, "East Finchley": 10, "Whetstone": 8,
    "Woodhouse": 7, "Cricklewood": 6, "West Hendon": 5,
    "Colindale South": 4, "Colindale North": 3, "High Barnet": 3,
    "Barnet Vale": 3, "East Barnet": 3, "Brunswick Park": 3,
    "Friern Barnet": 3, "Underhill": 2, "Burnt Oak": 1,
}

RELIGION = {
    "Barnet Vale": dict(christian=1.35, no_religion=1.25, muslim=0.5,
                        hindu=0.6),
    "Brunswick Park": dict(christian=1.3, hindu=1.4, muslim=0.8),
    "Burnt Oak": dict(christian=1.4, muslim=1.8, hindu=1.4, no_religion=0.7,
                      buddhist=1.3),
    "Childs Hill": dict(muslim=1.3, no_religion=1.1, christian=0.9),
    "Colindale North": dict(muslim=2.0, hindu=1.5, buddhist=1.6,
                            christian=0.9, no_religion=0.8, sikh=1.6),
    "Colindale South": dict(muslim=2.1, hindu=1.5, buddhist=2.0,
                            christian=0.9, no_religion=0.8, sikh=1.4),
    "Cricklewood": dict(muslim=1.9, christian=1.1, no_religion=1.1),
    "East Barnet": dict(christian=1.35, no_religion=1.2, muslim=0.6),
    "East Finchley": dict(no_religion=1.55, christian=1.0, muslim=0.7,
                          buddhist=1.3),
    "Edgware": dict(hindu=2.0, muslim=1.1, sikh=1.8, christian=0.75),
    "Edgwarebury": dict(hindu=1.6, christian=0.8, muslim=0.5, sikh=1.5),
    "Finchley Church End": dict(christian=0.9, muslim=0.6),
    "Friern Barnet": dict(christian=1.3, no_religion=1.25, muslim=0.8),
    "Garden Suburb": dict(christian=0.95, muslim=0.45, hindu=0.8, sikh=0.03,
                          buddhist=0.6, other_religion=0.8),
    "Golders Green": dict(christian=0.85, no_religion=0.75, muslim=0.45,
                          hindu=0.4, sikh=0.02, buddhist=0.5,
                          not_answered=1.4),
    "Hendon": dict(muslim=1.2, christian=0.8, buddhist=1.3),
    "High Barnet": dict(christian=1.45, no_religion=1.35, muslim=0.4,
                        hindu=0.5, sikh=0.4),
    "Mill Hill": dict(hindu=1.3, christian=1.0, sikh=1.2),
    "Totteridge and Woodside": dict(christian=1.0, hindu=1.1, muslim=0.6),
    "Underhill": dict(christian=1.45, no_religion=1.3, muslim=0.7, hindu=0.4,
                      sikh=0.3),
    "West Finchley": dict(no_religion=1.1, muslim=0.7),
    "West Hendon": dict(muslim=1.9, christian=1.15, hindu=1.2, buddhist=1.3),
    "Whetstone": dict(christian=1.25, no_religion=1.25, muslim=0.7),
    "Woodhouse": dict(christian=1.2, no_religion=1.2),
}

# Age structure: (children 0-19, young adults 20-39, older 65+) multipliers.
AGE_PROFILE = {
    "Barnet Vale": (1.0, 0.85, 1.25), "Brunswick Park": (1.05, 0.9, 1.1),
    "Burnt Oak": (1.15, 1.15, 0.75), "Childs Hill": (0.95, 1.2, 0.85),
    "Colindale North": (1.0, 1.45, 0.5), "Colindale South": (0.9, 1.55, 0.45),
    "Cricklewood": (0.95, 1.3, 0.7), "East Barnet": (1.0, 0.95, 1.15),
    "East Finchley": (0.95, 1.15, 0.9), "Edgware": (1.05, 0.95, 1.15),
    "Edgwarebury": (1.0, 0.75, 1.45), "Finchley Church End": (1.05, 0.9, 1.2),
    "Friern Barnet": (0.95, 1.1, 0.95), "Garden Suburb": (0.95, 0.65, 1.6),
    "Golders Green": (1.55, 0.95, 0.85), "Hendon": (1.05, 1.15, 0.85),
    "High Barnet": (0.95, 0.8, 1.45), "Mill Hill": (1.05, 0.9, 1.2),
    "Totteridge and Woodside": (1.0, 0.7, 1.55), "Underhill": (1.05, 0.95, 1.1),
    "West Finchley": (1.0, 0.95, 1.1), "West Hendon": (1.1, 1.2, 0.7),
    "Whetstone": (0.95, 0.9, 1.3), "Woodhouse": (1.0, 1.0, 1.05),
}

# Deprivation-like factor for disability (limited a lot most affected).
DISABILITY_FACTOR = {
    "Burnt Oak": 1.35, "Underhill": 1.3, "West Hendon": 1.25,
    "Colindale North": 1.1, "Cricklewood": 1.15, "Friern Barnet": 1.1,
    "Childs Hill": 1.05, "Garden Suburb": 0.75, "Totteridge and Woodside": 0.85,
    "Finchley Church End": 0.85, "Edgwarebury": 0.9, "Mill Hill": 0.9,
    "Golders Green": 0.95,
}

# Sexual orientation: (LGB+ multiplier, not-answered multiplier).
ORIENTATION = {
    "East Finchley": (1.9, 0.9), "Childs Hill": (1.5, 1.0),
    "Cricklewood": (1.6, 1.1), "West Hendon": (1.3, 1.2),
    "Colindale South": (1.35, 1.25), "Colindale North": (1.1, 1.25),
    "Hendon": (1.3, 1.0), "Burnt Oak": (0.9, 1.3), "Friern Barnet": (1.2, 1.0),
    "West Finchley": (1.1, 0.9), "Golders Green": (0.35, 1.6),
    "Edgwarebury": (0.55, 1.2), "Garden Suburb": (0.8, 1.0),
    "Totteridge and Woodside": (0.55, 1.0), "Mill Hill": (0.8, 1.0),
    "Edgware": (0.7, 1.15), "High Barnet": (0.9, 0.85),
    "Barnet Vale": (0.9, 0.85), "Brunswick Park": (0.75, 1.0),
}

# Gender identity: (different/trans multiplier, not-answered multiplier).
# The ONS notes that "different, no specific identity" answers are more
# common where English is not a main language; trans categories are small.
GENDER_IDENTITY = {
    "Colindale North": (1.8, 1.3), "Colindale South": (1.9, 1.3),
    "Burnt Oak": (1.7, 1.3), "West Hendon": (1.6, 1.2),
    "Cricklewood": (1.4, 1.1), "Hendon": (1.3, 1.0),
    "East Finchley": (1.3, 0.9), "Childs Hill": (1.2, 1.0),
    "Garden Suburb": (0.15, 0.9), "Totteridge and Woodside": (0.2, 0.9),
    "Edgwarebury": (0.2, 1.1), "Golders Green": (0.3, 1.5),
    "High Barnet": (0.45, 0.85), "Whetstone": (0.5, 0.9),
    "Barnet Vale": (0.5, 0.85), "Mill Hill": (0.6, 1.0),
    "Finchley Church End": (0.5, 1.0), "Woodhouse": (0.7, 1.0),
}

# Noise (sigma of a log-normal multiplier) by category; default below.
NOISE_DEFAULT = 0.08
NOISE = {
    "white_gypsy_irish_traveller": 0.7, "white_roma": 0.45,
    "mixed_white_black_african": 0.2, "black_other": 0.2,
    "asian_bangladeshi": 0.25, "asian_pakistani": 0.2, "other_arab": 0.2,
    "sikh": 0.5, "buddhist": 0.25, "other_religion": 0.2, "jewish": 0.05,
    "female": 0.01, "male": 0.01,
    "disabled_limited_a_lot": 0.08, "disabled_limited_a_little": 0.06,
    "gay_lesbian": 0.2, "bisexual": 0.2, "other_orientation": 0.3,
    "different_no_identity_given": 0.3, "trans_woman": 0.5,
    "trans_man": 0.5, "other_gender_identity": 0.5,
}


class ConstraintError(Exception):
    pass


def require(cond, msg):
    if not cond:
        raise ConstraintError(msg)


# ---------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------
def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_catalogue():
    areas = read_csv(os.path.join(DATA, "areas.csv"))
    chars = {r["code"]: r for r in read_csv(os.path.join(DATA, "characteristics.csv"))}
    cats = {}
    for r in read_csv(os.path.join(DATA, "categories.csv")):
        cats.setdefault(r["characteristic"], []).append(r)
    for lst in cats.values():
        lst.sort(key=lambda r: int(r["sort_order"]))
    return areas, chars, cats


class Table:
    """Census categories of one characteristic, in column order."""

    def __init__(self, char, cats):
        self.char = char
        self.prefix = char["census_prefix"]
        self.total_heading = char["census_total_heading"]
        self.cats = [c for c in cats if c["census_heading"]]
        self.codes = [c["code"] for c in self.cats]
        self.children = {c: [] for c in self.codes}
        for c in self.cats:
            if c["parent"]:
                self.children[c["parent"]].append(c["code"])
        self.top = [c["code"] for c in self.cats if not c["parent"]]
        self.leaves = [c for c in self.codes if not self.children[c]]

    def header(self):
        return (["date", "geography", "geography code",
                 "%s: %s" % (self.prefix, self.total_heading)]
                + ["%s: %s" % (self.prefix, c["census_heading"]) for c in self.cats])

    def full_row(self, leaf_counts):
        """leaf counts -> {code: count} with parents, plus 'total'."""
        row = dict(leaf_counts)

        def value(code):
            if code not in row:
                row[code] = sum(value(k) for k in self.children[code])
            return row[code]

        for c in self.codes:
            value(c)
        row["total"] = sum(row[c] for c in self.top)
        return row


# ---------------------------------------------------------------------------
# Numerics
# ---------------------------------------------------------------------------
def split_total(total, shares):
    """Exact integer counts per key from percentages / fixed counts;
    the key whose share is None takes the remainder."""
    out, rest = {}, None
    for k, v in shares.items():
        if v is None:
            require(rest is None, "two remainder categories in %r" % shares)
            rest = k
        elif isinstance(v, int):
            out[k] = v
        else:
            out[k] = int(round(total * v / 100.0))
    require(rest is not None, "no remainder category in %r" % shares)
    out[rest] = total - sum(out.values())
    require(out[rest] >= 0, "remainder %s negative" % rest)
    return out


def largest_remainder(total, weights):
    """Split an integer total in proportion to weights, exactly."""
    s = float(sum(weights))
    raw = [total * w / s for w in weights]
    base = [int(math.floor(x)) for x in raw]
    left = total - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:left]:
        base[i] += 1
    return base


def ipf(seed, row_tot, col_tot, iters=5000, tol=1e-9):
    m = [list(r) for r in seed]
    R, C = len(m), len(m[0])
    for _ in range(iters):
        for i in range(R):
            s = sum(m[i])
            require(s > 0 or row_tot[i] == 0, "row %d has no room" % i)
            if s > 0:
                f = row_tot[i] / s
                m[i] = [x * f for x in m[i]]
        for j in range(C):
            s = sum(m[i][j] for i in range(R))
            require(s > 0 or col_tot[j] == 0, "column %d has no room" % j)
            if s > 0:
                f = col_tot[j] / s
                for i in range(R):
                    m[i][j] *= f
        err = max(abs(sum(m[i]) - row_tot[i]) for i in range(R))
        if err < tol:
            return m
    raise ConstraintError("IPF did not converge (row error %g)" % err)


def controlled_round(m, row_tot, col_tot):
    """Integers with the same row and column totals, each cell the floor or
    (almost always) the ceiling of the fitted value."""
    R, C = len(m), len(m[0])
    out = [[int(math.floor(x + 1e-9)) for x in r] for r in m]
    rd = [row_tot[i] - sum(out[i]) for i in range(R)]
    cd = [col_tot[j] - sum(out[i][j] for i in range(R)) for j in range(C)]
    cells = sorted(((m[i][j] - out[i][j], i, j) for i in range(R) for j in range(C)
                    if m[i][j] > 0), key=lambda t: (-t[0], t[1], t[2]))
    for frac, i, j in cells:
        if rd[i] > 0 and cd[j] > 0:
            out[i][j] += 1
            rd[i] -= 1
            cd[j] -= 1
    for i in range(R):
        while rd[i] > 0:
            cands = [j for j in range(C) if cd[j] > 0 and m[i][j] > 0]
            require(cands, "controlled rounding stuck at row %d" % i)
            j = max(cands, key=lambda j: (m[i][j] - out[i][j], -j))
            out[i][j] += 1
            rd[i] -= 1
            cd[j] -= 1
    require(all(v == 0 for v in rd) and all(v == 0 for v in cd),
            "controlled rounding left residuals")
    require(all(v >= 0 for r in out for v in r), "negative count after rounding")
    return out


def fit(row_tot, col_tot, seed):
    return controlled_round(ipf(seed, row_tot, col_tot), row_tot, col_tot)


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------
def build(areas, chars, cats):
    rng = random.Random(SEED)
    wards = [a for a in areas if a["kind"] == "ward"]
    borough = [a for a in areas if a["code"] == BOROUGH_CODE]
    require(len(borough) == 1, "borough %s missing from areas.csv" % BOROUGH_CODE)
    require(len(wards) == 24, "expected 24 wards, found %d" % len(wards))
    names = [w["name"] for w in wards]
    for table in (WARD_POPULATION, ETHNICITY, JEWISH_PCT, RELIGION, AGE_PROFILE):
        require(set(table) == set(names),
                "ward profile names differ from areas.csv: %s"
                % sorted(set(table) ^ set(names)))

    tables = {code: Table(chars[code], cats[code]) for _, code in TABLES}

    def noise(code):
        return rng.lognormvariate(0.0, NOISE.get(code, NOISE_DEFAULT))

    # Ward populations: profile +- jitter, scaled to the borough total.
    weights = [WARD_POPULATION[n] * rng.uniform(0.985, 1.015) for n in names]
    pop = largest_remainder(USUAL_RESIDENTS, weights)

    leaf = {}   # characteristic -> list (per ward) of {leaf code: count}

    def make(char_code, row_tot, mult):
        t = tables[char_code]
        borough_counts = split_total(sum(row_tot), BOROUGH_SHARES[char_code])
        require(set(borough_counts) == set(t.leaves),
                "%s: shares do not name exactly the leaf categories" % char_code)
        cols = t.leaves
        col_tot = [borough_counts[c] for c in cols]
        seed = []
        for i, n in enumerate(names):
            seed.append([row_tot[i] * (col_tot[j] / float(sum(col_tot)))
                         * mult(n, c) * (noise(c) if mult(n, c) > 0 else 0.0)
                         for j, c in enumerate(cols)])
        m = fit(row_tot, col_tot, seed)
        leaf[char_code] = [dict(zip(cols, r)) for r in m]

    # Ethnicity
    make("ethnicity", pop, lambda n, c: ETHNICITY[n].get(c, 1.0))

    # Religion (Jewish share by ward; the rest from the profiles)
    jewish_borough = sum(JEWISH_PCT[n] * p for n, p in zip(names, pop)) / USUAL_RESIDENTS

    def religion_mult(n, c):
        if c == "jewish":
            return JEWISH_PCT[n] / jewish_borough
        m = RELIGION[n].get(c, 1.0)
        # Non-Jewish religions fill the space left by the Jewish share.
        return m * (100 - JEWISH_PCT[n]) / (100 - jewish_borough)
    make("religion", pop, religion_mult)

    # Age
    def age_mult(n, c):
        kc, ky, ko = AGE_PROFILE[n]
        lo = int(c.split("_")[1])
        if lo < 20:
            return kc
        if lo < 40:
            return ky
        if lo >= 65:
            return ko
        return 1.0
    make("age", pop, age_mult)

    age_bands = tables["age"].leaves
    old = [sum(leaf["age"][i][c] for c in age_bands if int(c.split("_")[1]) >= 65) / float(pop[i])
           for i in range(len(names))]
    old_borough = sum(o * p for o, p in zip(old, pop)) / USUAL_RESIDENTS

    # Sex: slightly more women where more residents are old.
    make("sex", pop, lambda n, c: (1.0 + 0.08 * (old[names.index(n)] / old_borough - 1.0))
         if c == "female" else 1.0)

    # Disability: follows the share aged 65+, and a deprivation-like factor.
    def disability_mult(n, c):
        i = names.index(n)
        age_f = 0.55 + 0.45 * old[i] / old_borough
        dep = DISABILITY_FACTOR.get(n, 1.0)
        if c == "disabled_limited_a_lot":
            return age_f * dep
        if c == "disabled_limited_a_little":
            return age_f * (1.0 + 0.5 * (dep - 1.0))
        if c == "not_disabled_with_condition":
            return 0.8 + 0.2 * age_f
        return 1.0
    make("disability", pop, disability_mult)

    # Aged 16 and over: the 20+ bands, plus four fifths of the 15-19 band.
    pop16 = []
    for i in range(len(names)):
        a = leaf["age"][i]
        under15 = a["age_0_4"] + a["age_5_9"] + a["age_10_14"]
        pop16.append(pop[i] - under15 - int(round(a["age_15_19"] / 5.0)))

    def orientation_mult(n, c):
        lgb, na = ORIENTATION.get(n, (1.0, 1.0))
        if c in ("gay_lesbian", "bisexual", "other_orientation"):
            return lgb
        if c == "not_answered":
            return na
        return 1.0
    make("sexual_orientation", pop16, orientation_mult)

    def gender_mult(n, c):
        diff, na = GENDER_IDENTITY.get(n, (1.0, 1.0))
        if c in ("different_no_identity_given", "trans_woman", "trans_man",
                 "other_gender_identity"):
            return diff
        if c == "not_answered":
            return na
        return 1.0
    make("gender_identity", pop16, gender_mult)

    # Full rows: borough first (sum of wards), then wards in code order.
    result = {}
    for fname, code in TABLES:
        t = tables[code]
        ward_rows = [t.full_row(leaf[code][i]) for i in range(len(names))]
        b = {k: sum(r[k] for r in ward_rows) for k in ward_rows[0]}
        rows = [(borough[0], b)] + list(zip(wards, ward_rows))
        result[code] = rows
    return tables, result


# ---------------------------------------------------------------------------
# Checks (everything the tests rely on)
# ---------------------------------------------------------------------------
def pct_rounds_to(count, base, target):
    """count/base*100, rounded half up to one decimal place, == target."""
    x = Fraction(count * 100, base)
    lo, hi = target - Fraction(1, 20), target + Fraction(1, 20)
    return lo <= x < hi


def check(tables, result, areas):
    ward_codes = [a["code"] for a in areas if a["kind"] == "ward"]
    for code, rows in result.items():
        t = tables[code]
        require([a["code"] for a, _ in rows] == [BOROUGH_CODE] + ward_codes,
                "%s: rows are not borough + 24 wards in order" % code)
        for area, r in rows:
            for k, v in r.items():
                require(isinstance(v, int) and v >= 0,
                        "%s %s %s: %r not a non-negative integer" % (code, area["code"], k, v))
            require(r["total"] == sum(r[c] for c in t.top),
                    "%s %s: total != sum of top-level categories" % (code, area["code"]))
            for p, kids in t.children.items():
                if kids:
                    require(r[p] == sum(r[k] for k in kids),
                            "%s %s: %s != sum of children" % (code, area["code"], p))
        b = rows[0][1]
        for k in b:
            require(b[k] == sum(r[k] for _, r in rows[1:]),
                    "%s: borough %s != sum of wards" % (code, k))

    totals = lambda code: [r["total"] for _, r in result[code]]
    pop = totals("ethnicity")
    for code in ALL_RESIDENT_TABLES:
        require(totals(code) == pop, "%s: totals differ from ethnicity" % code)
    require(pop[0] == USUAL_RESIDENTS, "borough usual residents %d" % pop[0])
    require(int(round(pop[0], -2)) == PUBLISHED["usual_residents_rounded"],
            "usual residents do not round to the published figure")
    for p in pop[1:]:
        require(14_000 <= p <= 19_000, "ward population %d out of 14,000-19,000" % p)

    pop16 = totals("sexual_orientation")
    require(totals("gender_identity") == pop16, "16+ totals differ between TS077 and TS078")
    for (area, a), p, p16 in zip(result["age"], pop, pop16):
        aged20 = sum(v for k, v in a.items() if k.startswith("age_") and
                     k != "age_15_19" and int(k.split("_")[1]) >= 20)
        require(aged20 <= p16 <= aged20 + a["age_15_19"] < p,
                "%s: 16+ total %d inconsistent with the age bands" % (area["code"], p16))

    B = {code: result[code][0][1] for code in result}
    T, T16 = pop[0], pop16[0]
    d = B["disability"]
    require(pct_rounds_to(d["disabled"], T, PUBLISHED["disabled_pct"]), "disabled share")
    require(pct_rounds_to(d["disabled_limited_a_lot"], T, PUBLISHED["disabled_a_lot_pct"]),
            "limited a lot share")
    require(pct_rounds_to(d["disabled_limited_a_little"], T, PUBLISHED["disabled_a_little_pct"]),
            "limited a little share")
    require(B["religion"]["jewish"] == PUBLISHED["jewish"], "Jewish count")
    e = B["ethnicity"]
    nonwhite = e["asian"] + e["black"] + e["mixed"] + e["other"]
    require(nonwhite == T - e["white"], "ethnicity groups inconsistent")
    require(pct_rounds_to(nonwhite, T, PUBLISHED["minoritised_ethnic_pct"]), "non-White share")
    s = B["sexual_orientation"]
    lgb = s["gay_lesbian"] + s["bisexual"] + s["other_orientation"]
    require(lgb == PUBLISHED["lgb_plus"], "LGB+ count %d" % lgb)
    require(pct_rounds_to(lgb, T16, PUBLISHED["lgb_plus_pct"]), "LGB+ share")
    g = B["gender_identity"]
    gd = g["total"] - g["same_as_sex_at_birth"] - g["not_answered"]
    require(gd == PUBLISHED["gender_different"], "gender identity different %d" % gd)
    require(pct_rounds_to(gd, T16, PUBLISHED["gender_different_pct"]), "gender different share")

    # Plausibility of the synthetic ward pattern.
    def share(code, cat, name):
        for area, r in result[code][1:]:
            if area["name"] == name:
                return r[cat] / float(r["total"])
        raise ConstraintError("no ward " + name)
    wnames = [a["name"] for a in areas if a["kind"] == "ward"]
    jew = sorted(wnames, key=lambda n: -share("religion", "jewish", n))
    for n in ("Golders Green", "Garden Suburb", "Edgwarebury", "Hendon", "Finchley Church End"):
        require(n in jew[:7], "Jewish population not concentrated in " + n)
    for n in ("Colindale North", "Colindale South", "Burnt Oak", "West Hendon"):
        for grp in ("black", "asian"):
            require(share("ethnicity", grp, n) > B["ethnicity"][grp] / float(T),
                    "%s share in %s not above the borough's" % (grp, n))

    # Disclosure control must have something to do.
    def ward_cells(code, cat_codes=None):
        return [r[k] for _, r in result[code][1:] for k in r
                if k != "total" and (cat_codes is None or k in cat_codes)]
    small = lambda vals: sum(1 for v in vals if 1 <= v <= 4)
    require(small(ward_cells("ethnicity", ["white_gypsy_irish_traveller", "white_roma"])) >= 2,
            "too few small Gypsy/Roma ward cells")
    require(small(ward_cells("gender_identity", ["trans_woman", "trans_man",
                                                 "other_gender_identity"])) >= 3,
            "too few small trans ward cells")
    require(small(ward_cells("religion")) >= 2, "too few small religion ward cells")
    zeros = sum(1 for code in result for v in ward_cells(code) if v == 0)
    require(zeros >= 3, "too few zero ward cells (%d)" % zeros)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
def write(tables, result):
    os.makedirs(OUT, exist_ok=True)
    for fname, code in TABLES:
        t = tables[code]
        path = os.path.join(OUT, fname)
        with open(path + ".tmp", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(t.header())
            for area, r in result[code]:
                w.writerow([DATE, area["name"], area["code"], r["total"]]
                           + [r[c] for c in t.codes])
        os.replace(path + ".tmp", path)
    path = os.path.join(OUT, "manifest.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "dataset"])
        for fname, _ in TABLES:
            w.writerow([fname, DATASET])


def summary(result):
    B = {code: result[code][0][1] for code in result}
    T = B["ethnicity"]["total"]
    T16 = B["sexual_orientation"]["total"]
    e, d, s, g = B["ethnicity"], B["disability"], B["sexual_orientation"], B["gender_identity"]
    nonwhite = T - e["white"]
    lgb = s["gay_lesbian"] + s["bisexual"] + s["other_orientation"]
    gd = g["total"] - g["same_as_sex_at_birth"] - g["not_answered"]
    p = lambda n, base: "%.2f%%" % (100.0 * n / base)
    print("borough usual residents %d; aged 16+ %d" % (T, T16))
    print("disabled %d (%s): a lot %d (%s), a little %d (%s)" % (
        d["disabled"], p(d["disabled"], T), d["disabled_limited_a_lot"],
        p(d["disabled_limited_a_lot"], T), d["disabled_limited_a_little"],
        p(d["disabled_limited_a_little"], T)))
    print("Jewish %d; non-White %d (%s)" % (B["religion"]["jewish"], nonwhite, p(nonwhite, T)))
    print("LGB+ %d (%s of 16+); gender identity different %d (%s of 16+)" % (
        lgb, p(lgb, T16), gd, p(gd, T16)))


def main():
    try:
        areas, chars, cats = load_catalogue()
        tables, result = build(areas, chars, cats)
        check(tables, result, areas)
    except (ConstraintError, KeyError, ValueError) as exc:
        print("generate_census_demo: FAILED: %s: %s" % (type(exc).__name__, exc),
              file=sys.stderr)
        return 1
    write(tables, result)
    summary(result)
    print("wrote %d tables and manifest.csv to %s" % (len(TABLES), OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
