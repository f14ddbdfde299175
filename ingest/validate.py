"""Seed files in, one Batch out, with every problem found in one pass.

Reading goes row by row: each row becomes a record (ingest.fast_rows builds those of plainly
valid rows; pydantic validates the others and words their problems), its sources'
quotes are looked up in their documents, and rows with the same id (or relation identity) are
merged into one record whose sources are the union. When every file has been read, each
relation's ends are looked up among the batch's ids and the store's (`known_ids`). A file that
could not be read (csvfile.FileNotRead) has unknown ids: an end not found that it may hold is
not reported on its own, only counted in the file's problem.

Problems are listed up to `limits.MAX_PROBLEMS` and counted beyond: a validation keeps only the
problems that may be among the first listed (`_Problems`), so the problems of a file of millions
of bad rows take the memory of a thousand, and those past the first are not even worded.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.csvfile import FileNotRead
from ingest.documents import Documents
from ingest.fast_rows import plain_record
from ingest.files import SeedFile, read_rows, seed_files
from ingest.limits import MAX_PROBLEMS, capped, field_problem
from ingest.messages import field_name, problem_of
from ingest.nearest import IdSuggestions
from ingest.rows import CONTROL_CHARACTERS, MODELS, Row
from mapper.errors import SeedFileError, SeedValidationFailed
from mapper.memory import paused_gc
from mapper.model import (
    Actor,
    Batch,
    Collaboration,
    Relation,
    RelationType,
    Source,
    merge_sources,
)

__all__ = [
    "PROGRESS_EVERY",
    "ValidationResult",
    "from_graphml",
    "read_batch",
    "validate",
    "validate_rows",
]

PROGRESS_EVERY = 10_000

_PathLike = str | os.PathLike[str]
_Record = Actor | Collaboration | Relation
_Progress = Callable[[int], Any]


@dataclass
class ValidationResult:
    """What a set of seed files holds, and every problem found in them."""

    batch: Batch
    errors: list[SeedFileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    paths: _PathLike | Iterable[_PathLike],
    *,
    documents_dir: _PathLike | None = None,
    known_ids: Mapping[str, str] | None = None,
    progress: _Progress | None = None,
) -> ValidationResult:
    """Read seed files and check them, collecting every problem instead of stopping at one
    (the first `limits.MAX_PROBLEMS` of them are listed, then one that counts the rest).

    `paths` are files or folders (a folder gives its *.csv, *.json and *.jsonl files).
    `documents_dir` is where the sources' documents are; by default the `documents/` folder
    beside each seed file, if there is one. `known_ids` maps the ids already in the store to
    "actor" or "collaboration", for relations that point at them. `progress` is called with the
    number of rows read so far, every PROGRESS_EVERY rows and once at the end.
    """
    files, errors = seed_files(paths)
    library = _Library(documents_dir)
    run = _Run(known_ids or {}, progress)
    for error in library.errors + errors:  # found first, so listed first
        run.problems.add(error)
    with paused_gc():  # records hold no reference cycles; see mapper.memory
        for seed in files:
            run.read(seed, library.documents_for(seed))
        run.finish()
        batch = run.batch()
    return ValidationResult(batch, run.problems.first([seed.shown for seed in files]))


def validate_rows(
    sources: Iterable[tuple[str, Iterable[Row | SeedFileError]]],
    *,
    known_ids: Mapping[str, str] | None = None,
    progress: _Progress | None = None,
) -> ValidationResult:
    """`validate` for rows an importer made: `sources` are (how messages name the input, its
    rows). The same checks as seed files, without source documents to look quotes up in."""
    run = _Run(known_ids or {}, progress)
    shown = []
    with paused_gc():
        for name, rows in sources:
            shown.append(name)
            run.read_rows(name, rows, Documents(None, name))
        run.finish()
        batch = run.batch()
    shown.extend(run.formats)  # the files rows named (Row.path), in the order first seen
    return ValidationResult(batch, run.problems.first(shown))


def read_batch(
    paths: _PathLike | Iterable[_PathLike],
    *,
    documents_dir: _PathLike | None = None,
    known_ids: Mapping[str, str] | None = None,
    progress: _Progress | None = None,
) -> Batch:
    """The Batch in seed files. Raises SeedValidationFailed listing every problem found."""
    result = validate(paths, documents_dir=documents_dir, known_ids=known_ids, progress=progress)
    if result.errors:
        raise SeedValidationFailed(result.errors)
    return result.batch


def from_graphml(path: _PathLike) -> Batch:
    """The Batch in a GraphML file written by `to_graphml`. Raises SeedValidationFailed."""
    return read_batch(path)


class _Library:
    """The documents folder of each seed file: the one given, or `documents/` beside it."""

    def __init__(self, documents_dir: _PathLike | None):
        self.given = documents_dir
        self.errors: list[SeedFileError] = []
        self._folders: dict[Path | None, Documents] = {}
        if documents_dir is not None and not Path(documents_dir).is_dir():
            problem = "no such folder; documents_dir must be the folder of the source documents"
            self.errors.append(SeedFileError(str(documents_dir), None, None, problem))

    def documents_for(self, seed: SeedFile) -> Documents:
        if self.given is not None:
            folder, shown = Path(self.given), str(self.given)
        else:
            folder = seed.path.parent / "documents"
            shown = os.path.join(os.path.dirname(seed.shown), "documents")
        folder_or_none = folder if folder.is_dir() else None
        if folder_or_none not in self._folders:
            self._folders[folder_or_none] = Documents(folder_or_none, shown)
        return self._folders[folder_or_none]


@dataclass
class _Reference:
    """A relation end to look up once every file is read."""

    shown: str
    line: int | None
    field: str
    end: str  # "source" or "target"
    value: str
    relation_type: str
    expected: str  # "actor", "collaboration" or "actor or collaboration"


@dataclass
class _NotRead:
    """A file whose ids are unknown: its problem, the kinds of record it holds, and how many
    relation ends not found it may hold."""

    error: FileNotRead
    kinds: str  # "actor", "collaboration" or "actor or collaboration"
    unchecked: int = 0


class _Problems:
    """The problems of one validation, within bounds: of each file, the `keep` problems that
    sort first (by line, then as found) are kept, and the others only counted.

    The first `keep` problems of all files in any order of the files are among those kept: no
    more than `keep` sort before any one of them, so no more than `keep` in its own file.
    """

    def __init__(self, keep: int):
        self.keep = keep
        self.count = 0
        # per file, a heap whose top is the problem kept that sorts last: (-line, -count, error)
        self._kept: dict[str, list[tuple[int, int, SeedFileError]]] = {}

    def wanted(self, path: str, line: int | None) -> bool:
        """Whether a problem found now at `path`:`line` is kept (else `skip` it unworded)."""
        kept = self._kept.get(path)
        return kept is None or len(kept) < self.keep or (line or 0) < -kept[0][0]

    def add(self, error: SeedFileError) -> None:
        self.count += 1
        kept = self._kept.setdefault(error.path, [])
        entry = (-(error.line or 0), -self.count, error)
        if len(kept) < self.keep:
            heapq.heappush(kept, entry)
        elif entry[:2] > kept[0][:2]:  # sorts before the last one kept: takes its place
            heapq.heapreplace(kept, entry)

    def skip(self) -> None:
        """Count a problem that `wanted` said is not kept."""
        self.count += 1

    def replace(self, error: SeedFileError, new: SeedFileError) -> None:
        """`new` in the place of `error` (same file and line), if that is kept."""
        kept = self._kept.get(error.path, [])
        for index, (line, count, old) in enumerate(kept):
            if old is error:
                kept[index] = (line, count, new)

    def first(self, order: list[str]) -> list[SeedFileError]:
        """The problems by file in `order` (others first), then by line, as `limits.capped`
        lists them: the first MAX_PROBLEMS, and one that counts the rest."""
        rank = {shown: index for index, shown in enumerate(order)}
        kept = [
            (rank.get(path, -1), -line, -count, error)
            for path, entries in self._kept.items()
            for line, count, error in entries
        ]
        kept.sort(key=lambda entry: entry[:3])
        return capped([error for *_, error in kept], total=self.count)


class _Run:
    """The state of one validation: records by key, where each was first seen, problems."""

    def __init__(self, known_ids: Mapping[str, str], progress: _Progress | None):
        self.known_ids = known_ids
        self.progress = progress
        self.rows = 0
        self.problems = _Problems(MAX_PROBLEMS + 1)  # one more: where the count of the rest is
        self.records: dict[str, dict[str, _Record]] = {name: {} for name in MODELS}
        self.seen: dict[str, dict[str, tuple[str, int | None]]] = {name: {} for name in MODELS}
        self.formats: dict[str, str] = {}
        self.references: list[_Reference] = []
        self.invalid_ids: set[str] = set()  # of rows already reported: not reported again
        self.not_read: dict[str, _NotRead] = {}  # by file: ends they may hold go unreported
        self.suggestions = IdSuggestions(self._ids_of)

    # -- reading -----------------------------------------------------------------------------

    def read(self, seed: SeedFile, documents: Documents) -> None:
        self.read_rows(seed.shown, read_rows(seed.path, seed.shown), documents)

    def read_rows(
        self, shown: str, rows: Iterable[Row | SeedFileError], documents: Documents
    ) -> None:
        for row in rows:
            if isinstance(row, SeedFileError):
                self.problems.add(row)
                if isinstance(row, FileNotRead):
                    self._not_read(row)
                continue
            self._count_row()
            where = row.path or shown
            record = self._record(where, row)
            self._check_sources(where, row, record, documents)
            if record is not None:
                self._merge(where, row, record)

    def _not_read(self, error: FileNotRead) -> None:
        kinds = error.record_type or "actor or collaboration"
        if kinds != "relation" and error.path not in self.not_read:
            self.not_read[error.path] = _NotRead(error, kinds)

    def _count_row(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
            self.progress(self.rows)

    def _error(self, shown: str, row: Row, field: str | None, problem: str) -> None:
        if row.place is not None:
            field = f"{row.place}: {field}" if field else row.place
        self.problems.add(SeedFileError(shown, row.line, field, problem))

    def _record(self, shown: str, row: Row) -> _Record | None:
        too_big = field_problem(row.fields)  # before anything that recurses into the fields
        if too_big is not None:
            self._error(shown, row, field_name(too_big[0], row.format), too_big[1])
            if isinstance(row.fields.get("id"), str):
                self.invalid_ids.add(row.fields["id"])
            return None
        record = plain_record(row.record_type, row.fields)  # most rows: without pydantic
        if record is not None:  # (plain_record declines a row with a control character)
            return record
        model = MODELS[row.record_type]
        controls = [] if _plainly_clean(row.fields) else list(_control_characters(row.fields))
        for loc, problem in controls:
            self._error(shown, row, field_name(loc, row.format), problem)
        if controls:
            if isinstance(row.fields.get("id"), str):
                self.invalid_ids.add(row.fields["id"])
            return None
        try:
            return model.model_validate(row.fields)
        except ValidationError as error:
            self._field_errors(shown, row, model, error)
            if isinstance(row.fields.get("id"), str):
                self.invalid_ids.add(row.fields["id"])
            return None

    def _field_errors(self, shown: str, row: Row, model: type, error: ValidationError) -> None:
        blank = "empty" if row.format == "csv" else "missing"
        worded = self.problems.wanted(shown, row.line)  # else counted only: words take time
        for details in error.errors(include_url=False):
            if self._is_bad_reference(row, tuple(details["loc"]), details["type"]):
                self._defer_reference(shown, row, details["loc"][0])
            elif worded:
                loc, problem = problem_of(details, model, blank=blank)
                self._error(shown, row, field_name(loc, row.format), problem)
            else:
                self.problems.skip()

    @staticmethod
    def _is_bad_reference(row: Row, loc: tuple, kind: str) -> bool:
        """A relation end that is not even an id: reported as an unknown id, with a hint."""
        return (
            row.record_type == "relation"
            and loc in (("source",), ("target",), ("collaboration",))
            and kind == "string_pattern_mismatch"
        )

    def _defer_reference(self, shown: str, row: Row, end: str) -> None:
        expected = "actor" if end == "source" else "collaboration"
        if end == "target":
            expected = _expected_target(row.fields.get("type"), row.fields.get("collaboration"))
        field = field_name((end,), row.format)
        if row.place is not None:
            field = f"{row.place}: {field}"
        value, relation_type = row.fields[end], str(row.fields.get("type"))
        reference = _Reference(shown, row.line, field, end, value, relation_type, expected)
        self.references.append(reference)

    def _check_sources(
        self, shown: str, row: Row, record: _Record | None, documents: Documents
    ) -> None:
        """Look each quote up in its document, also for a row that is otherwise invalid."""
        sources = record.sources if record is not None else _valid_sources(row.fields)
        for index, source in enumerate(sources):
            if source is None or source.document is None or source.quote is None:
                continue
            problem = documents.problem(source.document, source.quote)
            if problem is not None:
                name, text = problem
                self._error(shown, row, field_name(("sources", index, name), row.format), text)

    # -- merging -----------------------------------------------------------------------------

    def _merge(self, shown: str, row: Row, record: _Record) -> None:
        key = record.key if isinstance(record, Relation) else record.id
        table = self.records[row.record_type]
        previous = table.get(key)
        if previous is None:
            if self._id_is_free(shown, row, key):
                table[key] = record
                self.seen[row.record_type][key] = (shown, row.line)
                self.formats.setdefault(shown, row.format)
            return
        differing = _differing_fields(previous, record)
        for name in differing:
            problem = self._conflict(row.record_type, key, name, previous, record, shown)
            self._error(shown, row, field_name((name,), row.format), problem)
        if not differing and record.sources:
            sources = merge_sources(previous.sources, record.sources)
            table[key] = previous.model_copy(update={"sources": sources})

    def _id_is_free(self, shown: str, row: Row, key: str) -> bool:
        """An id names one actor or one collaboration (the store's are checked in `finish`)."""
        other = _OTHER.get(row.record_type)
        if other is None or key not in self.records[other]:
            return True
        where = _place(*self.seen[other][key], shown)
        problem = f"{key!r} is already the id of {_a(other)} ({where}); {_UNIQUE}"
        self._error(shown, row, field_name(("id",), row.format), problem)
        return False

    def _conflict(
        self, record_type: str, key: str, name: str, previous: _Record, record: _Record, shown: str
    ) -> str:
        first = _place(*self.seen[record_type][key], shown)
        what = f"relation {key}" if record_type == "relation" else f"id {key!r}"
        return (
            f"{_value(getattr(record, name))} differs from {_value(getattr(previous, name))} "
            f"on {first} for the same {what}; rows of one record may differ only in their sources"
        )

    # -- references --------------------------------------------------------------------------

    def finish(self) -> None:
        """Check ids against the store's, and every relation's ends, now that all is read."""
        self._check_store_clashes()
        for key, relation in self.records["relation"].items():
            if not self._ends_fit(relation):
                self._check_ends(key, relation)
        for reference in self.references:
            self._check_reference(reference)
        self._count_unchecked()
        if self.progress is not None:
            self.progress(self.rows)

    def _check_store_clashes(self) -> None:
        """Ids of the batch that the store has as the other kind of record.

        Looks each id up in `known_ids`, or, when the store has fewer ids than the batch, goes
        once through the store's: `known_ids` may be a lazy mapping over a big store.
        """
        batch_ids = [(i, kind) for kind in _OTHER for i in self.records[kind]]
        if len(batch_ids) <= len(self.known_ids):
            clashes = [(i, kind) for i, kind in batch_ids if self.known_ids.get(i) == _OTHER[kind]]
        else:
            clashes = [
                (i, kind)
                for i, stored in self.known_ids.items()
                for kind in _OTHER
                if _OTHER[kind] == stored and i in self.records[kind]
            ]
        for record_id, kind in clashes:
            shown, line = self.seen[kind][record_id]
            other = _OTHER[kind]
            problem = f"{record_id!r} is already the id of {_a(other)} in the store; {_UNIQUE}"
            field = field_name(("id",), self.formats[shown])
            self.problems.add(SeedFileError(shown, line, field, problem))

    def _ends_fit(self, relation: Relation) -> bool:
        if relation.collaboration is None and relation.source in self.records["actor"]:
            # the common case, a million times at 100k actors: both ends in the batch
            tables = _TARGET_TABLES[relation.type]
            if any(relation.target in self.records[table] for table in tables):
                return True
        return all(self._fits(value, expected) for _, value, expected in _ends(relation))

    def _check_ends(self, key: str, relation: Relation) -> None:
        shown, line = self.seen["relation"][key]
        for end, _, expected in _ends(relation):
            field = field_name((end,), self.formats[shown])
            if line is None:
                field = f"edge {key!r}: {field}"
            value, relation_type = getattr(relation, end), relation.type.value
            reference = _Reference(shown, line, field, end, value, relation_type, expected)
            self._check_reference(reference)

    def _fits(self, record_id: str, expected: str) -> bool:
        """Whether the id is of the expected kind ("actor or collaboration" takes either)."""
        kind = self._kind_of(record_id)
        return kind is not None and kind in expected

    def _check_reference(self, reference: _Reference) -> None:
        if self._fits(reference.value, reference.expected) or reference.value in self.invalid_ids:
            return
        kind = self._kind_of(reference.value)
        if kind is None and self._in_a_file_not_read(reference.expected):
            return
        if kind is None:
            problem = f"{reference.value!r} is not a known {reference.expected} id"
            suggestion = self.suggestions.closest(reference.value, reference.expected)
            if suggestion is not None:
                problem += f"; did you mean {suggestion!r}?"
        else:
            problem = (
                f"{reference.value!r} is {_a(kind)}, but the {reference.end} of "
                f"{reference.relation_type} must be {_a(reference.expected)}"
            )
        self.problems.add(SeedFileError(reference.shown, reference.line, reference.field, problem))

    def _in_a_file_not_read(self, expected: str) -> bool:
        """Whether a file that could not be read may hold an id of the expected kind; counts
        the end against the first such file."""
        for not_read in self.not_read.values():
            if any(kind in expected and kind in not_read.kinds for kind in _OTHER):
                not_read.unchecked += 1
                return True
        return False

    def _count_unchecked(self) -> None:
        """One problem per file not read: the ends left unchecked are counted in it."""
        for not_read in self.not_read.values():
            if not_read.unchecked:
                error = not_read.error
                problem = (
                    f"{error.problem}; until it is read, {not_read.unchecked} relation end(s) "
                    f"that may name its {not_read.kinds.replace(' or ', 's or ')}s are not checked"
                )
                counted = FileNotRead(
                    error.path, error.line, error.field, problem, record_type=error.record_type
                )
                self.problems.replace(error, counted)

    def _kind_of(self, record_id: str) -> str | None:
        if record_id in self.records["actor"]:
            return "actor"
        if record_id in self.records["collaboration"]:
            return "collaboration"
        return self.known_ids.get(record_id)

    def _ids_of(self, expected: str) -> set[str]:
        """Every id of the expected kind, in the batch and the store."""
        ids: set[str] = set()
        for kind in ("actor", "collaboration"):
            if kind in expected:
                ids.update(self.records[kind])
                ids.update(i for i, k in self.known_ids.items() if k == kind)
        return ids

    # -- results -----------------------------------------------------------------------------

    def batch(self) -> Batch:
        # model_construct: the records are validated; Batch(...) would run every record's
        # model validators again (2.5 s at 1M relations)
        return Batch.model_construct(
            actors=list(self.records["actor"].values()),
            collaborations=list(self.records["collaboration"].values()),
            relations=list(self.records["relation"].values()),
        )


_UNIQUE = "ids must be unique across actors and collaborations"
_OTHER = {"actor": "collaboration", "collaboration": "actor"}


def _target_kind(relation_type: RelationType) -> str:
    wanted = Relation.model_construct(type=relation_type).target_is_collaboration
    return {True: "collaboration", False: "actor", None: "actor or collaboration"}[wanted]


_TARGET_KINDS = {relation_type: _target_kind(relation_type) for relation_type in RelationType}
# The tables of the batch a relation's target may be in (an id is never in both: `_id_is_free`)
_TARGET_TABLES = {
    relation_type: [table for table in ("actor", "collaboration") if table in kind]
    for relation_type, kind in _TARGET_KINDS.items()
}


def _plainly_clean(fields: dict[str, Any]) -> bool:
    """True when a row's fields are all texts (a CSV row, most often) and none holds a control
    character: one search over their join, instead of a JSON dump of the row (3x faster)."""
    sources = fields.get("sources")
    extra: dict[str, Any] = {}
    if sources is not None:  # a CSV row's one source: a list of one dict of texts
        if not (type(sources) is list and len(sources) == 1 and type(sources[0]) is dict):
            return False
        extra = sources[0]
    try:  # join raises TypeError for anything that is not text
        text = "\n".join(
            [*fields, *(v for v in fields.values() if v is not sources), *extra, *extra.values()]
        )
    except TypeError:
        return False
    return not CONTROL_CHARACTERS.search(text)


def _control_characters(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(location, problem) for each text in `value` with a control character in it.

    Tab, line feed and carriage return are text; every other C0 or C1 control character (NUL,
    ESC, DEL, ...) is refused, since terminals, spreadsheets and other tools act on them.
    """
    if not loc and not _MAYBE_CONTROL.search(json.dumps(value, ensure_ascii=False, default=str)):
        return  # the common case, a row without any: one search over the row's JSON
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        if found is not None:
            name = unicodedata.name(found.group(), "") or _CONTROL_NAMES.get(found.group(), "")
            code = f"U+{ord(found.group()):04X}" + (f" ({name})" if name else "")
            yield (
                loc,
                (
                    f"contains the control character {code} at position {found.start() + 1}; "
                    "remove it (tab, line feed and carriage return are the only ones allowed)"
                ),
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _control_characters(key, loc or (key,))
            yield from _control_characters(item, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _control_characters(item, (*loc, index) if loc else (index,))


# In JSON text, C0 controls other than tab, LF and CR are written \u00XX, \b or \f; C1 and DEL
# stay as they are. A match may be a false alarm (an escaped backslash before "b"): then the
# exact search over every string decides.
_MAYBE_CONTROL = re.compile(r"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\[bf]|[\x7f-\x9f]")


_CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


def _expected_target(relation_type: Any, collaboration: Any = None) -> str:
    """What a relation of this type may point at: "actor", "collaboration" or either (a FUNDS
    relation that names the collaboration it pays for points at an actor)."""
    try:
        kind = _TARGET_KINDS[RelationType(relation_type)]
    except ValueError:
        return "actor or collaboration"
    return "actor" if collaboration and kind == "actor or collaboration" else kind


def _ends(relation: Relation) -> Iterator[tuple[str, str, str]]:
    """(field, id, expected kind) of every id a relation names."""
    yield "source", relation.source, "actor"
    target = _expected_target(relation.type, relation.collaboration)
    yield "target", relation.target, target
    if relation.collaboration is not None:
        yield "collaboration", relation.collaboration, "collaboration"


def _valid_sources(fields: dict[str, Any]) -> list[Source | None]:
    """The sources of a row that failed validation, None in place of each invalid one."""
    sources = fields.get("sources")
    if not isinstance(sources, list):
        return []
    valid: list[Source | None] = []
    for source in sources:
        try:
            valid.append(Source.model_validate(source))
        except ValidationError:
            valid.append(None)
    return valid


def _differing_fields(previous: _Record, record: _Record) -> list[str]:
    return [
        name
        for name in type(record).model_fields
        if name != "sources" and getattr(previous, name) != getattr(record, name)
    ]


def _place(shown: str, line: int | None, here: str) -> str:
    if shown == here:
        return f"line {line}"
    return f"{shown}:{line}" if line is not None else shown


def _value(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, tuple):
        return repr("|".join(str(getattr(part, "value", part)) for part in value))
    return repr(getattr(value, "value", value))


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
