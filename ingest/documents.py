"""Source documents: is a source's quote really in the document it names?

A quote matches when it is a substring of the document after both are put in Unicode NFC and
every run of whitespace (spaces, tabs, line breaks, non-breaking spaces) is made one space, so a
quote copied across a line break still matches. Nothing else is folded: typographic quotes,
dashes and letter case must be as in the document.
"""

from __future__ import annotations

import difflib
import unicodedata
from pathlib import Path

__all__ = ["Documents", "normalise_text"]

_TYPOGRAPHY = str.maketrans({"”": '"', "“": '"', "„": '"', "’": "'", "‘": "'", "–": "-", "—": "-"})


def normalise_text(text: str) -> str:
    """NFC, and every run of whitespace made one space.

    >>> normalise_text("Region\\u00a0Skåne\\n  och   MSI ")
    'Region Skåne och MSI'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


class Documents:
    """The documents of one folder, read once each; `None` as the folder checks nothing."""

    def __init__(self, folder: Path | None, shown: str):
        self.folder = folder
        self.shown = shown
        self._texts: dict[str, str | None] = {}
        self._problems: dict[tuple[str, str], tuple[str, str] | None] = {}

    def problem(self, document: str, quote: str) -> tuple[str, str] | None:
        """("document" or "quote", what is wrong) when the quote is not in the document."""
        if self.folder is None:
            return None
        key = (document, quote)
        if key not in self._problems:
            self._problems[key] = self._find(document, quote)
        return self._problems[key]

    def _find(self, document: str, quote: str) -> tuple[str, str] | None:
        if Path(document).name != document:
            return "document", f"{document!r} is a path; expected a file name in {self.shown}"
        text = self._text(document)
        if text is None:
            return "document", self._missing(document)
        wanted = normalise_text(quote)
        if wanted in text:
            return None
        return "quote", _not_found(document, wanted, _folded(wanted) in _folded(text))

    def _text(self, document: str) -> str | None:
        """The document's normalised text; None when there is no such file."""
        if document not in self._texts:
            path = self.folder / document
            text = None
            if path.is_file():
                text = normalise_text(path.read_bytes().decode("utf-8-sig", errors="replace"))
            self._texts[document] = text
        return self._texts[document]

    def _missing(self, document: str) -> str:
        names = sorted(path.name for path in self.folder.iterdir() if path.is_file())
        close = difflib.get_close_matches(document, names, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{document!r} is not in {self.shown}{hint}"


def _folded(text: str) -> str:
    return text.translate(_TYPOGRAPHY).casefold()


def _not_found(document: str, quote: str, nearly: bool) -> str:
    shown = quote if len(quote) <= 60 else quote[:60] + "…"
    message = f'quote not found in {document}: "{shown}"'
    if nearly:
        message += (
            "; it is there with other quotation marks, dashes or letter case: "
            "copy the sentence exactly as the document writes it"
        )
    return message
