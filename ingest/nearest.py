"""The nearest known id for a misspelt one ("did you mean …?"), fast however many ids there are."""

from __future__ import annotations

import bisect
import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable

from mapper.model import slugify

__all__ = ["IdSuggestions"]


class IdSuggestions:
    """The known id most like an unknown one, among the ids of the kind expected.

    `ids_of(expected)` gives the ids of a kind ("actor", "collaboration" or "actor or
    collaboration"). In order: the id's slug if it is known (`Region Skåne` -> `region-skane`);
    a known id one typo away (a letter added, dropped, changed or two swapped; found by looking
    the typos up, so it is fast whatever the number of ids); else difflib's closest among the
    ids that start with the same letter and differ in length by at most 3. All lookups together
    let difflib compare at most `budget` ids, so a file full of unknown ids against a big store
    still takes seconds; after that only the first two are tried.

    >>> suggestions = IdSuggestions(lambda expected: {"region-skane", "vinnova"})
    >>> suggestions.closest("region-skåne", "actor"), suggestions.closest("vinova", "actor")
    ('region-skane', 'vinnova')
    """

    def __init__(self, ids_of: Callable[[str], Iterable[str]], *, budget: int = 200_000):
        self.ids_of = ids_of
        self.budget = budget
        self._indexes: dict[str, _Index] = {}
        self._found: dict[tuple[str, str], str | None] = {}

    def closest(self, value: str, expected: str) -> str | None:
        key = (value, expected)
        if key not in self._found:
            self._found[key] = self._closest(slugify(value), self._index(expected))
        return self._found[key]

    def _index(self, expected: str) -> _Index:
        if expected not in self._indexes:
            self._indexes[expected] = _Index(self.ids_of(expected))
        return self._indexes[expected]

    def _closest(self, slug: str, index: _Index) -> str | None:
        if slug in index.ids:
            return slug
        typos = sorted(_one_typo_away(slug) & index.ids)
        if typos:
            return typos[0]
        started = index.starting_with(slug)
        if started is not None:
            return started
        candidates = index.similar(slug)
        if len(candidates) > self.budget:
            return None
        self.budget -= len(candidates)
        close = difflib.get_close_matches(slug, candidates, n=1, cutoff=0.75)
        return close[0] if close else None


_ID_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def _one_typo_away(slug: str) -> set[str]:
    """Every string one edit from `slug`: a character dropped, swapped, changed or added.

    >>> sorted(_one_typo_away("ab"))[:5]
    ['-ab', '-b', '0ab', '0b', '1ab']
    """
    splits = [(slug[:i], slug[i:]) for i in range(len(slug) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _ID_CHARACTERS}
    added = {a + c + b for a, b in splits for c in _ID_CHARACTERS}
    return dropped | swapped | changed | added


class _Index:
    """Ids by first letter and length, and sorted (for the ids an abbreviation starts)."""

    def __init__(self, ids: Iterable[str]):
        self.ids = set(ids)
        self.sorted = sorted(self.ids)
        self.buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for record_id in self.ids:
            self.buckets[record_id[:1], len(record_id)].append(record_id)

    def similar(self, slug: str) -> list[str]:
        lengths = range(len(slug) - 3, len(slug) + 4)
        return [i for n in lengths for i in self.buckets.get((slug[:1], n), ())]

    def starting_with(self, slug: str) -> str | None:
        """The shortest id that `slug` (of four characters or more) starts: an abbreviation,
        `lunds-univ` -> `lunds-universitet`.

        >>> _Index(["lunds-universitet", "lunds-kommun", "lu"]).starting_with("lunds-univ")
        'lunds-universitet'
        """
        if len(slug) < 4:
            return None
        first = bisect.bisect_left(self.sorted, slug)
        last = bisect.bisect_left(self.sorted, slug + "~")  # "~" sorts after every id character
        found = sorted(self.sorted[first:last], key=lambda i: (len(i), i))
        return found[0] if found else None
