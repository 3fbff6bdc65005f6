"""Language and gender codes as a directory and a client record write them, and the tag keys
that directory search filters on (shared by the SQLite and PostgreSQL searches)."""

from __future__ import annotations

import re
from functools import lru_cache

from casetui.data.domain import vocab

# ISO 639-1 code -> English name, for the languages a directory is likely to list.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ar": "Arabic",
    "vi": "Vietnamese",
    "so": "Somali",
    "tl": "Tagalog",
    "zh": "Chinese",
    "ru": "Russian",
    "pt": "Portuguese",
    "ko": "Korean",
    "ht": "Haitian Creole",
    "ur": "Urdu",
    "pl": "Polish",
    "sk": "Slovak",
    "fa": "Persian",
    "hi": "Hindi",
    "bn": "Bengali",
    "pa": "Punjabi",
    "am": "Amharic",
    "ti": "Tigrinya",
    "sw": "Swahili",
    "uk": "Ukrainian",
    "de": "German",
    "it": "Italian",
    "ja": "Japanese",
    "km": "Khmer",
    "ne": "Nepali",
    "my": "Burmese",
    "ps": "Pashto",
    "tr": "Turkish",
    "el": "Greek",
    "he": "Hebrew",
    "ro": "Romanian",
    "hy": "Armenian",
    "ku": "Kurdish",
    "yi": "Yiddish",
    "gu": "Gujarati",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "lo": "Lao",
    "om": "Oromo",
    "rw": "Kinyarwanda",
    "cy": "Welsh",
    "ga": "Irish",
    "nl": "Dutch",
}
_THREE_LETTER = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "ara": "ar",
    "vie": "vi",
    "som": "so",
    "tgl": "tl",
    "fil": "tl",
    "zho": "zh",
    "chi": "zh",
    "rus": "ru",
    "por": "pt",
    "kor": "ko",
    "hat": "ht",
    "urd": "ur",
    "pol": "pl",
    "slk": "sk",
    "slo": "sk",
    "fas": "fa",
    "per": "fa",
    "hin": "hi",
    "ben": "bn",
    "pan": "pa",
    "amh": "am",
    "tir": "ti",
    "swa": "sw",
    "ukr": "uk",
    "deu": "de",
    "ger": "de",
    "ita": "it",
    "jpn": "ja",
    "khm": "km",
    "nep": "ne",
    "mya": "my",
    "bur": "my",
    "pus": "ps",
    "tur": "tr",
    "ell": "el",
    "gre": "el",
    "heb": "he",
    "ron": "ro",
    "rum": "ro",
    "hye": "hy",
    "arm": "hy",
    "kur": "ku",
    "yid": "yi",
    "guj": "gu",
    "tam": "ta",
    "tel": "te",
    "tha": "th",
    "lao": "lo",
    "orm": "om",
    "kin": "rw",
    "cym": "cy",
    "wel": "cy",
    "gle": "ga",
    "nld": "nl",
    "dut": "nl",
}
_NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGES.items()}
_NAME_TO_CODE.update(
    {
        "filipino": "tl",
        "mandarin": "zh",
        "cantonese": "zh",
        "farsi": "fa",
        "dari": "fa",
        "creole": "ht",
        "kreyol": "ht",
        "castilian": "es",
        "espanol": "es",
        "español": "es",
        "francais": "fr",
        "français": "fr",
    }
)


@lru_cache(maxsize=1024)
def language_code(value: str | None) -> str:
    """ "Spanish", "es", "spa", "es-MX" -> "es"; an unknown language -> its name in lower case."""
    if not value:
        return ""
    raw = str(value).strip().lower()
    base = (
        re.split(r"[-_ ]", raw, maxsplit=1)[0]
        if len(raw) <= 6 and re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]{2,8})*", raw)
        else raw
    )
    if base in LANGUAGES:
        return base
    if base in _THREE_LETTER:
        return _THREE_LETTER[base]
    return _NAME_TO_CODE.get(raw, raw)


def language_label(code: str | None) -> str:
    code = language_code(code)
    return LANGUAGES.get(code, code.title() if code else "")


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
