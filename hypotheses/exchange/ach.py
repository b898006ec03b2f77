"""ACH matrices in and out (docs/ach.md): Heuer's Analysis of Competing Hypotheses, the matrix
most teams already keep.

In (`hypscore import-ach`): read from CSV, XLSX or PARC ACH 2.0's `.achz` (gzip-compressed
UTF-16 XML) and turned into a case file through an editable mapping from ratings to
likelihoods. Reading only builds YAML text; the case it makes is validated like any other
(case_from_text). Every problem is `file:line: what is wrong, and how to fix it` (the row's line
in a CSV, its row number in a spreadsheet, the evidence's position in an .achz).

Out (`hypscore export-ach`): a scored case as a matrix, each item's likelihoods as the nearest
consistency rating of the mapping, its credibility as a level, and two comment rows (read back
as comments on import): Heuer's weighted inconsistency score per hypothesis and our posterior
beside it. Cells are inert in a spreadsheet (csv_text).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError

import yaml
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML

from hypotheses.case.messages import CaseError, Problem
from hypotheses.case.reading import MAX_BYTES, decode_yaml, parse, read_bytes, wide_codec
from hypotheses.settings import MAX_DRAW_CELLS, MIN_DRAWS
from hypotheses.text import csv_text

if TYPE_CHECKING:  # only export-ach reads a scored case: import-ach stays at the case layer's cost
    from hypotheses.analysis.scorecard import Scorecard
    from hypotheses.case import Case

RATINGS = ("CC", "C", "N", "I", "II", "NA")
LEVELS = ("High", "Medium", "Low")
# Every spelling of a rating that matrices use, normalised (upper case, no spaces).
_RATING_WORDS = {
    "CC": "CC", "++": "CC", "VERYCONSISTENT": "CC",
    "C": "C", "+": "C", "CONSISTENT": "C",
    "N": "N", "NEUTRAL": "N", "0": "N",
    "I": "I", "-": "I", "INCONSISTENT": "I",
    "II": "II", "--": "II", "VERYINCONSISTENT": "II",
    "NA": "NA", "N/A": "NA", "NOTAPPLICABLE": "NA", "": "NA",
}  # fmt: skip
_LEVEL_WORDS = {
    "HIGH": "High",
    "H": "High",
    "MEDIUM": "Medium",
    "MED": "Medium",
    "M": "Medium",
    "LOW": "Low",
    "L": "Low",
}
# Columns with these headers are not hypotheses (case-insensitive).
_KNOWN = {
    "id": "id", "evidence": "label", "description": "label", "item": "label",
    "credibility": "credibility", "relevance": "relevance",
    "notes": "notes", "note": "notes", "comments": "notes",
}  # fmt: skip
# Heuer's weighted inconsistency (PARC ACH 2.0): II = -2, I = -1, the rest 0, times the
# credibility and relevance weights High = sqrt 2, Medium = 1, Low = 1/sqrt 2.
INCONSISTENCY = {"II": -2.0, "I": -1.0}
LEVEL_WEIGHT = {"High": math.sqrt(2.0), "Medium": 1.0, "Low": 1.0 / math.sqrt(2.0)}
FORMAT_HELP = "an ACH matrix is a .csv, .xlsx or .achz file (docs/ach.md)"
MAX_UNCOMPRESSED = 4 * MAX_BYTES  # a compressed matrix may not unpack into more than this
# Bounds checked while a matrix is read, before anything as large as rows x columns is built:
# every rating becomes a line of at least 16 bytes of the case (`      h: 1   # N`), so more
# cells than this make a case that hypscore itself would refuse (MAX_BYTES); and no more
# hypotheses than can be scored with the fewest draws under the draws x hypotheses cap.
MAX_CELLS = MAX_BYTES // 16
MAX_HYPOTHESES = MAX_DRAW_CELLS // MIN_DRAWS
MAX_COLUMNS = 16_384  # a worksheet's limit (column XFD)
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Mapping:
    """Ratings to P(evidence | h), credibility and relevance levels to our credibility."""

    ratings: dict[str, float]
    credibility: dict[str, float]
    relevance: dict[str, float]
    path: str


@dataclass(frozen=True)
class Row:
    line: int | None
    id: str
    label: str
    ratings: dict[str, str]  # hypothesis id -> CC, C, N, I, II or NA
    credibility: str | None  # High, Medium, Low
    relevance: str | None
    notes: str | None


@dataclass(frozen=True)
class Matrix:
    path: str
    title: str
    hypotheses: list[tuple[str, str]]  # (id, label), in column order
    rows: list[Row]


def _problem(path: str, line: int | None, message: str) -> CaseError:
    return CaseError([Problem(path, line, message)])


# ---- the mapping ----------------------------------------------------------------------------


def read_mapping(path: str | Path | None = None) -> Mapping:
    """The mapping file (YAML), or the default one shipped with hypscore when None. A given file
    is read as a case file is (reading.py): bounded in size, UTF-8 only, aliases that blow it up
    refused, every error at its line."""
    if path is None:
        text = (
            resources.files("hypotheses").joinpath("templates/ach-mapping.yaml").read_text(encoding="utf-8")
        )
        name = "the default ACH mapping"
    else:
        name = str(path)
        text = decode_yaml(read_bytes(Path(path)), name, "YAML mapping file")
    keys = "a mapping file has the keys ratings, credibility and relevance (docs/ach.md)"
    if all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise _problem(name, None, f"is empty; {keys}")
    data, lines = parse(text, name)
    if not isinstance(data, dict):
        raise _problem(name, 1, keys)
    out: dict[str, dict[str, float]] = {}
    for key, names, low in (
        ("ratings", RATINGS, 0.0),
        ("credibility", LEVELS, 0.0),
        ("relevance", LEVELS, 0.0),
    ):
        given = data.get(key)
        if not isinstance(given, dict) or set(map(str, given)) != set(names):
            raise _problem(
                name, lines.line((key,)), f"`{key}:` must give a number for each of {', '.join(names)}"
            )
        values = {}
        for level, value in given.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= 1:
                raise _problem(
                    name,
                    lines.line((key, level)),
                    f"`{key}: {level}` is {value!r}; give a probability from 0 to 1",
                )
            values[str(level)] = float(value)
        out[key] = values
    return Mapping(out["ratings"], out["credibility"], out["relevance"], name)


# ---- reading matrices -----------------------------------------------------------------------


def _rating(path: str, line: int | None, item: str, hypothesis: str, value: object) -> str:
    text = re.sub(r"\s+", "", str(value if value is not None else "")).upper()
    rating = _RATING_WORDS.get(text)
    if rating is None:
        raise _problem(
            path,
            line,
            f"evidence '{item}' rates hypothesis '{hypothesis}' as {str(value)!r}, which is no ACH "
            "rating; use CC, C, N, I, II or NA (or ++, +, N, -, --; a blank cell is NA)",
        )
    return rating


def _level(path: str, line: int | None, item: str, column: str, value: object) -> str | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    level = _LEVEL_WORDS.get(text.upper())
    if level is None:
        raise _problem(
            path,
            line,
            f"evidence '{item}' has {column} {text!r}; use High, Medium or Low (or leave it blank)",
        )
    return level


def _row(
    path: str,
    line: int | None,
    item: str,
    label: str,
    ratings: dict[str, str],
    column: Callable[[str], object],
    notes: str | None,
) -> Row:
    """A row of any matrix type, its credibility and relevance levels read by `column` (a CSV
    row's cells by header, an .achz element's attributes) and checked."""
    credibility, relevance = (_level(path, line, item, c, column(c)) for c in ("credibility", "relevance"))
    return Row(line, item, label, ratings, credibility, relevance, notes)


class Ids:
    """Ids of the case format ([a-z][a-z0-9_]*) made from column or row names, each unique: the
    next free suffix of each base is remembered, so n equal names cost n steps, not n**2."""

    def __init__(self, *reserved: str) -> None:
        self.taken = set(reserved)
        self.next: dict[str, int] = {}

    def make(self, text: str, prefix: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_")
        if not base or not base[0].isalpha():
            base = f"{prefix}_{base}" if base else prefix
        out, n = base, self.next.get(base, 2)
        while out in self.taken:
            out, n = f"{base}_{n}", n + 1
        self.next[base] = n
        self.taken.add(out)
        return out


def _too_many(path: str, line: int | None, hypotheses: int) -> CaseError:
    return _problem(
        path,
        line,
        f"the matrix has {hypotheses:,} hypotheses; hypscore scores at most {MAX_HYPOTHESES:,} "
        "(its draws x hypotheses limit): split the question, or drop hypotheses no evidence tells apart",
    )


def _too_large(path: str, line: int | None, rows: int, width: int) -> CaseError:
    return _problem(
        path,
        line,
        f"the matrix goes on past {rows:,} evidence rows of {width:,} columns: more than the "
        f"{MAX_CELLS:,} ratings a case file can hold ({MAX_BYTES // 2**20} MiB); split it into "
        "several matrices",
    )


def _table(path: str, header: list[str], rows: Iterable[tuple[int | None, list[str]]], title: str) -> Matrix:
    """A matrix from a header and rows of cells (CSV and XLSX alike), its size bounded as the rows
    come (a row's cells past the header must be blank)."""
    if len(header) > MAX_COLUMNS:
        raise _problem(
            path, 1, f"the header has {len(header):,} columns; a matrix has at most {MAX_COLUMNS:,}"
        )
    roles = [_KNOWN.get(h.strip().lower(), "hypothesis") if h.strip() else "blank" for h in header]
    if "label" not in roles and roles:
        roles[0] = "label"  # no Evidence header: the first column describes the evidence
    if roles.count("hypothesis") > MAX_HYPOTHESES:
        raise _too_many(path, 1, roles.count("hypothesis"))
    made = Ids("default")  # reserved in `likelihoods:` (the hypotheses not listed)
    hypotheses = [
        (made.make(h, "h"), h.strip()) for h, r in zip(header, roles, strict=True) if r == "hypothesis"
    ]
    if not hypotheses:
        raise _problem(
            path,
            1,
            "the matrix has no hypothesis columns; its first row names the columns: Evidence, then "
            "one per hypothesis (and optionally ID, Credibility, Relevance, Notes)",
        )
    if len(hypotheses) < 2:
        raise _problem(
            path,
            1,
            f"the matrix has one hypothesis column ({hypotheses[0][1]}); competing hypotheses need "
            "two or more",
        )
    out: list[Row] = []
    ids = Ids()
    width = len(header)
    most = min(MAX_ROWS, MAX_CELLS // max(width, 1))
    for line, cells in rows:
        if any(c.strip() for c in cells[width:]):
            raise _problem(
                path,
                line,
                f"this row has {len(cells):,} cells but the header names {width:,} columns; quote a "
                "description that holds the separator, or give the extra column a header",
            )
        cells = cells[:width] + [""] * (width - len(cells))
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue  # blank, or a comment row (export-ach writes its scores in such rows)
        if len(out) >= most:
            raise _too_large(path, line, len(out), width)
        named = {r: c.strip() for r, c in zip(roles, cells, strict=False) if r not in ("hypothesis", "blank")}
        label = named.get("label", "")
        if not label:
            raise _problem(
                path,
                line,
                "this evidence row has no description; write what was observed in the Evidence column",
            )
        item = ids.make(named.get("id") or label, "e")
        values = [c for c, r in zip(cells, roles, strict=False) if r == "hypothesis"]
        ratings = {
            h: _rating(path, line, item, name, v) for (h, name), v in zip(hypotheses, values, strict=True)
        }
        out.append(_row(path, line, item, label, ratings, named.get, named.get("notes") or None))
    if not out:
        raise _problem(
            path, None, "the matrix has no evidence rows; add one row per item of evidence under the header"
        )
    return Matrix(path, title, hypotheses, out)


def _decode(path: str, raw: bytes, what: str) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 / UTF-32 as the case reader recognises them (a
    BOM, or NUL-interleaved text, in either byte order): any even-length byte string 'decodes'
    as UTF-16, so that is never a fallback."""
    codec = wide_codec(raw)
    try:
        return raw.decode(codec) if codec else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problem(
            path, None, f"is not UTF-8 (or UTF-16) text; save the {what} with UTF-8 encoding"
        ) from None


def _csv(path: str, raw: bytes) -> Matrix:
    text = _decode(path, raw, "matrix as CSV")
    # The delimiter is the one of , ; and tab that the header row uses most (outside quotes);
    # the quote is always '"' (a sniffer can take an apostrophe in a label for a quote).
    header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    delimiter = max(",;\t", key=lambda d: (unquoted.count(d), d == ","))
    # strict: a quote never closed is an error, not a field that swallows every row after it.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    start = 1  # the line a row starts on (a quoted field may go on over several lines)

    def rows() -> Iterator[tuple[int | None, list[str]]]:
        """The rows one at a time, so that _table bounds the matrix before it is all held."""
        nonlocal start
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise _problem(
                    path,
                    start,
                    "a quoted field starting on this line is never closed, so every row after it would "
                    "be read into it; add the closing '\"' (or remove the opening one)",
                ) from None
            raise _problem(
                path,
                reader.line_num,
                f"the CSV cannot be read ({exc}); a field that starts with '\"' must end with it "
                "(write a quote inside it as '\"\"'), or save it again as CSV",
            ) from None

    lines = rows()
    first = next(lines, None)
    if first is None:
        raise _problem(
            path,
            None,
            "the matrix is empty; its first row names the columns: Evidence, then one per hypothesis",
        )
    return _table(path, first[1], lines, Path(path).stem)


_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _xml(path: str, data: bytes | str, fallback: bool = False) -> Element:
    """Parse XML that came from a file we did not write with defusedxml: a DTD or an entity is
    refused wherever and in whatever encoding it is written (expat itself reads the encoding, so
    no sniff of ours can be fooled by UTF-16 without its byte-order mark)."""
    try:
        return SafeXML.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        if fallback and isinstance(data, bytes) and "encoding" in str(exc):
            with contextlib.suppress(UnicodeDecodeError):
                text = data.decode("utf-8-sig")
                return _xml(path, text)
        raise _problem(
            path, None, f"the matrix's XML is broken ({exc}); export it again from its program"
        ) from None
    except DefusedXmlException:
        raise _problem(
            path,
            None,
            "the matrix file declares a DTD or entities, which hypscore does not read (they can "
            "expand without bound); export it again from its program",
        ) from None


def _letters(index: int) -> str:
    """A worksheet column's letters (0 -> A, 16383 -> XFD)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column(path: str, ref: str) -> int:
    letters = re.match(r"[A-Z]*", ref)
    name = letters.group() if letters and letters.group() else "A"
    n = 0
    for ch in name[:4]:
        n = n * 26 + ord(ch) - 64
    if len(name) > 3 or n > MAX_COLUMNS:
        raise _problem(path, None, f"cell {ref[:12]!r} lies beyond a worksheet's last column (XFD)")
    return n - 1


def _xlsx(path: str, raw: bytes) -> Matrix:
    """The first worksheet of an Office Open XML workbook, read with the standard library."""
    try:
        book = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise _problem(path, None, f"is not an .xlsx workbook (not a zip archive); {FORMAT_HELP}") from None

    def member(name: str) -> bytes | None:
        try:
            info = book.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_UNCOMPRESSED:
            raise _problem(path, None, f"{name} unpacks to {info.file_size:,} bytes; too large a matrix")
        try:
            with book.open(info) as stream:  # bounded: a member may lie about its size
                data = stream.read(MAX_UNCOMPRESSED + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error, ValueError) as exc:
            raise _problem(
                path, None, f"the workbook is damaged or uses an unsupported compression ({exc})"
            ) from None
        if len(data) > MAX_UNCOMPRESSED:
            raise _problem(path, None, f"{name} unpacks to more than 64 MiB; too large a matrix")
        return data

    workbook = member("xl/workbook.xml")
    if workbook is None:
        raise _problem(path, None, f"is not an .xlsx workbook (no xl/workbook.xml); {FORMAT_HELP}")
    sheets = _xml(path, workbook).find(f"{_SHEET}sheets")
    first = sheets[0] if sheets is not None and len(sheets) else None
    if first is None:
        raise _problem(path, None, "the workbook has no worksheet")
    target = "worksheets/sheet1.xml"
    rels = member("xl/_rels/workbook.xml.rels")
    if rels is not None:
        wanted = first.get(f"{_DOC_RELS}id")
        for rel in _xml(path, rels).iter(f"{_RELS}Relationship"):
            if rel.get("Id") == wanted:
                target = rel.get("Target", target).lstrip("/").removeprefix("xl/")
    sheet = member(f"xl/{target}")
    if sheet is None:
        raise _problem(path, None, f"the workbook's first sheet (xl/{target}) is missing")
    shared: list[str] = []
    strings = member("xl/sharedStrings.xml")
    if strings is not None:
        for si in _xml(path, strings).iter(f"{_SHEET}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{_SHEET}t")))
    # Rows are read sparse (column index -> text, blank cells left out) and made dense only up
    # to the header's last column: a sheet padded with empty cells out to XFD costs nothing.
    sparse: list[tuple[int, dict[int, str]]] = []
    for row in _xml(path, sheet).iter(f"{_SHEET}row"):
        cells: dict[int, str] = {}
        index = -1
        for c in row.iter(f"{_SHEET}c"):
            ref = c.get("r")
            index = _column(path, ref) if ref else index + 1  # without r, cells come in order
            kind, value = c.get("t"), c.find(f"{_SHEET}v")
            if (
                kind == "s"
                and value is not None
                and (value.text or "").isdigit()
                and int(value.text) < len(shared)
            ):
                text = shared[int(value.text)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{_SHEET}t"))
            else:
                text = value.text or "" if value is not None else ""
            if text.strip():
                cells[index] = text
        number = row.get("r", str(len(sparse) + 1))
        if not number.isdigit() or int(number) > MAX_ROWS:
            raise _problem(path, None, f"the worksheet has a row numbered {number[:12]!r}; export it again")
        if cells:
            sparse.append((int(number), cells))
    if not sparse:
        raise _problem(
            path,
            None,
            "the matrix is empty; its first row names the columns: Evidence, then one per hypothesis",
        )
    first_row = sparse[0][1]
    width = max(first_row) + 1
    header = [first_row.get(k, "") for k in range(width)]

    def dense() -> Iterator[tuple[int | None, list[str]]]:
        for number, cells in sparse[1:]:
            beyond = [k for k in cells if k >= width]
            if beyond:
                k = min(beyond)
                raise _problem(
                    path,
                    number,
                    f"cell {_letters(k)}{number} holds {cells[k][:40]!r} beyond the header's last column "
                    f"({_letters(width - 1)}); give its column a header, or clear it",
                )
            yield number, [cells.get(k, "") for k in range(width)]

    name = first.get("name") or Path(path).stem
    return _table(path, header, dense(), name)


def _achz(path: str, raw: bytes) -> Matrix:
    """PARC ACH 2.0's .achz: gzip-compressed UTF-16 XML (docs/ach.md gives the elements read)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_UNCOMPRESSED + 1)
    except (OSError, EOFError, zlib.error):
        raise _problem(
            path, None, f"is not an .achz file (not gzip-compressed, or damaged); {FORMAT_HELP}"
        ) from None
    if len(data) > MAX_UNCOMPRESSED:
        raise _problem(path, None, "unpacks to more than 64 MiB; too large a matrix")
    # XML names its own encoding (UTF-16 for PARC ACH, with or without a byte-order mark); a file
    # that declares UTF-16 but is written in UTF-8 is read as text (the declaration ignored).
    root = _xml(path, data, fallback=True)
    elements = list(root.iter("Hypothesis"))
    if len(elements) > MAX_HYPOTHESES:
        raise _too_many(path, None, len(elements))
    made = Ids("default")
    by_ref: dict[str, str] = {}
    hypotheses = []
    for h in elements:
        name = (h.get("name") or h.text or "").strip()
        hid = made.make(name or h.get("id", "h"), "h")
        by_ref[h.get("id", hid)] = hid
        hypotheses.append((hid, name or hid))
    if len(hypotheses) < 2:
        raise _problem(path, None, "the .achz names fewer than two hypotheses (<Hypothesis name=...>)")
    header_ids = [h for h, _ in hypotheses]
    out = []
    ids = Ids()
    most = min(MAX_ROWS, MAX_CELLS // len(hypotheses))
    for position, e in enumerate(root.iter("Evidence"), 1):
        if position > most:
            raise _too_large(path, None, most, len(hypotheses))
        label = (e.get("name") or "").strip()
        if not label:
            raise _problem(path, None, f"evidence number {position} has no name")
        item = ids.make(e.get("id") or label, "e")
        ratings = dict.fromkeys(header_ids, "NA")
        for c in e.iter("Consistency"):
            ref = c.get("hypothesis", "")
            if ref not in by_ref:
                raise _problem(path, None, f"evidence '{item}' rates an unknown hypothesis {ref!r}")
            ratings[by_ref[ref]] = _rating(path, None, item, ref, c.get("rating"))
        notes = (e.get("notes") or "").strip() or None
        out.append(_row(path, None, item, label, ratings, e.get, notes))
    if not out:
        raise _problem(path, None, "the matrix has no evidence (<Evidence> elements)")
    return Matrix(path, root.get("title") or Path(path).stem, hypotheses, out)


def read_matrix(path: str | Path) -> Matrix:
    """An ACH matrix from a .csv, .xlsx or .achz file."""
    path = Path(path)
    raw = read_bytes(path)
    suffix = path.suffix.lower()
    readers = {".csv": _csv, ".txt": _csv, ".tsv": _csv, ".xlsx": _xlsx, ".achz": _achz}
    if suffix not in readers:
        raise _problem(str(path), None, f"unknown matrix type '{suffix or path.name}'; {FORMAT_HELP}")
    return readers[suffix](str(path), raw)


# ---- to a case ------------------------------------------------------------------------------


def credibility_of(row: Row, mapping: Mapping) -> float:
    """Our credibility: the Credibility level's value times the Relevance level's (1 if none)."""
    c = mapping.credibility[row.credibility] if row.credibility else 1.0
    return c * (mapping.relevance[row.relevance] if row.relevance else 1.0)


def matrix_to_yaml(matrix: Matrix, mapping: Mapping) -> str:
    """The case file for the matrix: equal priors, one item per evidence row with each rating's
    likelihood (the rating kept as a comment), the credibility from its levels, labels and notes."""

    def scalar(value: Any) -> str:
        return (
            yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
            .removesuffix("\n...\n")
            .strip()
        )

    lines = [
        f"# Imported from the ACH matrix {Path(matrix.path).name} by hypscore import-ach.",
        f"# Mapping: {mapping.path}; ratings "
        + ", ".join(f"{r} {mapping.ratings[r]:g}" for r in RATINGS)
        + ".",
        "# Priors are equal: an ACH matrix states none; give them under each hypothesis.",
        "schema: 1",
        f"title: {scalar(matrix.title)}",
        "hypotheses:",
    ]
    for hid, label in matrix.hypotheses:
        lines += [f"  - id: {hid}", f"    label: {scalar(label)}"]
    lines.append("evidence:")
    for row in matrix.rows:
        lines += [f"  - id: {row.id}", f"    label: {scalar(row.label)}"]
        if row.credibility or row.relevance:
            said = " x ".join(
                f"{level} {column}"
                for column, level in (("credibility", row.credibility), ("relevance", row.relevance))
                if level
            )
            lines.append(f"    credibility: {credibility_of(row, mapping):.6g}   # {said}")
        if row.notes:
            lines.append(f"    notes: {scalar(row.notes)}")
        lines.append("    likelihoods:")
        for hid, _ in matrix.hypotheses:
            rating = row.ratings[hid]
            lines.append(f"      {hid}: {mapping.ratings[rating]:g}   # {rating}")
    return "\n".join(lines) + "\n"


def import_ach(path: str | Path, mapping: str | Path | None = None) -> str:
    """The case file (YAML text) for an ACH matrix; validated before it is returned."""
    from hypotheses.case.loading import case_from_text

    table = read_mapping(mapping)
    text = matrix_to_yaml(read_matrix(path), table)
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:  # long labels can outgrow the cell bound: never write a case we refuse
        raise _problem(
            str(path),
            None,
            f"the case made from this matrix would be {size / 2**20:.1f} MiB; case files are limited to "
            f"{MAX_BYTES // 2**20} MiB: split the matrix, or shorten its descriptions and notes",
        )
    try:
        case_from_text(text, f"{path} (imported)")  # a mapping of 0s could rule everything out
    except CaseError as exc:
        raise CaseError(
            [
                Problem(
                    str(path),
                    None,
                    f"the case made from this matrix with {table.path} is not valid: {p.message}",
                )
                for p in exc.problems
            ]
        ) from None
    return text


# ---- from a case ----------------------------------------------------------------------------


def nearest(value: float, table: dict[str, float]) -> str:
    """The key whose value is nearest (the first of equals: N before NA, High before Low)."""
    return min(table, key=lambda k: (abs(table[k] - value), list(table).index(k)))


def weighted_inconsistency(
    rows: list[tuple[dict[str, str], str | None, str | None]], ids: list[str]
) -> dict[str, float]:
    """Heuer's weighted inconsistency score per hypothesis (PARC ACH 2.0): the sum over evidence of
    credibility weight x relevance weight x (-2 for II, -1 for I, 0 otherwise); blank levels
    weigh as Medium. Closer to 0: fewer and weaker inconsistencies."""
    out = dict.fromkeys(ids, 0.0)
    for ratings, credibility, relevance in rows:
        weight = LEVEL_WEIGHT[credibility or "Medium"] * LEVEL_WEIGHT[relevance or "Medium"]
        for h in ids:
            out[h] += weight * INCONSISTENCY.get(ratings[h], 0.0)
    return out


# An item through no source with the default credibility counts fully: no level is written
# (import-ach reads a blank level as 1).
_FULL = 0.999


def ach_rows(case: Case, card: Scorecard, mapping: Mapping) -> tuple[list[str], list[list[str]]]:
    """The matrix: a header and one row per observed item, then the two score rows."""
    from hypotheses.model.factors import compile_case

    ids = case.hypothesis_ids
    compiled = compile_case(case)
    rows, scored = [], []
    means = zip(case.evidence, compiled.theta_mean, compiled.credibility_mean, strict=True)
    for j, (item, theta_mean, c) in enumerate(means):
        theta = [float(t) for t in theta_mean]
        if item.rated:
            # Given rates: ACH's rating is P(E* | h) itself, which says all of it (no level).
            hit, false_alarm = compiled.hit_mean[j], compiled.false_alarm_mean[j]
            theta, c = [t * hit + (1.0 - t) * false_alarm for t in theta], 1.0
        if item.ratios:  # ratios are relative: the largest is read as the most consistent
            top = max(theta)
            theta = [t / top if top > 0 else 0.0 for t in theta]
        ratings = {
            h: nearest(t, {r: v for r, v in mapping.ratings.items() if r != "NA"})
            for h, t in zip(ids, theta, strict=True)
        }
        level = None if c >= _FULL else nearest(c, mapping.credibility)
        label = item.label + (" (looked for, not found)" if item.observed is False else "")
        if item.reports is not None:  # ACH has no events: a second report would count the fact twice
            others = ", ".join(r.id for r in case.reports_of(item.reports) if r.id != item.id)
            event = case.event(item.reports)
            said = f"'{event.label}'" if event is not None else item.reports
            label += f" (reports one event with {others}: {said})" if others else f" (reports {said})"
        origin = case.origin_of(item.id)
        if origin is not None:  # ACH has no mixture: the rating is the item alone, the doubt said
            others = ", ".join(i for i in origin.items if i != item.id)
            label += f" (may repeat one origin with {others}: '{origin.label}', shared {origin.shared.text})"
        rows.append([item.id, label, level or "", "", item.notes or "", *(ratings[h] for h in ids)])
        scored.append((ratings, level, None))
    scores = weighted_inconsistency(scored, ids)
    posterior = {h.id: h.posterior.mean for h in card.hypotheses}
    rows.append(["# weighted inconsistency (Heuer)", "", "", "", "", *(f"{scores[h]:.3f}" for h in ids)])
    rows.append(["# posterior P(h | E), hypscore", "", "", "", "", *(f"{posterior[h]:.4f}" for h in ids)])
    return ["ID", "Evidence", "Credibility", "Relevance", "Notes", *ids], rows


def ach_csv(case: Case, card: Scorecard, mapping: Mapping) -> str:
    """The matrix of `ach_rows` as CSV text."""
    header, rows = ach_rows(case, card, mapping)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # Every cell, ours and the case's alike, through the one neutraliser: exempting cells that
    # start with "# " (our score rows) let a label of that shape carry raw escapes and line
    # breaks to the terminal the CSV prints on. Our own cells come through unchanged.
    for row in (header, *rows):
        writer.writerow([csv_text(cell) for cell in row])
    return buffer.getvalue()
