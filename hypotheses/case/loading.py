"""Load a case file into a validated, typed `Case`: read (with lines), validate the format,
translate pydantic's errors into `file:line: what is wrong, and how to fix it`, then check the
rules the format cannot express. Every problem is reported at once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypotheses.case import keys
from hypotheses.case.checks import Checker
from hypotheses.case.fast import ID, plain_spec
from hypotheses.case.messages import ID_NOUNS, CaseError, Problem
from hypotheses.case.reading import LineMap, gc_paused, parse, read_text
from hypotheses.case.types import Case
from priors import DEFAULT_SCALE, get_scale, scale_names
from priors.scales import is_scale_path
from priors.suggest import did_you_mean


def load_case(path: str | Path) -> Case:
    """Read and validate a case file.

    Raises CaseError listing every problem found (with its line), ScaleError when the case's
    verbal scale file is broken."""
    path = Path(path)
    with gc_paused():  # a large case makes millions of objects: no collector passes over them
        return case_from_text(read_text(path), str(path))


def case_from_text(text: str, path: str = "<case>", documents: Mapping[str, bytes] | None = None) -> Case:
    """Validate a case given as YAML text (`path` names it in messages and exports). `documents`:
    the cited local documents' bytes by `document:` as written, read where the case file is (a
    worker of a batch has the text, not the files); otherwise they are read from disk."""
    duplicates: list[tuple[Problem, tuple[Any, ...]]] = []  # kept the first value: see Checker
    data, lines = parse(text, path, duplicates)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        raise CaseError(
            [
                Problem(
                    path,
                    1,
                    f"a case file must be a mapping with keys "
                    f"{', '.join(keys.CASE.required_in_order())}, ...; this document is {kind}",
                )
            ]
        )
    scale_name = _scale_key(data.get("scale", DEFAULT_SCALE), path, lines)
    if scale_name != data.get("scale", DEFAULT_SCALE):
        data = {**data, "scale": scale_name}  # every reader below sees the file where it is
    get_scale(scale_name)  # a broken scale file is a ScaleError here, not one error per judgment
    unjudged = _unjudged(data)
    unstated = _without_likelihoods(data, lines, path, unjudged) if unjudged else []
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # A plainly valid file skips pydantic (a tenth of a second of model building); anything
    # else, and every error, is pydantic's to validate and word.
    spec = None if unjudged else plain_spec(data, get_scale(scale_name), scale_name)
    if spec is None:
        spec, refused = _validated(data, scale_name)
        if refused is not None or unjudged:
            # The format's errors, and with them the case's rules' errors, where the refused
            # values can be set aside safely (`_set_aside`): all independent errors in one run.
            checked = _set_aside(data, refused or [], unjudged)
            rules: list[Problem] = [p for p, _ in duplicates]
            if checked is not None:
                from pydantic import ValidationError

                from hypotheses.case.format import CaseSpec

                repaired, quiet = checked
                try:
                    spec = CaseSpec.model_validate(repaired, context={"scale": scale_name})
                except ValidationError:
                    pass  # not safely set aside after all: the format's errors alone
                else:
                    checker = Checker(spec, lines, path, sha256, documents, duplicates)
                    rules = checker.rule_errors(quiet)
            said = (_problems_from_pydantic(refused, data, lines, path) if refused else []) + unstated
            raise CaseError(sorted(_unique(said + rules), key=lambda p: p.line or 0))
    return Checker(spec, lines, path, sha256, documents, duplicates).case()


# A top-level `scale: desk.yaml` line, plain or quoted, with any comment after it.
_SCALE_LINE = re.compile(
    r"""^scale[ \t]*:[ \t]*(['"]?)([^'"#\r\n]*?\.ya?ml)\1[ \t]*(?:#.*)?$""", re.MULTILINE | re.IGNORECASE
)


def named_scale_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scale files the cases at `paths` name (`scale: desk.yaml`), found without reading the
    cases whole: inputs no command's output may replace (a flow-style `{scale: ...}` document is
    not seen here; the fit checks the scales the loaded cases used again before writing)."""
    found = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # reported when the case is read
        found += [Path(path).parent / m[2].strip() for m in _SCALE_LINE.finditer(text)]
    return found


def _scale_key(value: object, path: str, lines: LineMap) -> str:
    """The case's `scale:` as `get_scale` finds it: a scale's name, or a scale file's path
    (`scale: desk.yaml`) resolved against the case file's folder; CaseError if there is none."""
    if isinstance(value, str) and is_scale_path(value):
        found = Path(path).parent / value
        if found.is_file():
            return str(found)
        raise CaseError(
            [
                Problem(
                    path,
                    lines.line(("scale",)),
                    f"scale file '{value}' not found (looked for {found}); give the path of a scale file "
                    f"relative to the case file, or the name of a scale: {', '.join(scale_names())}",
                )
            ]
        )
    if not isinstance(value, str) or value not in scale_names():
        hint = did_you_mean(str(value), scale_names())
        raise CaseError(
            [
                Problem(
                    path,
                    lines.line(("scale",)),
                    f"unknown scale '{value}'{hint}; known scales: {', '.join(scale_names())}, "
                    "or the path of a scale file (desk.yaml)",
                )
            ]
        )
    return value


def _validated(data: dict[str, Any], scale_name: str) -> tuple[Any, Any]:
    """(the pydantic model of the document, None), or (None, pydantic's errors)."""
    from pydantic import ValidationError

    from hypotheses.case.format import CaseSpec

    try:
        return CaseSpec.model_validate(data, context={"scale": scale_name}), None
    except ValidationError as exc:
        return None, exc.errors()


# What the second pass puts in place of a refused judgment, or of an item's missing likelihoods:
# 1 is a valid probability, weight, ratio, reliability and credibility alike.
_STAND_IN: Any = 1


def _set_aside(
    data: dict[str, Any], errors: list[Any], unjudged: list[int]
) -> tuple[dict[str, Any], list[tuple[Any, ...]]] | None:
    """The document with what the format refused set aside, so that the case's own rules can
    be checked in the same run (docs/case-format.md, "Errors"), and the entries whose rules'
    errors must then be left out (a stand-in's entry; a source's items' gradings, which compare
    its reliability): a refused judgment gets a stand-in, an unknown key below the top level
    is dropped, a missing label is filled, an item without likelihoods gets stand-ins. None
    when any error is of another kind (a missing id, a wrong type, an unknown top-level key):
    the rest of the case may then depend on what is missing, and only the format's errors are
    reported."""
    import copy

    repaired = copy.deepcopy(data)
    quiet: set[tuple[Any, ...]] = set()
    sources: set[str] = set()

    def entry(at: tuple[Any, ...]) -> tuple[Any, ...]:
        return at[:2] if at and at[0] in ID_NOUNS else at[:1]

    for error in sorted(errors, key=lambda e: len(e["loc"])):
        at = _clean_path(error["loc"], data)
        kind = error["type"]
        if kind == "missing" and error["loc"][-1] == "label" and len(at) == 2 and at[0] in ID_NOUNS:
            at = (*at, "label")
            value: Any = str(at[1])
        elif kind == "judgment" and at:
            value = _STAND_IN
        elif kind == "extra_forbidden" and len(at) >= 2:  # a top-level one may be a whole section
            value = None
        else:
            return None
        node, found = _node_at(repaired, at[:-1])
        if not found:
            return None
        try:
            if value is None:
                del node[at[-1]]
            else:
                node[at[-1]] = value
        except (KeyError, IndexError, TypeError):
            return None
        if kind != "judgment":
            quiet.add(entry(at))  # a key dropped or filled: the entry's shape changed
        elif len(at) >= 2 and at[-2] in ("likelihoods", "ratios"):
            quiet.add(at[:-1])  # the stand-in is one of a set judged together
        else:
            quiet.add(at)
        if at[0] == "sources":
            sources.add(str(at[1]))
    for index in unjudged:
        repaired["evidence"][index]["likelihoods"] = {"default": _STAND_IN}
        quiet.add(("evidence", index))
    items = repaired.get("evidence")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("source") in sources:
            quiet.add(("evidence", index, "grading"))
    return repaired, list(quiet)


_JUDGED = ("likelihoods", "ratios", "reports")


def _unjudged(data: dict[str, Any]) -> list[int]:
    """The indexes of the items with neither `likelihoods:` nor `ratios:` nor `reports:`."""
    evidence = data.get("evidence")
    if not isinstance(evidence, list):
        return []
    return [
        index
        for index, item in enumerate(evidence)
        if isinstance(item, dict) and all(item.get(k) is None for k in _JUDGED)
    ]


def _without_likelihoods(
    data: dict[str, Any], lines: LineMap, name: str, unjudged: list[int] | None = None
) -> list[Problem]:
    """Items with neither `likelihoods:` nor `ratios:` (the format allows either, so this is
    checked here, in the same pass as the format's own errors). An item with a misspelt key for
    one of them (`likelihods:`) is not a problem of its own: the unknown key's "did you mean"
    is the root, and this would only follow from it."""
    problems = []
    for index in _unjudged(data) if unjudged is None else unjudged:  # the caller's, if it has them
        item = data["evidence"][index]
        if any(k not in keys.EVIDENCE.keys and did_you_mean(str(k), _JUDGED) for k in item):
            continue
        problems.append(
            Problem(
                name,
                lines.line(("evidence", index)) or 1,
                f"missing required field 'likelihoods' in {_entry(data, 'evidence', index)} "
                "(or give `ratios:`, or `reports:` an event)",
            )
        )
    return problems


def _clean_path(loc: Iterable[Any], data: Any) -> tuple[Any, ...]:
    """The part of a pydantic location that exists in the document (drops union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "schema_version":
            path.append("schema")
            node = node.get("schema")
    return tuple(path)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _problems_from_pydantic(errors: list[Any], data: Any, lines: LineMap, name: str) -> list[Problem]:
    from hypotheses.case.format import ID_PATTERN

    problems = []
    # A misspelt key ('lable') leaves its field missing: the unknown key, with its "did you
    # mean 'label'", is the root; "missing required field 'label'" only follows from it.
    meant: set[tuple[Any, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            at = _clean_path(error["loc"], data)
            block = keys.block_at(at[:-1])
            found = did_you_mean(str(at[-1]), list(block.keys) if block else [])
            if found:
                meant.add((*at[:-1], found.split("'")[1]))
    for error in errors:
        kind, loc = error["type"], error["loc"]
        path = _clean_path(loc, data)
        field = str(path[-1]) if path else "case"
        line = lines.line(path) or 1
        if kind == "missing" and (*path, loc[-1]) in meant:
            continue
        if kind == "missing":
            missing = "schema" if loc[-1] == "schema_version" else loc[-1]
            where = f" in {_where(path, data)}" if path else ""
            message = f"missing required field '{missing}'{where}"
            if missing == "schema":
                message += "; add `schema: 1` as the first line (the version of the case format)"
        elif kind == "extra_forbidden":
            block = keys.block_at(path[:-1])
            allowed = list(block.keys) if block else []
            hint = did_you_mean(field, allowed)
            noun = "prior factor" if block is keys.FACTORS else "field"
            message = f"unknown {noun} '{field}'{hint}; allowed: {', '.join(allowed)}"
            if block is keys.FACTORS:
                node, _ = _node_at(data, path[:-1])
                given = [k for k in node if k != field] if isinstance(node, dict) else []
                message = _factor_message(field, hint, allowed, given)
            message += _comma_hint(data, path)
        elif kind == "string_pattern_mismatch":
            value = error["input"]
            suggestion = id_suggestion(str(value))
            message = (
                f"invalid id '{value}': ids start with a lowercase letter and use only "
                f"a-z, 0-9 and _ (e.g. '{suggestion}'); pattern {ID_PATTERN}"
            )
        elif kind == "literal_error" and path == ("schema",):
            message = f"unsupported schema {error['input']!r}; this hypscore reads `schema: 1`"
        elif kind == "too_short" and path == ("hypotheses",):
            message = (
                f"a case needs at least 2 hypotheses (found {len(error['input'])}); "
                "add the alternatives you are weighing"
            )
        elif kind == "judgment":
            message = f"{_where(path, data)}: {error['ctx']['message']}"
        elif path and path[-1] == "observed" and kind in ("bool_parsing", "bool_type", "literal_error"):
            # One message for both halves of `bool | "pending"` (pydantic reports each).
            message = (
                f"{_where(path, data)}: {error['input']!r} is not an observation; write true (seen), false "
                "(looked for and not found) or pending (not yet known)"
            )
        else:
            said = error["msg"][0].lower() + error["msg"][1:]
            message = f"{_where(path, data)}: {said}, got {_describe(error['input'])}"
            if isinstance(error["input"], bool):
                message += (
                    "; YAML reads unquoted yes/no/on/off/true/false as a yes-or-no value: "
                    "put the word in quotes, e.g. 'no'"
                )
        message += _decimal_comma_hint(data, path)
        problems.append(Problem(name, line, message))
    return _unique(problems)


def _node_at(data: Any, path: tuple[Any, ...]) -> tuple[Any, bool]:
    """The value at `path` in the case's data, and whether it was found."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None, False
    return node, True


def _factor_message(field: str, hint: str, allowed: list[str], given: Sequence[str] = ()) -> str:
    """An unknown prior factor: the list is fixed (docs/case-format.md, "Prior factors"), so the
    message suggests the factor that judges what the name names ('capability': means), or the
    one spelt alike, and otherwise says where a factor of one's own goes. Only a
    suggestion: the case is never read as if it said the suggested factor. A factor the prior
    already `given` is not suggested as a rename (that would only make a duplicate key): the
    message says it is there and judges this too."""
    from priors.factors import PRIOR_FACTORS, factor_for

    meant = factor_for(field)  # the meaning first: 'reason' is spelt like 'means', but is a motive
    spelt = hint.split("'")[1] if hint else None  # " (did you mean 'x'?)"
    already = meant if meant is not None else spelt
    if already is not None and already in given:
        judges = f" judges {PRIOR_FACTORS[already]}" if already in PRIOR_FACTORS else " is there"
        return (
            f"unknown prior factor '{field}'; '{already}' (already given){judges}: fold '{field}' into "
            f"that judgment, or drop it; allowed: {', '.join(allowed)}"
        )
    if meant is not None:
        hint = f" (did you mean '{meant}'? it judges {PRIOR_FACTORS[meant]})"
    message = f"unknown prior factor '{field}'{hint}; allowed: {', '.join(allowed)}"
    if not hint:
        message += (
            " (the list is fixed: fold another consideration into the factor it belongs to, or give "
            "the prior as one judgment, e.g. `prior: likely`)"
        )
    return message


def id_suggestion(value: str) -> str:
    """A valid id close to what was typed: lowercase, every run of other characters one '_',
    a leading letter added where it starts with a digit ('US-Norway' -> 'us_norway')."""
    text = re.sub(r"[^a-z0-9_]+", "_", value.casefold()).strip("_")
    if not text:
        return "my_id"
    return text if text[0].isalpha() else f"id_{text}"


def _comma_hint(data: Any, path: tuple[Any, ...]) -> str:
    """Why an unknown key with no value appeared: in `{label: The Times, London, ...}` the comma
    ended the label and YAML read the rest as a key ('London', with no value). Says so, and how to
    quote it. A misspelt key has a value (`{lable: x}`): no such story."""
    node, field = _empty_key(data, path)
    if node is None or not isinstance(field, str):
        return ""
    names = list(node)
    # The value the commas cut: the nearest key before with a text value, all keys between it
    # and the next key with a value of their own being pieces of it ("JIT (NL, AU, BE, UA)").
    at = names.index(field)
    start = at - 1
    while start >= 0 and node[names[start]] is None:
        start -= 1
    if start < 0 or not isinstance(node[names[start]], str):
        return ""
    end = at
    while end + 1 < len(names) and node[names[end + 1]] is None:
        end += 1
    before, value = names[start], node[names[start]]
    if start < at - 1:
        return f". '{field}' is a piece of {before}'s value, cut at a comma: see '{names[start + 1]}'"
    whole = ", ".join([value, *(str(k) for k in names[at : end + 1])])
    return (
        f". A comma inside {{...}} ends a value: '{value}' stopped at it and '{field}' became a key; "
        f'put the whole value in quotes: {before}: "{whole}"'
    )


def _empty_key(data: Any, path: tuple[Any, ...]) -> tuple[dict[Any, Any] | None, Any]:
    """The mapping that holds the key at `path` and that key, when the key has no value (what a
    comma inside {...} leaves behind); (None, None) otherwise."""
    node, found = _node_at(data, path[:-1])
    if not found:
        return None, None
    field = path[-1] if path else None
    if not isinstance(node, dict) or field not in node or node[field] is not None:
        return None, None
    return node, field


def _decimal_comma_hint(data: Any, path: tuple[Any, ...]) -> str:
    """`{b: 0,1}` is read as b: 0 and a key 1 with no value: a decimal comma. Says so (else the
    message is about a judgment '1' of None, and b reads as 0)."""
    node, field = _empty_key(data, path)
    if node is None:
        return ""
    if isinstance(field, bool) or not (isinstance(field, int) or str(field).isdigit()):
        return ""
    names = list(node)
    at = names.index(field)
    before = names[at - 1] if at > 0 else None
    value = node.get(before) if before is not None else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return (
        f". In {{...}}, '{before}: {value},{field}' reads as {before}: {value} and a key {field}: a "
        f"decimal comma; write a decimal point: {before}: {value}.{field}"
    )


def _entry(data: Any, section: str, index: int) -> str:
    """A list entry by its id ("evidence 'ss750'", "hypothesis 'russia'"), which the analyst can
    search for; by its position ("evidence item 15") when it has no valid id of its own, or one
    another entry shares (the id would not tell them apart)."""
    entries = data.get(section) if isinstance(data, dict) else None
    if isinstance(entries, list) and 0 <= index < len(entries) and isinstance(entries[index], dict):
        ident = entries[index].get("id")
        same = [e for e in entries if isinstance(e, dict) and e.get("id") == ident]
        if isinstance(ident, str) and ID.fullmatch(ident) and len(same) == 1:
            return f"{'hypothesis' if section == 'hypotheses' else 'evidence'} '{ident}'"
    return f"{'hypothesis' if section == 'hypotheses' else 'evidence item'} {index + 1}"


def _where(path: tuple[Any, ...], data: Any = None) -> str:
    """A human name for a place in the document, e.g. "likelihood of 'mistake' of evidence 'e2'"."""
    if not path:
        return "case"
    parts = list(path)
    head = f"'{parts[-1]}'"
    if len(parts) >= 3 and parts[-2] == "likelihoods":
        head = f"likelihood of '{parts[-1]}'"
    elif len(parts) >= 3 and isinstance(parts[-1], int):
        # A list entry: "`via:` entry 1", not the bare index "'0'".
        head = f"`{parts[-2]}:` entry {parts[-1] + 1}"
    if parts[0] in ("hypotheses", "evidence") and len(parts) >= 2 and isinstance(parts[1], int):
        named = _entry(data, parts[0], parts[1])
        return named if len(parts) == 2 else f"{head} of {named}"
    if parts[0] == "sources" and len(parts) >= 3:
        return f"{head} of source '{parts[1]}'"
    if parts[0] == "events" and len(parts) >= 3:
        return f"{head} of event '{parts[1]}'"
    if parts[0] == "origins" and len(parts) >= 2:
        return f"origin '{parts[1]}'" if len(parts) == 2 else f"{head} of origin '{parts[1]}'"
    return head


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.message) not in seen:
            seen.add((p.line, p.message))
            out.append(p)
    return out
