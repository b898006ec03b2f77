"""Sourcing on every item (docs/case-format.md, "Sourcing"): where each item's words can be read.

A local `document:` is read (never a URL: no network, ever), hashed for the exports, and
searched for the item's `quote:` with whitespace and case folded, so that a quote that drifted
from its source is an error at its line rather than a citation nobody checked. Standard library
only: `validate` reads documents without loading any engine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hypotheses.case.messages import CaseError, Findings
from hypotheses.case.reading import MAX_BYTES, read_bytes

if TYPE_CHECKING:  # format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec


@dataclass(frozen=True)
class Document:
    """A cited document as the exports show it: a URL as written, or a local file's path relative
    to the case's folder (even outside it: `../sources/x.txt`, never the analyst's absolute path)
    with the sha256 of its bytes."""

    shown: str
    sha256: str | None = None


def is_url(document: str) -> bool:
    """A URL names a host (https://host/...): a Windows path's drive (C:\\x) has a scheme-like
    prefix but no host, and is a path."""
    try:
        parts = urlsplit(document.strip())
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


def fold(text: str) -> str:
    """Text as the quote check compares it: case folded, every run of whitespace one space."""
    return " ".join(text.casefold().split())


def _shown(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return path.as_posix()


def _matched_words(quote: str, text: str) -> int:
    """How many leading words of the (folded) quote occur in the (folded) text: where it stops
    matching is what the analyst has to look at."""
    words = quote.split(" ")
    low, high = 0, len(words)  # the prefix of `low` words is found; of `high + 1`, not
    while low < high:
        middle = (low + high + 1) // 2
        if " ".join(words[:middle]) in text:
            low = middle
        else:
            high = middle - 1
    return low


def cited_documents(data: Any, case_path: str) -> dict[str, bytes]:
    """The local documents a parsed case cites, read beside it, by `document:` as written: what a
    batch sends its workers with the case's text, so that a worker on another machine (or in
    another folder) checks the quotes against the same bytes. One that cannot be read is left
    out: the worker then reports why, as scoring the file alone would."""
    evidence = data.get("evidence") if isinstance(data, dict) else None
    folder = Path(case_path).parent
    out: dict[str, bytes] = {}
    for item in evidence if isinstance(evidence, list) else []:
        document = item.get("document") if isinstance(item, dict) else None
        if not isinstance(document, str) or not document.strip() or is_url(document.strip()):
            continue
        key = document.strip()
        if key not in out:
            try:
                out[key] = read_bytes((folder / key).resolve())
            except CaseError:
                continue
    return out


def check_sourcing(
    spec: CaseSpec, found: Findings, case_path: str, supplied: Mapping[str, bytes] | None = None
) -> dict[str, Document]:
    """Every item's cited document, by item id; errors (at the item's `document:` or `quote:`
    line) for a local document that cannot be read, a quote in a file that is not UTF-8 text, a
    quote absent from its document, and an empty quote or document. `supplied`: documents
    already read where the case file is, by `document:` as written (`cited_documents`)."""
    folder = Path(case_path).parent
    base = folder.resolve()
    read: dict[Path, tuple[bytes | None, str]] = {}  # each file once: (bytes, or None and why)
    documents: dict[str, Document] = {}
    for index, e in enumerate(spec.evidence):
        at = ("evidence", index)
        if e.quote is not None and not fold(e.quote):
            found.error((*at, "quote"), f"the quote of evidence '{e.id}' is empty; give the source's words")
        if e.document is None:
            continue
        document = e.document.strip()
        if not document:
            found.error(
                (*at, "document"), f"the document of evidence '{e.id}' is empty; give a path or a URL"
            )
            continue
        if is_url(document):  # never fetched: its quote stays as the analyst wrote it
            documents[e.id] = Document(document)
            continue
        path = (folder / document).resolve()
        shown = _shown(path, base)
        if path not in read:
            if supplied is not None and document in supplied:
                read[path] = (supplied[document], "")
            else:
                try:
                    read[path] = (read_bytes(path), "")
                except CaseError as exc:
                    read[path] = (None, exc.problems[0].message)
        raw, why = read[path]
        if raw is None:
            found.error(
                (*at, "document"),
                f"document '{shown}' of evidence '{e.id}' cannot be read: {why} (a path is relative to "
                "the case file's folder)",
            )
            continue
        documents[e.id] = Document(shown, hashlib.sha256(raw).hexdigest())
        if e.quote is None or not fold(e.quote):
            continue
        try:
            if b"\x00" in raw:
                raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL")
            text = fold(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            found.error(
                (*at, "document"),
                f"document '{shown}' of evidence '{e.id}' is not a text file (UTF-8, at most "
                f"{MAX_BYTES // 2**20} MiB), so its quote cannot be checked; give a text copy of the "
                "document, or its URL",
            )
            continue
        quote = fold(e.quote)
        if quote not in text:
            marks = _marks_only(quote, text)
            if marks:
                found.error(
                    (*at, "quote"),
                    f"the quote of evidence '{e.id}' is not in document '{shown}' as written: {marks}",
                )
                continue
            # Where it stops matching, quote marks aside: a pasted “...” would otherwise stop it
            # at its first word.
            plain, plain_text = _plain_marks(quote).strip(_WRAPPERS), _plain_marks(text)
            words = _matched_words(plain, plain_text)
            said = plain.split(" ")
            aside = " (quote marks and apostrophes aside)" if plain != quote else ""
            where = (
                f"; its first {words} word{'s' * (words != 1)} are there{aside}, then it differs at "
                f"'{said[words]}'"
                if words
                else ""
            )
            found.error(
                (*at, "quote"),
                f"the quote of evidence '{e.id}' is not in document '{shown}' (whitespace and case "
                f"folded){where}; copy the source's words exactly",
            )
    return documents


# Typographic quote marks and apostrophes, and the straight ones they stand for: a quote pasted
# from a word processor or a web page differs from a plain-text copy of the source only in these.
_MARKS = str.maketrans(dict.fromkeys("“”„‟«»″", '"') | dict.fromkeys("‘’‚‛′", "'"))
_WRAPPERS = "\"' "


def _plain_marks(text: str) -> str:
    return text.translate(_MARKS)


def _marks_only(quote: str, text: str) -> str:
    """Why a (folded) quote that is not in the (folded) text would be, were it not for its quote
    marks or apostrophes, or '' when something else differs. Said, never accepted: the quote
    check is exact by design (docs/case-format.md, "The quote check")."""
    plain, plain_text = _plain_marks(quote), _plain_marks(text)
    if plain in plain_text:
        return (
            "it differs only in its quote marks or apostrophes (typographic “ ” ‘ ’ against straight "
            "\" ', or the other way round); copy them as the document writes them"
        )
    inner = plain.strip(_WRAPPERS)
    if inner and inner != plain and inner in plain_text:
        apostrophes = quote.strip(_WRAPPERS + "“”„‟«»‘’‚‛") not in text
        return (
            "it is there without the quote marks around it"
            + (", and with the document's own apostrophes or quote marks inside" if apostrophes else "")
            + "; leave out the marks around it (`quote:` holds the source's words only)"
            + (" and copy the apostrophes as the document writes them" if apostrophes else "")
        )
    return ""
