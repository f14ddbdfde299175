"""Name search: folding, the ranking tiers, and the index the embedded store searches with.

People type `Malmo`, `göteborg` or `umea`; sources write `Malmö högskola`, `GOETEBORGS
UNIVERSITET` and `UMEA UNIVERSITET`. Both sides are *folded* the same way (`fold`): case,
accents and the spelt-out forms of å, ä, ö and ü (`aa`, `ae`, `oe`, `ue`) all become one key,
and everything that is not a letter or digit separates words.

A record is found by its *terms*: its folded name, English name, aliases, id and external ids
(`record_terms`). A match is ranked by the best tier it reaches (`tier`):

    EXACT   a term is the query                       `vinnova`
    PREFIX  a term starts with the query              `malmo` -> Malmö högskola
    WORD    a word after the first starts the query   `universitet` -> Umeå universitet
    WORDS   every query word starts some word         `universitet umea`
    FUZZY   every query word starts some word, or is within `typos(word)` edits of one
            (optimal string alignment: a swap of two letters is one edit)

and within a tier by folded name, then id. `SearchIndex` answers that for a whole store from
memory, on either store (from the stored terms, once per store generation).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA

__all__ = [
    "MAX_WORDS",
    "SEARCH_VERSION",
    "SearchIndex",
    "Tier",
    "fold",
    "legal_form_key",
    "record_terms",
    "terms",
    "tier",
    "typos",
]

MAX_WORDS = 8
"""The words of a query the word tiers look at (the exact, prefix and word tiers take it
whole): eight words name any organisation, and each costs a pass over the postings."""

SEARCH_VERSION = "1"
"""Changes whenever `fold` or `record_terms` would give other terms: stored terms are rebuilt."""

# Letters NFKD does not take apart.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_SPELT_OUT = re.compile(r"a[ae]|oe|ue")  # å, ä, ö, ü written without their marks
_SEPARATORS = re.compile(r"[\W_]+")
_END = "\U0010ffff"  # sorts after every character: [text, text + _END) are the words it starts


def fold(text: str, *, spelt_out: bool = True) -> str:
    """Case, accents and (unless `spelt_out` is False) spelt-out å/ä/ö/ü folded; words
    separated by one space. Folding `ae`, `oe`, `ue` also makes `Boeing` and `bing` one key: a
    search may find more than it should, never less (`mapper.duplicates` asks for more).

    >>> fold("Göteborgs universitet") == fold("GOETEBORGS UNIVERSITET") == "goteborgs universitet"
    True
    >>> fold("Umeå universitet"), fold("UMEA UNIVERSITET"), fold("Malmö högskola")
    ('umea universitet', 'umea universitet', 'malmo hogskola')
    >>> fold("CHALMERS TEKNISKA HOEGSKOLA AB"), fold("Café Ørsted-Ærø"), fold("lunds-univ")
    ('chalmers tekniska hogskola ab', 'cafe orsted aro', 'lunds univ')
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    if spelt_out:
        text = _SPELT_OUT.sub(lambda spelt: spelt.group()[0], text)
    return " ".join(_SEPARATORS.sub(" ", text).split())


def record_terms(record: Any) -> list[str]:
    """The folded terms an actor or collaboration is found by, its name first, each once.

    >>> from mapper.model import Actor
    >>> record_terms(Actor(id="umea-universitet", name="Umeå universitet", sector="academia",
    ...                    aliases=["UmU"], external_ids={"pic": "999880854"}))
    ['umea universitet', 'umu', '999880854']
    """
    texts = [record.name, record.name_en, record.id, *getattr(record, "aliases", ())]
    texts.extend(getattr(record, "external_ids", {}).values())
    return terms(texts)


def terms(texts: Iterable[str | None]) -> list[str]:
    """The texts folded, each once, in their order; empty ones left out.

    >>> terms(["Vinnova", None, "VINNOVA", "vinnova-2", "--"])
    ['vinnova', 'vinnova 2']
    """
    folded = (fold(text) for text in texts if text)
    return list(dict.fromkeys(term for term in folded if term))


def typos(word: str) -> int:
    """How many edits a query word may be away from a word it finds: none below four letters
    (or for a word with a digit: a number, a code), one up to seven, two from eight.

    >>> [typos(word) for word in ("kth", "umea", "vinnova", "universitet", "559123", "h2020")]
    [0, 1, 1, 2, 0, 0]
    """
    if len(word) < 4 or any(char.isdigit() for char in word):
        return 0
    return 1 if len(word) < 8 else 2


class Tier(IntEnum):
    """How well a record matches a query; lower is better."""

    EXACT = 0
    PREFIX = 1
    WORD = 2
    WORDS = 3
    FUZZY = 4


def _near(query_word: str, word: str) -> bool:
    """The query word starts `word`, or is within its typos of it."""
    allowed = typos(query_word)
    return word.startswith(query_word) or (
        allowed > 0 and OSA.distance(query_word, word, score_cutoff=allowed) <= allowed
    )


def tier(query: str, terms: Sequence[str]) -> Tier | None:
    """The best tier a record with these folded `terms` reaches for the folded `query`, or None.

    >>> terms = ["chalmers tekniska hogskola", "chalmers"]
    >>> [tier(fold(q), terms) for q in ("Chalmers", "chalm", "högskola", "tekn chalm", "chalmrs")]
    [<Tier.EXACT: 0>, <Tier.PREFIX: 1>, <Tier.WORD: 2>, <Tier.WORDS: 3>, <Tier.FUZZY: 4>]
    >>> tier("goteborg", terms) is None
    True
    """
    if not query:
        return None
    if query in terms:
        return Tier.EXACT
    if any(term.startswith(query) for term in terms):
        return Tier.PREFIX
    spaced = " " + query
    if any(spaced in term for term in terms):
        return Tier.WORD
    words = {word for term in terms for word in term.split()}
    query_words = query.split()[:MAX_WORDS]
    if all(any(word.startswith(q) for word in words) for q in query_words):
        return Tier.WORDS
    if all(any(_near(q, word) for word in words) for q in query_words):
        return Tier.FUZZY
    return None


# Legal forms left out when names are compared for duplicates, folded, longest first.
_LEGAL_FORMS = sorted(
    (
        fold(form)
        for form in (
            "AB",
            "AB (publ)",
            "publ",
            "Aktiebolag",
            "Aktiebolaget",
            "HB",
            "Handelsbolag",
            "KB",
            "Kommanditbolag",
            "Ekonomisk förening",
            "Ek. för.",
            "Ideell förening",
            "Förening",
            "Stiftelsen",
            "Stiftelse",
            "Ltd",
            "Limited",
            "GmbH",
            "AG",
            "AS",
            "ASA",
            "A/S",
            "ApS",
            "Oy",
            "Oyj",
            "SA",
            "SAS",
            "SRL",
            "SpA",
            "BV",
            "NV",
            "Inc",
            "LLC",
            "PLC",
            "eV",
            "e.V.",
        )
    ),
    key=lambda form: (-len(form), form),
)
_LEGAL_FORM = re.compile(r"(?:^| )(?:" + "|".join(map(re.escape, _LEGAL_FORMS)) + r")(?= |$)")


def legal_form_key(name: str, *, spelt_out: bool = True) -> str:
    """A name folded without its legal form (AB, HB, ideell förening, Stiftelsen, GmbH, …).

    >>> legal_form_key("CHALMERS TEKNISKA HOEGSKOLA AB")
    'chalmers tekniska hogskola'
    >>> legal_form_key("Stiftelsen Allmänna Barnhuset"), legal_form_key("Coompanion ek. för.")
    ('allmanna barnhuset', 'coompanion')
    """
    return " ".join(_LEGAL_FORM.sub(" ", fold(name, spelt_out=spelt_out)).split())


class SearchIndex:
    """Every record's terms in sorted lists, ranked by `tier` without looking at every record.

    Built once per store generation (a few seconds for a million terms); a query costs a few
    binary searches, the postings of its words and, for typos, the candidates that share enough
    letter pairs with a query word.

    >>> index = SearchIndex([("malmo-universitet", ["malmo universitet", "malmo hogskola"]),
    ...                      ("vinnova", ["vinnova"]), ("kth", ["kungliga tekniska hogskolan"])])
    >>> index.search(fold("Malmö")), index.search("hogskola"), index.search("vinova")
    (['malmo-universitet'], ['kth', 'malmo-universitet'], ['vinnova'])
    """

    def __init__(self, records: Iterable[tuple[str, Sequence[str]]]):
        ids: list[str] = []
        names: list[str] = []
        full: list[tuple[str, int]] = []
        suffixes: list[tuple[str, int]] = []
        words: list[str] = []  # every word of every term, and its record
        owners: list[int] = []
        for owner, (record_id, terms) in enumerate(records):
            ids.append(record_id)
            names.append(terms[0] if terms else "")
            for term in terms:
                full.append((term, owner))
                split = term.split(" ")
                words.extend(split)
                owners.extend([owner] * len(split))
                start = len(split[0]) + 1
                for word in split[1:]:
                    suffixes.append((term[start:], owner))
                    start += len(word) + 1
        self.ids = ids
        self._id_array = np.array(ids, dtype=object)
        order = sorted(range(len(ids)), key=lambda i: (names[i], ids[i]))
        self._rank = np.empty(len(ids), dtype=np.int64)
        self._rank[order] = np.arange(len(ids))
        self._full, self._full_owners = _sorted_pairs(full)
        self._suffixes, self._suffix_owners = _sorted_pairs(suffixes)
        # postings: the records of each word, as one sorted run per word of the vocabulary
        numbers: dict[str, int] = {}
        found = np.fromiter(
            (numbers.setdefault(word, len(numbers)) for word in words), np.int64, len(words)
        )
        vocabulary = sorted(numbers)
        place = np.empty(len(numbers), dtype=np.int64)  # a word's number -> its sorted place
        place[[numbers[word] for word in vocabulary]] = np.arange(len(vocabulary))
        width = max(len(ids), 1)
        pairs = np.unique(place[found] * width + np.array(owners, dtype=np.int64))
        self._vocabulary = vocabulary
        self._word_owners = pairs % width
        self._word_starts = np.searchsorted(pairs // width, np.arange(len(vocabulary) + 1))
        self._pairs = _PairIndex(self._vocabulary)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str) -> list[str]:
        """The ids of every record matching the folded `query`, best first."""
        return self.ids_of(self.ranked(query)[0])

    def ids_of(self, owners: np.ndarray) -> list[str]:
        """The ids of these record positions."""
        return self._id_array[owners].tolist()

    def ranked(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(record positions, their tiers), best first."""
        words = query.split()[:MAX_WORDS]
        if not words:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
        every_word, near_every_word = self._all_words(words)
        best = np.full(len(self.ids), 127, dtype=np.int8)
        best[near_every_word] = Tier.FUZZY
        best[every_word] = Tier.WORDS
        best[self._suffix_owners[_prefixed(self._suffixes, query)]] = Tier.WORD
        best[self._full_owners[_prefixed(self._full, query)]] = Tier.PREFIX
        exact = slice(bisect_left(self._full, query), bisect_left(self._full, query + "\0"))
        best[self._full_owners[exact]] = Tier.EXACT
        found = np.flatnonzero(best < 127)
        order = np.lexsort((self._rank[found], best[found]))
        return found[order], best[found[order]]

    def _all_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the records where every query word starts a word, and where every query
        word starts a word or is within its typos of one."""
        starts, owners_of = self._word_starts, self._word_owners
        every = np.ones(len(self.ids), dtype=bool)
        near_every = np.ones(len(self.ids), dtype=bool)
        for word in words:
            first, last = _span(self._vocabulary, word)  # the words it starts: one run
            starting = np.zeros(len(self.ids), dtype=bool)
            starting[owners_of[starts[first] : starts[last]]] = True
            near = starting.copy()
            if typos(word):
                for i in self._pairs.near(word, typos(word)):
                    near[owners_of[starts[i] : starts[i + 1]]] = True
            every &= starting
            near_every &= near
        return every, near_every


def _sorted_pairs(pairs: list[tuple[str, int]]) -> tuple[list[str], np.ndarray]:
    pairs.sort()
    return [text for text, _ in pairs], np.fromiter(
        (owner for _, owner in pairs), dtype=np.int64, count=len(pairs)
    )


def _span(texts: list[str], prefix: str) -> tuple[int, int]:
    """The positions of the sorted `texts` that start with `prefix`."""
    return bisect_left(texts, prefix), bisect_left(texts, prefix + _END)


def _prefixed(texts: list[str], prefix: str) -> slice:
    return slice(*_span(texts, prefix))


class _PairIndex:
    """Which words of a vocabulary are within a few edits of a word.

    A word within k edits of another keeps all but at most 3k of its distinct letter pairs
    (an edit changes two pairs, a swap three; the word's ends count as letters), and its length
    differs by at most k: only the words of those lengths sharing that many pairs are compared,
    with the edit distance itself. Pairs are indexed by (pair, word length).
    """

    def __init__(self, vocabulary: list[str]):
        self._vocabulary = vocabulary
        postings: dict[tuple[str, int], list[int]] = {}
        for position, word in enumerate(vocabulary):
            if word.isdigit():  # more edits from any word without a digit than `typos` allows
                continue
            for pair in _letter_pairs(word):
                postings.setdefault((pair, len(word)), []).append(position)
        self._postings = {key: np.array(found, dtype=np.int64) for key, found in postings.items()}

    def near(self, word: str, allowed: int) -> list[int]:
        pairs = _letter_pairs(word)
        lengths = range(len(word) - allowed, len(word) + allowed + 1)
        found = [
            self._postings[pair, length]
            for pair in pairs
            for length in lengths
            if (pair, length) in self._postings
        ]
        if not found:
            return []
        positions, shared = np.unique(np.concatenate(found), return_counts=True)
        candidates = positions[shared >= max(len(pairs) - 3 * allowed, 1)]
        return [
            int(position)
            for position in candidates
            if OSA.distance(word, self._vocabulary[position], score_cutoff=allowed) <= allowed
        ]


def _letter_pairs(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}
