"""Language and gender codes as a directory and a client record write them, and the tag keys
that directory search filters on (shared by the SQLite and PostgreSQL searches)."""

from __future__ import annotations

import re
from functools import lru_cache

from casetui.data.domain import vocab

# Languages are IETF/BCP 47 language subtags through langcodes (with language-data's names):
# "Spanish", "español", "es", "spa" and "es-MX" are all "es"; "Hmong" and "hmn" are "hmn";
# "Cantonese" stays "yue", apart from Chinese ("zh").
# What case managers and directories mean differently from the standard's nearest answer:
_SAME_TO_US = {
    "cmn": "zh",  # directories write "Chinese" for Mandarin services
    "fil": "tl",  # Filipino and Tagalog: one language to a referral
    "asl": "ase",  # "ASL" is American Sign Language, not Asilulu
    "kreyol": "ht",
    "kreyòl": "ht",
    "creole": "ht",
    "karen": "kar",  # the Karen languages (Sgaw, Pwo...), as refugee services list them
    "chin": "cnh",  # Hakha Chin, the Chin most US services mean
}
_TAG = re.compile(r"[a-z]{2,3}([-_][a-z0-9]{2,8})*")


@lru_cache(maxsize=4096)
def language_code(value: str | None) -> str:
    """ "Spanish", "es", "spa", "es-MX" -> "es"; "Hmong" -> "hmn"; an unknown language -> its
    name in lower case (kept, so it still matches itself)."""
    if not value:
        return ""
    raw = " ".join(str(value).strip().lower().split())
    if raw in _SAME_TO_US:
        return _SAME_TO_US[raw]
    import langcodes  # here: importing it takes a third of a second, which start-up should not pay

    language = None
    if _TAG.fullmatch(raw) and langcodes.tag_is_valid(raw.replace("_", "-")):
        language = langcodes.Language.get(raw.replace("_", "-")).language
    if language is None:
        try:
            language = langcodes.find(raw).language
        except LookupError:
            return raw
    return _SAME_TO_US.get(language, language) or raw


@lru_cache(maxsize=4096)
def language_label(code: str | None) -> str:
    """The language's English name ("Spanish", "Hmong", "Cantonese")."""
    code = language_code(code)
    if not code:
        return ""
    import langcodes

    if _TAG.fullmatch(code) and langcodes.tag_is_valid(code):
        name = langcodes.Language.get(code).display_name()
        if name and not name.lower().startswith("unknown language"):
            return name
    return code.title()


def is_language_tag(code: str) -> bool:
    """A code ``language_code`` gave is a standard tag (not the name of a language it did not know)."""
    import langcodes

    return bool(code) and _TAG.fullmatch(code) is not None and langcodes.tag_is_valid(code)


@lru_cache(maxsize=1)
def common_languages() -> dict[str, str]:
    """code -> name of the languages a picker offers: every language with a million speakers
    or more (CLDR's figures in language-data), and those US resettlement services often list,
    by name."""
    from language_data.population_data import LANGUAGE_SPEAKING_POPULATION

    codes = {code for code, people in LANGUAGE_SPEAKING_POPULATION.items() if "-" not in code and people >= 1_000_000}
    codes |= {"hmn", "kar", "cnh", "ase", "prs", "ti", "so", "ht", "chk", "mh", "sm", "to"}
    names = {language_code(code): language_label(code) for code in codes}
    return dict(sorted(names.items(), key=lambda item: item[1]))


class _Languages(dict):
    """``LANGUAGES`` (code -> name) filled on first use: naming hundreds of languages takes a
    second, which start-up should not pay."""

    def _fill(self) -> None:
        if not dict.__len__(self):
            self.update(common_languages())

    def __contains__(self, key) -> bool:
        self._fill()
        return dict.__contains__(self, key)

    def __getitem__(self, key):
        self._fill()
        return dict.__getitem__(self, key)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def get(self, key, default=None):
        self._fill()
        return dict.get(self, key, default)

    def items(self):
        self._fill()
        return dict.items(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def keys(self):
        self._fill()
        return dict.keys(self)


LANGUAGES: dict[str, str] = _Languages()


_GENDER_WORDS = {
    "woman": "woman",
    "women": "woman",
    "female": "woman",
    "f": "woman",
    "girls": "woman",
    "girl": "woman",
    "man": "man",
    "men": "man",
    "male": "man",
    "m": "man",
    "boys": "man",
    "boy": "man",
    "non-binary": "non_binary",
    "nonbinary": "non_binary",
    "non_binary": "non_binary",
    "transgender": "transgender",
    "trans": "transgender",
}


def gender_code(value: str | None) -> str | None:
    if not value:
        return None
    raw = str(value).strip().lower()
    if raw in vocab.GENDERS:
        return raw
    return _GENDER_WORDS.get(raw)


def tag_key(value: str) -> str:
    """A filter value as one search-index token: spaces become underscores."""
    return re.sub(r"\s+", "_", value.strip())
