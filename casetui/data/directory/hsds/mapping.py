"""Taxonomy terms mapped onto casetui's need categories and populations.

Terms and attributes are kept as words in ``Service.taxonomy_terms`` (searchable) and mapped
onto ``vocab.DOMAINS`` (need categories) and ``vocab.POPULATIONS`` by keyword (HSDS examples,
Open Eligibility human services and situations, AIRS/211 top-level codes). Terms of the
``casetui`` taxonomy, which the export writes, set categories, populations and genders exactly,
so that importing an export gives the same directory.
"""

from __future__ import annotations

import re
from functools import lru_cache

CASETUI_TAXONOMY = "casetui"

_DOMAIN_WORDS: list[tuple[str, str]] = [
    ("mental_health", r"mental health|counsel+ing|therapy|psychiatr|behavio(u)?ral health|crisis"),
    ("substance_use", r"substance|addiction|alcohol|drug|detox|sober|recovery|harm reduction|opioid"),
    ("physical_health", r"(?<!mental )health|medical|dental|clinic|vision|hospital|primary care|prescription"),
    ("housing", r"housing|shelter|\brent|eviction|tenan|homeless"),
    ("food", r"food|meal|pantry|nutrition|grocer|\bsnap\b|\bwic\b"),
    ("income", r"money|income|benefit|financ|\btax|cash|public assistance|utilit"),
    ("employment", r"\bwork|employ|\bjob|career|vocation"),
    ("education", r"educat|literacy|school|tutor|\besl\b|\bged\b|learning|class"),
    ("legal", r"legal|\blaw|court|justice|immigration|expunge"),
    ("transportation", r"transit|transport|\bbus\b|\brides?\b"),
    ("childcare", r"child ?care|day ?care|preschool|after.school|early childhood"),
    ("safety", r"domestic violence|abuse|safety|protective|victim"),
    ("social_support", r"support group|social|companion|recreation|community centre|community center|peer support"),
]
_POPULATION_WORDS: list[tuple[str, str]] = [
    ("veteran", r"veteran|military"),
    ("youth", r"youth|teen|adolescent|young adult"),
    ("older_adult", r"senior|older adult|elder|aging|ageing"),
    ("refugee", r"refugee|immigrant|asylum|newcomer|undocumented"),
    ("lgbtq", r"lgbt|gay|lesbian|transgender|queer|bisexual"),
    ("disability", r"disab|deaf|blind|wheelchair"),
    ("homeless", r"homeless|unhoused|unsheltered"),
    # "Survivors" alone is a benefit (Social Security survivors benefits), not a population.
    (
        "domestic_violence",
        r"domestic violence|intimate partner|(abuse|assault|violence|trafficking) survivor"
        r"|survivors? of (domestic|sexual|intimate|abuse|assault|violence|trafficking)",
    ),
    ("reentry", r"re-?entry|incarcerat|ex-offender|parole|probation"),
    ("family", r"famil|parent|children"),
]
# AIRS / 211 LA taxonomy top-level codes.
_AIRS_CODES = [
    ("BD", "food"),
    ("BH", "housing"),
    ("BT", "transportation"),
    ("NL", "income"),
    ("ND", "employment"),
    ("RX", "substance_use"),
    ("RP", "mental_health"),
    ("RR", "mental_health"),
    ("F", "legal"),
    ("H", "education"),
    ("L", "physical_health"),
    ("R", "mental_health"),
]
_AIRS_CODE = re.compile(r"[A-Z]{1,2}(-[\d.]+)*")
_COMPILED_DOMAINS = [(code, re.compile(pattern, re.I)) for code, pattern in _DOMAIN_WORDS]
_COMPILED_POPULATIONS = [(code, re.compile(pattern, re.I)) for code, pattern in _POPULATION_WORDS]
_GENDER_TERMS = {
    "women": "woman",
    "woman": "woman",
    "female": "woman",
    "girls": "woman",
    "men": "man",
    "man": "man",
    "male": "man",
    "boys": "man",
}


@lru_cache(maxsize=4096)
def map_term(name: str, code: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Need categories and populations a taxonomy term points to."""
    airs = bool(code) and _AIRS_CODE.fullmatch(code) is not None
    words = name if airs else f"{name} {code or ''}"
    domains = [domain for domain, pattern in _COMPILED_DOMAINS if pattern.search(words)]
    populations = [population for population, pattern in _COMPILED_POPULATIONS if pattern.search(words)]
    if not domains and airs:
        for prefix, domain in _AIRS_CODES:
            if code.startswith(prefix):
                domains = [domain]
                break
    return tuple(domains), tuple(populations)
