"""Which files a load reads, in which order, and which reader reads each.

`.csv`, `.json` and `.jsonl` name their reader. Any other file is read by what it begins with:
`{` is JSON (a Kumu blueprint or seed JSON), `<` is XML, GraphML or GEXF as its root element
says. So the project's Kumu, GraphML and GEXF exports read back whatever their suffix: a GEXF
file saved as `.graphml` or `.xml` reads as GEXF, a Kumu blueprint saved as `.kumu` as Kumu.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.csvfile import read_csv, record_type_of_name
from ingest.gexf import read_gexf
from ingest.graphml import read_graphml, xml_root
from ingest.jsonfile import read_json, read_jsonl
from ingest.rows import Row
from mapper.errors import SeedFileError

__all__ = ["READERS", "SeedFile", "read_graph_xml", "read_rows", "seed_files"]

_Reader = Callable[..., Iterator[Row | SeedFileError]]


def read_graph_xml(
    path: str | os.PathLike[str], shown_as: str | None = None
) -> Iterator[Row | SeedFileError]:
    """The rows of a GraphML or GEXF file, whichever its root element says it is."""
    shown = str(shown_as or path)
    try:
        root = xml_root(path)
    except ValueError as error:
        yield SeedFileError(shown, None, None, str(error))
        return
    reader = _XML_READERS.get(root)
    if reader is None:
        problem = f"the root element is {root!r}; expected GraphML (<graphml>) or GEXF (<gexf>)"
        yield SeedFileError(shown, None, None, problem)
        return
    yield from reader(path, shown)


_XML_READERS: dict[str, _Reader] = {"graphml": read_graphml, "gexf": read_gexf}

READERS: dict[str, _Reader] = {
    ".csv": read_csv,
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".graphml": read_graph_xml,
    ".gexf": read_graph_xml,
    ".xml": read_graph_xml,
}
_SEED_SUFFIXES = (".csv", ".json", ".jsonl")
_FOLDER_SUFFIXES = _SEED_SUFFIXES
_BEGINNINGS: dict[bytes, _Reader] = {b"{": read_json, b"<": read_graph_xml}

_PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class SeedFile:
    """One file to read: where it is, and how messages show it (as the user gave it)."""

    path: Path
    shown: str

    @property
    def rank(self) -> int:
        """Actor and collaboration files first, mixed files next, relation files last."""
        record_type = record_type_of_name(self.path.name)
        if record_type is None:
            return 1
        return 2 if record_type == "relation" else 0


def read_rows(path: _PathLike, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """The rows of one seed file, read by the reader its suffix names."""
    reader = _reader_of(Path(path))
    if reader is None:
        yield SeedFileError(str(shown_as or path), None, None, _unsupported(Path(path)))
        return
    yield from reader(path, shown_as)


def seed_files(
    paths: _PathLike | Iterable[_PathLike],
) -> tuple[list[SeedFile], list[SeedFileError]]:
    """The files to read for `paths`, in load order, and the paths that cannot be read.

    A folder gives its own *.csv, *.json and *.jsonl files (not those of subfolders) sorted by
    name. All files are then ordered actors and collaborations first, relations last.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files, errors = [], []
    for given in paths:
        found, error = _expand(Path(given), str(given))
        files.extend(found)
        errors.extend([error] if error else [])
    return sorted(dict.fromkeys(files), key=lambda seed: seed.rank), errors


def _expand(path: Path, shown: str) -> tuple[list[SeedFile], SeedFileError | None]:
    if path.is_dir():
        children = sorted(
            child
            for child in path.iterdir()
            if child.is_file() and child.suffix.lower() in _FOLDER_SUFFIXES
        )
        if not children:
            problem = f"no {', '.join(_FOLDER_SUFFIXES)} files in this folder"
            return [], SeedFileError(shown, None, None, problem)
        return [SeedFile(child, os.path.join(shown, child.name)) for child in children], None
    if not path.exists():
        return [], SeedFileError(shown, None, None, "no such file or folder")
    if _reader_of(path) is None:
        return [], SeedFileError(shown, None, None, _unsupported(path))
    return [SeedFile(path, shown)], None


def _reader_of(path: Path) -> _Reader | None:
    """The reader of a seed format's suffix, or else of the file's first character, or else
    of its suffix (None: no reader)."""
    reader = READERS.get(path.suffix.lower())
    if path.suffix.lower() in _SEED_SUFFIXES or not path.is_file():
        return reader
    with open(path, "rb") as file:
        beginning = file.read(1024).removeprefix(b"\xef\xbb\xbf").lstrip()
    return _BEGINNINGS.get(beginning[:1], reader)


def _unsupported(path: Path) -> str:
    return (
        f"cannot read {path.suffix or 'files without a suffix'!r}; expected "
        f"{', '.join(READERS)} (save a spreadsheet as CSV UTF-8)"
    )
