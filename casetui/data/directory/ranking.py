"""How a directory search reads the words typed and ranks what the indexes found; no database.

Both databases use this module, so SQLite and PostgreSQL rank alike (and the command line's
``resources search`` as the screen does).

A query becomes ``Group``s, one per word typed (or per synonym phrase typed, "rental
assistance"). A group holds its ``Alternative``s: the word itself as a prefix (weight 1), its
other spelling ("counselling"/"counseling", weight 1), the group's synonyms from
``vocab.SYNONYMS`` (0.85) and, for a word no service uses, the directory words it was probably
meant as (0.6, ``close_words``). A service matches a group when any alternative is in its text.

``relevance`` scores one service: per group, the best field the words are in (the service's
name first, then its description, its organization, then its category and taxonomy terms as
evidence that adds to a match rather than ties with it), times the alternative's weight. The
order: more groups matched first (a three-word request still finds services holding two of the
words), then the score, then the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from casetui.data.domain import vocab
from casetui.data.storage.db_objects import fold

MAX_WORDS = 8
MAX_WORD_LENGTH = 60  # longer "words" are pasted noise: they are cut, never an error
WORD = re.compile(r"[^\W_]+", re.UNICODE)

TYPED, VARIANT, SYNONYM, TYPO = 1.0, 1.0, 0.85, 0.6


@dataclass(frozen=True)
class Alternative:
    tokens: tuple[str, ...]
    weight: float
    prefix: bool  # the last token matches as a prefix


@dataclass
class Group:
    typed: str
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def short(self) -> bool:
        """A 1-2 letter word: looked up in the short fields only (it is in every description)."""
        return len(self.typed) < 3


def query_words(query: str | None) -> list[str]:
    """The words a search looks for, lower case, in the order typed (FTS syntax, NUL bytes and
    emoji are not words; at most ``MAX_WORDS``, each at most ``MAX_WORD_LENGTH`` letters).
    Accents stay: SQLite's index folds them itself, PostgreSQL's 'simple' one keeps them;
    scoring compares folded words."""
    return [w.lower()[:MAX_WORD_LENGTH] for w in WORD.findall(query or "")][:MAX_WORDS]


def _phrase_index() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    index: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for groups in vocab.SYNONYMS.values():
        for phrases in groups:
            tokens = [tuple(WORD.findall(p.lower())) for p in phrases]
            for phrase in tokens:
                index.setdefault(phrase, [])
                index[phrase] += [other for other in tokens if other != phrase and other not in index[phrase]]
    return index


_PHRASES = _phrase_index()
_LONGEST = max(len(p) for p in _PHRASES)
_VARIANTS = {**vocab.SPELLING_VARIANTS, **{b: a for a, b in vocab.SPELLING_VARIANTS.items()}}


def build_groups(words: list[str], close_words=None) -> list[Group]:
    """``close_words(word) -> [words]``: directory words a mistyped word was probably meant as
    ([] when the word is in the directory); None turns typo tolerance off."""
    groups: list[Group] = []
    position = 0
    while position < len(words):
        # A synonym phrase of two or more words typed is one group ("emergency housing").
        for length in range(min(_LONGEST, len(words) - position), 1, -1):
            phrase = tuple(fold(w) for w in words[position : position + length])
            if phrase in _PHRASES:
                last = position + length == len(words)
                group = Group(" ".join(phrase), [Alternative(phrase, TYPED, last)])
                group.alternatives += [Alternative(p, SYNONYM, False) for p in _PHRASES[phrase]]
                groups.append(group)
                position += length
                break
        else:
            word = words[position]
            group = Group(word, [Alternative((word,), TYPED, True)])
            folded = fold(word)
            if folded in _VARIANTS:
                group.alternatives.append(Alternative((_VARIANTS[folded],), VARIANT, True))
            group.alternatives += [Alternative(p, SYNONYM, False) for p in _PHRASES.get((folded,), [])]
            if close_words is not None and len(word) >= 3 and not word.isdigit():
                known = {a.tokens for a in group.alternatives}
                group.alternatives += [
                    Alternative((close,), TYPO, False) for close in close_words(word) if (close,) not in known
                ]
            groups.append(group)
            position += 1
    return groups


# --- typo tolerance: which directory words a word was meant as ---------------------------------


def trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Shared trigrams over all trigrams (pg_trgm's measure, padded with one space)."""
    ta, tb = trigrams(a), trigrams(b)
    common = len(ta & tb)
    return common / (len(ta) + len(tb) - common) if common else 0.0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, or ``limit + 1`` once it is beyond."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]


def pick_close(word: str, candidates) -> list[str]:
    """The best few of the directory words a trigram index offered for ``word``: one edit away
    for words up to five letters, two for longer ones, and sharing enough trigrams."""
    limit = 1 if len(word) <= 5 else 2
    scored = []
    for candidate in set(candidates):
        if candidate == word or len(candidate) < 3:
            continue
        sim = similarity(word, candidate)
        if sim < 0.25:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit:
            scored.append((distance, -sim, candidate))
    return [candidate for _, _, candidate in sorted(scored)[:3]]


# --- relevance -------------------------------------------------------------------------------


def tokens_of(value: str | None) -> list[str]:
    return WORD.findall(fold(value)) if value else []


def _field(*values) -> str:
    """Words of a field as one string, each with a space either side (" food pantry "): a word
    or phrase is then found with ``str.find``, at C speed."""
    words = [word for value in values if value for word in WORD.findall(fold(value))]
    return " " + " ".join(words) + " " if words else ""


def _find(needle: str, whole: str, prefix: bool, field: str) -> tuple[int, int, bool]:
    """(mentions, first word position, exact) of an alternative (``needle`` " rental
    assistance", ``whole`` the same with its closing space) in a field string."""
    at = field.find(needle if prefix else whole)
    if at < 0:
        return 0, -1, False
    if prefix:
        return field.count(needle), field.count(" ", 0, at), whole in field
    return field.count(whole), field.count(" ", 0, at), True


@dataclass
class Document:
    """A service's searched text, each field a string of words (see ``_field``)."""

    name: str
    description: str = ""
    organization: str = ""
    terms: str = ""
    words: int = 0  # the description's length in words


@lru_cache(maxsize=8192)  # typing a word re-scores the same services at every keystroke
def document(name, alternate_name=None, description=None, organization=None, terms: tuple = ()) -> Document:
    described = _field(alternate_name, description)
    return Document(_field(name), described, _field(organization), _field(*terms), described.count(" ") - 1)


def needles(groups: list[Group]) -> list[list[tuple[str, str, bool, float]]]:
    """What ``relevance`` looks for, per group: (needle, whole word, prefix, weight)."""
    prepared = []
    for group in groups:
        needles = []
        for alternative in group.alternatives:
            needle = " " + " ".join(fold(token) for token in alternative.tokens)
            needles.append((needle, needle + " ", alternative.prefix, alternative.weight))
        prepared.append(needles)
    return prepared


def relevance(groups: list[Group], doc: Document, ready=None) -> tuple[int, float]:
    """(groups matched, score) of one service (``ready``: ``needles(groups)``, made once per search)."""
    matched, total = 0, 0.0
    name, description, organization, terms = doc.name, doc.description, doc.organization, doc.terms
    for group_needles in ready or needles(groups):
        best = 0.0
        for needle, whole, prefix, weight in group_needles:
            fields = []
            if name:
                count, position, exact = _find(needle, whole, prefix, name)
                if count:
                    fields.append(6.0 + (1.0 if exact else 0.0) - 0.15 * min(position, 6))
            if description:
                count, _, exact = _find(needle, whole, prefix, description)
                if count:
                    length_factor = 1.0 / (1.0 + max(doc.words, 0) / 50)
                    fields.append(2.5 + min(1.5, 0.5 * count) * (0.5 + length_factor) + (0.2 if exact else 0.0))
            if organization:
                count, _, exact = _find(needle, whole, prefix, organization)
                if count:
                    fields.append(2.0 + (0.5 if exact else 0.0))
            if terms and _find(needle, whole, prefix, terms)[0]:
                fields.append(1.5)
            if fields:
                # Taxonomy terms and other fields are evidence: they add to the best field.
                score = weight * (max(fields) + 0.4 * (len(fields) - 1))
                if score > best:
                    best = score
        if best:
            matched += 1
            total += best
    return matched, total - 0.02 * name.count(" ")
