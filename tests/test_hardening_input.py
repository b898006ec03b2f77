"""Hostile and odd input: alias and merge bombs, recursive anchors, unusual tags, special files,
UTF-16 text, broken scale files, and "did you mean" suggestions that must never flip a word's
meaning. Each case must end in a clear CaseError (or ScaleError), quickly, never a traceback."""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hypotheses import CaseError, load_case
from hypotheses.case import reading as yamlsource
from hypotheses.case.reading import parse
from priors import JudgmentError, Scale, Term, get_scale
from priors.scales import normalise_word
from tests.helpers import ROOT

HANG_GUARD = 20  # seconds; the inputs below take milliseconds, or hours if the guard is broken

_RUN_PARSE = """
import json, sys
from hypotheses.case.messages import CaseError
from hypotheses.case.reading import parse, read_text
from pathlib import Path
try:
    data, _ = parse(read_text(Path(sys.argv[1])), sys.argv[1])
    print(json.dumps({"data": data}, default=str))
except CaseError as exc:
    print(json.dumps({"problems": [[p.line, p.message] for p in exc.problems]}))
"""


def _parse_isolated(path: Path) -> dict:
    """Parse in a child process, so that a hang fails the test instead of stalling the run."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_PARSE, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing {path.name} did not finish in {HANG_GUARD} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _messages(outcome: dict) -> list[str]:
    assert "problems" in outcome, f"expected an error, got {str(outcome)[:300]}"
    return [message for _, message in outcome["problems"]]


# 1. Alias and merge-key bombs ------------------------------------------------------------------


def _merge_bomb(levels: int, copies: int, with_values: bool) -> str:
    """Each anchored mapping merges the previous one `copies` times (and, `with_values`, also
    holds it twice as a value), nested inline so the biggest one is built first."""
    inner = "&a0 {x0: 1, x1: 1, x2: 1, x3: 1}"
    for i in range(1, levels):
        alias = f"*a{i - 1}"
        values = f", v{i}: [{alias}, {alias}]" if with_values else ""
        inner = f"&a{i} {{<<: [{inner}" + f", {alias}" * (copies - 1) + f"]{values}}}"
    return f"schema: 1\ntitle: t\nbomb: {inner}\n"


def test_merge_key_bomb_is_refused_as_an_alias_bomb(tmp_path: Path) -> None:
    text = _merge_bomb(levels=14, copies=4, with_values=True)
    assert len(text) < 700
    outcome = _parse_isolated(_write(tmp_path, text))
    assert any("alias bomb" in m for m in _messages(outcome))
    assert outcome["problems"][0][0] == 3


def test_repeated_merges_of_one_mapping_do_not_multiply(tmp_path: Path) -> None:
    # `<<: [*a, *a, *a, *a]` means the keys of a, once: nested 16 deep it is still 4 keys.
    outcome = _parse_isolated(_write(tmp_path, _merge_bomb(levels=16, copies=4, with_values=False)))
    assert outcome["data"]["bomb"] == {"x0": 1, "x1": 1, "x2": 1, "x3": 1}


def test_merges_over_many_mappings_are_charged(tmp_path: Path) -> None:
    keys = ", ".join(f"k{i}: {i}" for i in range(200))
    text = f"schema: 1\ntitle: t\nbig: &big {{{keys}}}\nmany:\n" + "  - {<<: *big}\n" * 3000
    outcome = _parse_isolated(_write(tmp_path, text))
    assert any("alias bomb" in m for m in _messages(outcome))


def test_sequence_alias_bombs_are_refused(tmp_path: Path) -> None:
    lines = ["schema: 1", "title: t", "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 12)]
    outcome = _parse_isolated(_write(tmp_path, "\n".join(lines) + "\n"))
    assert any("alias bomb" in m for m in _messages(outcome))
    # The same, nested inline under one key, and mixed with mappings.
    inner = "&m0 {a: x, b: x}"
    for i in range(1, 30):
        inner = f"&m{i} [{inner}, *m{i - 1}, {{k: *m{i - 1}}}]"
    outcome = _parse_isolated(_write(tmp_path, f"schema: 1\ntitle: t\nx: {inner}\n", "inline.yaml"))
    assert any("alias bomb" in m for m in _messages(outcome))


def test_ordinary_merges_still_work() -> None:
    data, lines = parse(
        textwrap.dedent(
            """\
            base: &base {label: Base, prior: 0.5}
            other: &other {label: Other, notes: n}
            h:
              <<: [*base, *other]
              prior: 0.2
            """
        ),
        "m.yaml",
    )
    # Explicit keys win, then earlier merged mappings over later ones (the YAML merge rule).
    assert data["h"] == {"prior": 0.2, "label": "Base", "notes": "n"}
    assert lines.line(("h", "prior")) == 5


def test_deep_alias_nesting_is_a_clear_error(tmp_path: Path) -> None:
    # Each anchor nests 900 deep (under libyaml's limit of 1000); aliases stack them far deeper.
    lines = ["schema: 1", "title: t", "d0: &d0 " + "[" * 900 + "x" + "]" * 900]
    lines += [f"d{i}: &d{i} " + "[" * 900 + f"*d{i - 1}" + "]" * 900 for i in range(1, 8)]
    outcome = _parse_isolated(_write(tmp_path, "\n".join(lines) + "\n"))
    assert any("nested too deeply" in m for m in _messages(outcome))


# 2. Recursive anchors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["&a [*a]", "&m {<<: *m}", "&m {<<: [*m]}", "&m {k: *m}", "&m {k: {<<: *m}}", "&s [[*s]]"],
)
def test_recursive_anchor_is_refused(tmp_path: Path, value: str) -> None:
    outcome = _parse_isolated(_write(tmp_path, f"schema: 1\ntitle: t\n\nx: {value}\n"))
    assert any("recursive & anchor" in m for m in _messages(outcome)), outcome
    assert outcome["problems"][0][0] == 4


def test_recursive_anchor_from_the_command_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "schema: 1\ntitle: t\na: &a [*a]\n")
    done = subprocess.run(
        [sys.executable, "cli.py", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert done.returncode == 2, done.stderr
    assert f"{path}:3: this anchored value contains an alias of itself" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


# 3. Tags and merge values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!binary aGVsbG8=", "tag:yaml.org,2002:binary"),
        ("!foo bar", "!foo"),
        ("!!set {a, b}", "tag:yaml.org,2002:set"),
        ("!!omap [a: 1]", "tag:yaml.org,2002:omap"),
        ("!<tag:example.com,2000:thing> x", "tag:example.com,2000:thing"),
        ("!!python/name:os.system ''", "tag:yaml.org,2002:python/name:os.system"),
    ],
)
def test_unsupported_tags_are_refused(value: str, tag: str) -> None:
    with pytest.raises(CaseError) as caught:
        parse(f"schema: 1\nlabel: {value}\n", "t.yaml")
    assert str(caught.value) == f"t.yaml:2: unsupported YAML tag '{tag}'; write plain values"


def test_tagged_keys_are_refused() -> None:
    with pytest.raises(CaseError, match=r"t.yaml:2: unsupported YAML tag 'tag:yaml.org,2002:binary'"):
        parse("schema: 1\n? !!binary aGVsbG8=\n: 1\n", "t.yaml")


def test_plain_scalar_tags_are_accepted() -> None:
    data, _ = parse(
        "a: !!str 5\nb: !!int '7'\nc: !!float 1\nd: !!bool true\ne: !!null ''\nf: 2017-01-05\n", "t"
    )
    assert data["a"] == "5" and data["b"] == 7 and data["c"] == 1.0 and data["d"] is True
    assert data["e"] is None
    assert str(data["f"]) == "2017-01-05"  # YAML's date: kept for the items' `date:` (docs/case-format.md)


@pytest.mark.parametrize("merge", ["5", "[5]", "[[a, b]]", "text", "[*s]"])
def test_merge_of_a_non_mapping_is_refused(merge: str) -> None:
    with pytest.raises(CaseError) as caught:
        parse(f"schema: 1\ns: &s [1, 2]\nx:\n  k: 1\n  <<: {merge}\n", "t.yaml")
    assert "t.yaml:5: a merge key (<<) must name a mapping" in str(caught.value)


# 4. Special files ------------------------------------------------------------------------------

_RUN_READ = """
import sys
from pathlib import Path
from hypotheses.case.messages import CaseError
from hypotheses.case.reading import read_text
try:
    read_text(Path(sys.argv[1]))
    print("read")
except CaseError as exc:
    print(exc)
"""


def _read_isolated(path: str) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_READ, path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path} did not finish in {HANG_GUARD} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_without_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    expected = "is not a regular file (it is a device, pipe or socket); give the path of a .yaml case file"
    assert _read_isolated(str(fifo)) == f"{fifo}: {expected}"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_endless_device_is_refused() -> None:
    assert "/dev/zero: is not a regular file" in _read_isolated("/dev/zero")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc here")
def test_read_is_bounded_even_when_the_size_is_misreported(monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files say they are 0 bytes long; the read itself must stop at the limit.
    monkeypatch.setattr(yamlsource, "MAX_BYTES", 64)
    with pytest.raises(CaseError, match="file is larger than 0 MiB; case files are limited to 0 MiB"):
        yamlsource.read_text(Path("/proc/self/status"))


# 5. UTF-16 and UTF-32 --------------------------------------------------------------------------

_CASE_TEXT = "schema: 1\ntitle: Caf\u00e9 test\nhypotheses:\n  - id: a\n    label: A\n"


@pytest.mark.parametrize(
    ("encoding", "shown"),
    [
        ("utf-16", "UTF-16"),  # with a byte-order mark
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
def test_utf16_and_utf32_text_is_named(tmp_path: Path, encoding: str, shown: str) -> None:
    path = tmp_path / f"{encoding}.yaml"
    path.write_bytes(_CASE_TEXT.encode(encoding))
    with pytest.raises(CaseError) as caught:
        load_case(path)
    assert str(caught.value) == (
        f"{path}: is {shown} text; save it as UTF-8 (in most editors: Save As... > Encoding: UTF-8)"
    )


def test_binary_files_are_still_binary(tmp_path: Path) -> None:
    for name, blob in [("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ("zeros", b"\x00" * 64)]:
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(blob)
        with pytest.raises(CaseError, match="is a binary file"):
            load_case(path)


# 6. Large files --------------------------------------------------------------------------------


def _big_case(items: int) -> str:
    head = "schema: 1\ntitle: Big\nhypotheses:\n  - {id: a, label: A}\n  - {id: b, label: B}\nevidence:\n"
    body = "".join(
        f"  - id: e{i}\n    label: Evidence item number {i}\n    likelihoods:\n"
        f"      a: 0.{i % 89 + 10}\n      b: 0.{i * 7 % 89 + 10}\n"
        for i in range(items)
    )
    return head + body


def test_parsing_does_not_run_the_garbage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    # Millions of small acyclic objects: with the collector on, parsing a 15 MiB file took 11 s
    # instead of 3 (it rescans everything made so far, again and again).
    seen: list[bool] = []

    class Spy(yamlsource._Loader):
        def get_single_node(self) -> object:
            node = super().get_single_node()
            seen.append(gc.isenabled())
            return node

    monkeypatch.setattr(yamlsource, "_Loader", Spy)
    assert gc.isenabled()
    data, _ = parse(_big_case(10), "big.yaml")
    assert seen == [False] and gc.isenabled() and len(data["evidence"]) == 10


def test_a_document_without_aliases_is_not_counted_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counting the distinct nodes (for the alias budget) is a second pass over the document:
    # needed only once aliases have made the document bigger than its text.
    def refuse(root: object) -> int:
        raise AssertionError("counted the nodes of a document without aliases")

    monkeypatch.setattr(yamlsource, "_count_nodes", refuse)
    data, lines = parse(_big_case(2000), "big.yaml")
    assert len(data["evidence"]) == 2000
    assert lines.line(("evidence", 1999, "likelihoods", "b")) == 6 + 5 * 2000


def test_a_large_case_validates(tmp_path: Path) -> None:
    path = _write(tmp_path, _big_case(25_000), "big.yaml")
    assert path.stat().st_size > 2 * 2**20
    done = subprocess.run(
        [sys.executable, "cli.py", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "ok (2 hypotheses, 25000 evidence items" in done.stdout, done.stderr


# 7. Words never flip ---------------------------------------------------------------------------

BUILTIN_SCALES = ("icd203", "kent", "phia")
_NEGATING_PREFIXES = ("un", "im", "in", "ir", "il", "dis")


def _typos(word: str, letters: str = "xe") -> set[str]:
    """`word` and its one-edit misspellings: a letter lost, two swapped, one replaced or added."""
    out = {word}
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1 :])
        out.add(word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :])
        for letter in letters:
            out.add(word[:i] + letter + word[i + 1 :])
            out.add(word[:i] + letter + word[i:])
    return {o for o in out if o.strip()}


def _negated(word: str) -> list[tuple[str, str]]:
    """Phrases that do not mean `word` (its negations, or it with its negation taken away), as
    (pattern, core) pairs: typos go into the core only, never into the negation itself."""
    tokens = word.split()
    negated_already = any(t.startswith(_NEGATING_PREFIXES) or t in ("not", "no") for t in tokens)
    out = [(marker, word) for marker in ("not {}", "no {}", "isn't {}", "never {}", "hardly {}")]
    if not negated_already:
        out += [("un{}", word), ("im{}", word), ("in{}", word), ("{} not", word)]
    for i, token in enumerate(tokens):

        def around(middle: str, i: int = i) -> str:
            return " ".join(p for p in (*tokens[:i], middle, *tokens[i + 1 :]) if p)

        prefix = next(
            (p for p in _NEGATING_PREFIXES if token.startswith(p) and len(token) > len(p) + 3), None
        )
        if prefix:
            out.append(("{}", around(token[len(prefix) :])))  # 'unlikely' -> 'likely'
        elif token in ("not", "no"):
            out.append(("{}", around("")))  # 'probably not' -> 'probably'
        else:
            out += [(around("un{}"), token), (around("not {}"), token)]
    return out


def _side(term: Term) -> int:
    """-1 below even chance, +1 above, 0 for a range that holds 0.5."""
    return -1 if term.hi < 0.5 else 1 if term.lo > 0.5 else 0


def _meanings() -> dict[str, set[int]]:
    """Every word of every built-in scale, with the side(s) of even chance it means."""
    sides: dict[str, set[int]] = {}
    for name in BUILTIN_SCALES:
        for term in get_scale(name).terms:
            for word in (term.term, *term.synonyms):
                sides.setdefault(normalise_word(word), set()).add(_side(term))
    return sides


def _suggestion(scale: Scale, typed: str) -> str | None:
    """The "did you mean" of the error for an unknown word, as the analyst sees it."""
    try:
        scale.judgment(typed)
    except JudgmentError as exc:
        found = re.search(r"\(did you mean '([^']*)'\?\)", str(exc))
        return found.group(1) if found else None
    raise AssertionError(f"{typed!r} is a word of {scale.name}")


@pytest.mark.parametrize("name", BUILTIN_SCALES)
def test_suggestions_never_flip_a_word(name: str) -> None:
    """For every word w of every scale (so also words of one scale typed in another): a
    misspelling of w may only be corrected to a word on w's side of even chance, and a negation
    of w (or w with its negation dropped), even misspelt, never to a word on w's side."""
    scale = get_scale(name)
    same: dict[str, set[int]] = {}  # phrase -> sides a suggestion must have
    other: dict[str, set[int]] = {}  # phrase -> sides a suggestion must not have
    for word, sides in _meanings().items():
        if len(sides) != 1:
            continue
        (side,) = sides
        for typo in _typos(word):
            same.setdefault(typo, set()).add(side)
        for pattern, core in _negated(word):
            for typo in _typos(core, letters=""):
                other.setdefault(pattern.format(typo), set()).add(side)
    flips = []
    suggested = 0
    for phrase in sorted(same.keys() | other.keys()):
        if scale.lookup(phrase) is not None:
            continue
        suggestion = _suggestion(scale, phrase)
        if suggestion is None:
            continue
        suggested += 1
        term = scale.lookup(suggestion)
        assert term is not None
        side = _side(term)
        if any(side != s for s in same.get(phrase, ())) or side in other.get(phrase, ()):
            flips.append(f"{phrase!r} -> {suggestion!r}")
    assert not flips, f"{len(flips)} flips on {name}: {flips[:20]}"
    assert suggested > 100  # it still helps: most plain misspellings get a suggestion


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("icd203", "probably not"),
        ("phia", "probably not"),
        ("icd203", "impossible"),
        ("phia", "impossible"),
        ("phia", "roughly even chance"),
        ("icd203", "not unlikely"),
        ("icd203", "nulikely"),
        ("icd203", "ulikely"),
        ("kent", "realistic possibility"),
        ("icd203", "possible"),
        ("icd203", "inalmost nochance"),
    ],
)
def test_no_suggestion_that_changes_the_meaning(name: str, typed: str) -> None:
    with pytest.raises(JudgmentError) as caught:
        get_scale(name).judgment(typed)
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "typed", "meant"),
    [
        ("icd203", "unlikly", "unlikely"),
        ("icd203", "likley", "likely"),
        ("icd203", "improbabel", "improbable"),
        ("icd203", "almost no chanc", "almost no chance"),
        ("icd203", "rougly even chance", "roughly even chance"),
        ("icd203", "probly likely", "likely"),
        ("icd203", "not likely", "unlikely"),
        ("phia", "probable", "probably"),
        ("kent", "probably", "probable"),
        ("kent", "almost certainly no", "almost certainly not"),
        ("kent", "almost certian", "almost certain"),
    ],
)
def test_plain_misspellings_still_get_a_suggestion(name: str, typed: str, meant: str) -> None:
    with pytest.raises(
        JudgmentError, match=rf"unknown word '{typed}' for scale {name} \(did you mean '{meant}'\?\)"
    ):
        get_scale(name).judgment(typed)


# 8. Broken scale files -------------------------------------------------------------------------

_GOOD_SCALE = (
    "name: {name}\nterms:\n  - term: maybe\n    range: [30, 70]\n  - term: surely\n    range: [90, 99]\n"
)


@pytest.fixture
def scale_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on HYPSCORE_SCALE_PATH, with the scale caches emptied around the test."""
    from priors import scales

    directory = tmp_path / "scales"
    directory.mkdir()
    monkeypatch.setenv("HYPSCORE_SCALE_PATH", str(directory))
    scales._all_scales.cache_clear()
    scales.get_scale.cache_clear()
    yield directory
    scales._all_scales.cache_clear()
    scales.get_scale.cache_clear()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: house\nterms:\n  - term: maybe\n    range: [30, 70\n", 5, "YAML syntax error: "),
        ("name: house\n", 1, "needs `terms:`, a list of entries such as `- {term: likely, range: [55, 80]}`"),
        ("name: house\nterms: []\n", 2, "needs `terms:`"),
        ("", None, "is empty; a scale file needs `name` and `terms`"),
        ("- a\n- b\n", 1, "a scale file must be a mapping with keys name, title and terms"),
        (
            "name: house\ntrems: []\n",
            1,
            "unknown key 'trems'; a scale file has name, title, terms and grades",
        ),
        (
            "name: shed\nterms:\n  - {term: maybe, range: [30, 70]}\n",
            1,
            "name 'shed' differs from the file name",
        ),
        ("name: house\nterms:\n  - {range: [30, 70]}\n", 3, "each entry of terms needs `term:`"),
        ("name: house\nterms:\n  - maybe\n", 3, "each entry of terms is a mapping"),
        ("name: house\nterms:\n  - {term: maybe, range: [30]}\n", 3, "range of 'maybe' must be two numbers"),
        ("name: house\nterms:\n  - {term: maybe, range: 30-70}\n", 3, "range of 'maybe' must be two numbers"),
        ("name: house\nterms:\n  - {term: maybe, range: ['30%', 70]}\n", 3, "must be two numbers"),
        ("name: house\nterms:\n  - {term: maybe, range: [.nan, 70]}\n", 3, "must be two numbers"),
        (
            "name: house\nterms:\n  - {term: maybe, range: [30, 170]}\n",
            3,
            "the ends must be percents from 0 to 100",
        ),
        ("name: house\nterms:\n  - {term: maybe, range: [70, 30]}\n", 3, "is [70, 30]; the ends must be"),
        ("name: house\nterms:\n  - {term: maybe, range: [-5, 30]}\n", 3, "the ends must be percents"),
        (
            "name: house\nterms:\n  - {term: maybe, synonym: [perhaps], range: [30, 70]}\n",
            3,
            "unknown key 'synonym'",
        ),
        ("name: house\nterms:\n  - {term: maybe, synonyms: perhaps, range: [30, 70]}\n", 3, "must be a list"),
        (
            "name: house\nterms:\n  - {term: maybe, range: [30, 70], beta: [2, -1]}\n",
            3,
            "two positive numbers",
        ),
        ("name: house\nterms:\n  - {term: maybe, range: [50, 50.0000001]}\n", 3, "cannot be fitted"),
        (
            "name: house\nterms:\n  - {term: maybe, range: [30, 70]}\n  - {term: Maybe, range: [80, 90]}\n",
            4,
            "the word 'Maybe' is also a word of the term 'maybe'",
        ),
        (
            "name: house\nterms:\n  - &t {term: maybe, range: [30, 70]}\n  - *t\n",
            3,
            "anchor (&) and alias (*)",
        ),
        ("name: house\nbase: &b {}\nterms:\n  - {<<: *b, term: a, range: [1, 2]}\n", 4, "merge key (<<)"),
        ("name: house\nterms:\n  - {term: !!binary aGk=, range: [30, 70]}\n", 3, "unsupported YAML tag"),
        ("name: house\nterms:\n  - {term: !!python/none '', range: [30, 70]}\n", 3, "unsupported YAML tag"),
    ],
)
def test_broken_scale_file_is_a_scale_error(
    scale_dir: Path, text: str, line: int | None, message: str
) -> None:
    from priors import ScaleError

    path = scale_dir / "house.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScaleError) as caught:
        get_scale("house")
    where = f"{path}:{line}: " if line else f"{path}: "
    assert str(caught.value).startswith(where), str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_scale_file_that_is_not_text(scale_dir: Path) -> None:
    from priors import ScaleError

    (scale_dir / "house.yaml").write_bytes(b"name: house\nterms: caf\xe9\n")
    (scale_dir / "shed.yaml").mkdir()
    with pytest.raises(ScaleError, match=r"house.yaml:2: is not UTF-8 text"):
        get_scale("house")
    with pytest.raises(ScaleError, match=r"shed.yaml: cannot read the scale file"):
        get_scale("shed")


def test_a_broken_scale_matters_only_where_it_is_used(scale_dir: Path) -> None:
    from priors import ScaleError, scale_names

    (scale_dir / "house.yaml").write_text(_GOOD_SCALE.format(name="house"), encoding="utf-8")
    (scale_dir / "shed.yaml").write_text(
        "name: shed\nterms:\n  - {term: maybe, range: [30]}\n", encoding="utf-8"
    )
    assert {"house", "shed"} <= set(scale_names())  # listing names reads no file
    assert get_scale("house").judgment("Maybe").mean == pytest.approx(0.5)
    assert get_scale("icd203").lookup("likely") is not None
    with pytest.raises(ScaleError, match=r"shed.yaml:3: range of 'maybe' must be two numbers"):
        get_scale("shed")


def test_loading_a_case_on_a_broken_scale(scale_dir: Path, tmp_path: Path) -> None:
    from priors import ScaleError

    (scale_dir / "shed.yaml").write_text(
        "name: shed\nterms:\n  - {term: maybe, range: [30, 170]}\n", encoding="utf-8"
    )
    case = _write(
        tmp_path,
        "schema: 1\ntitle: t\nscale: shed\nhypotheses:\n"
        "  - {id: a, label: A, prior: maybe}\n  - {id: b, label: B, prior: 0.5}\n",
    )
    # One ScaleError naming the scale file, its line and what is wrong (not a CaseError that
    # quotes it once per judgment).
    with pytest.raises(ScaleError) as caught:
        load_case(case)
    assert f"{scale_dir / 'shed.yaml'}:3: range of 'maybe' is [30, 170]; the ends must be percents" in str(
        caught.value
    )


def test_a_broken_scale_file_does_not_stop_other_cases(scale_dir: Path) -> None:
    """The package builds its JSON Schema from every scale at import: a broken file on
    HYPSCORE_SCALE_PATH must not make every command fail, only the cases that use it."""
    import os
    import subprocess
    import sys

    (scale_dir / "shed.yaml").write_text("name: shed\nterms: [\n", encoding="utf-8")
    env = {**os.environ, "HYPSCORE_SCALE_PATH": str(scale_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "validate", str(ROOT / "examples" / "taxicab.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
