"""Verbal probability scales (ICD 203, PHIA, Kent): words -> judgments and probabilities -> words.

Scales are YAML data files in `priors/scales/`; an organisation can add its own there or in a
directory named by the HYPSCORE_SCALE_PATH environment variable (os.pathsep-separated).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from priors.judgment import RANGE_CEIL, RANGE_FLOOR, Beta, Judgment, JudgmentError, Point, from_range
from priors.suggest import did_you_mean

DEFAULT_SCALE = "icd203"
_BUILTIN_DIR = Path(__file__).with_name("scales")
_BUILTIN_SCALES = ("icd203", "kent", "phia")
# A scale is a short list of words: anything bigger is not a scale file.
_MAX_SCALE_BYTES = 1024 * 1024


# Words of degree: a suggestion that drops one ('very probable' -> 'probable') weakens what was
# meant, so none is made (the analyst picks from the known words instead).
_DEGREE = frozenset(
    {"very", "highly", "extremely", "almost", "nearly", "most", "quite", "fairly", "rather", "somewhat",
     "slightly", "barely", "hardly", "virtually", "overwhelmingly"}
)  # fmt: skip


class ScaleError(ValueError):
    """A scale file that cannot be used; the message is `PATH[:LINE]: what is wrong, and how to fix it`."""


def normalise_word(text: str) -> str:
    """Words match case-insensitively and ignore repeated spaces and hyphens."""
    return " ".join(text.replace("-", " ").lower().split())


@dataclass(frozen=True)
class Term:
    """One word of a scale, its range in percent and its fitted judgment."""

    term: str
    synonyms: tuple[str, ...]
    lo: float
    hi: float
    judgment: Judgment

    def range_text(self) -> str:
        if self.lo == self.hi:
            return f"{self.lo * 100:g}%"
        return f"{self.lo * 100:g}-{self.hi * 100:g}%"

    @property
    def side(self) -> int:
        """-1 below even chance, +1 above, 0 for a range that holds 0.5."""
        return _side(self.lo, self.hi)


@dataclass(frozen=True)
class Scale:
    """A named verbal scale: ordered, possibly gapped, ranges of probability."""

    name: str
    title: str
    terms: tuple[Term, ...]
    # The file the scale was read from when it is not one of ours (HYPSCORE_SCALE_PATH): every
    # output names it, since such a file may even replace a built-in scale of the same name.
    file: str | None = None
    # Admiralty reliability letters this scale re-states (a scale fitted to a track record,
    # `hypscore calibration --fit-scale`): letter -> judgment; the others keep the standard ranges.
    grades: tuple[tuple[str, Judgment], ...] = ()

    def grade(self, code: str) -> Judgment | None:
        """The reliability this scale gives the Admiralty letter `code`, or None: the standard."""
        return next((j for c, j in self.grades if c == code), None)

    @property
    def shadows_builtin(self) -> bool:
        """A file of the name of a built-in scale, found later on the path, replaces it."""
        return self.file is not None and self.name in _BUILTIN_SCALES

    def words(self) -> list[str]:
        return [w for t in self.terms for w in (t.term, *t.synonyms)]

    def lookup(self, word: str) -> Term | None:
        return self._index.get(normalise_word(word))

    @cached_property
    def _index(self) -> dict[str, Term]:
        """Each normalised word's term (looked up once per judgment in a case: keep it a dict)."""
        return {normalise_word(w): t for t in reversed(self.terms) for w in (t.term, *t.synonyms)}

    def judgment(self, word: str) -> Judgment:
        term = self.lookup(word)
        if term is None:
            hint = (
                _number_meant(word) or did_you_mean(word, found=self.suggest(word)) or self._elsewhere(word)
            )
            raise JudgmentError(
                f"unknown word '{word}' for scale {self.name}{hint}; known words: " + ", ".join(self.words())
            )
        judgment = term.judgment
        if isinstance(judgment, Beta):
            return Beta(judgment.a, judgment.b, word, judgment.fitted_range)
        return Point(judgment.value, word)

    def _elsewhere(self, word: str) -> str:
        """': a word of the phia scale (40-50%); the nearest of icd203 is ...', for a word of
        another built-in scale: that scale, and this scale's term whose range overlaps its range
        most (only one on the same side of even chance, so the meaning never flips). Switching
        the case to that scale is not suggested: it would re-read every other word of the case."""
        for name in _BUILTIN_SCALES:
            other = get_scale(name) if name != self.name else None
            found = other.lookup(word) if other is not None else None
            if found is None or other is None:
                continue
            middle = (found.lo + found.hi) / 2
            overlap = {  # the most overlap, then the nearest middle
                t.term: (min(t.hi, found.hi) - max(t.lo, found.lo), -abs((t.lo + t.hi) / 2 - middle))
                for t in self.terms
                if t.lo != t.hi and t.side * found.side >= 0
            }
            said = f": a word of the {other.name} scale ({found.range_text()})"
            best = max(overlap, key=lambda k: overlap[k], default=None)
            if best is not None and overlap[best][0] > 0:
                near = self.lookup(best)
                assert near is not None
                said += f"; the nearest of {self.name} is '{best}' ({near.range_text()})"
            return said
        return ""

    def suggest(self, word: str) -> str | None:
        """A word of this scale that `word` is a misspelling of, or None.

        Words never flip (docs/case-format.md, Scales): the suggestion must mean the same side of even
        chance as what the analyst meant, so it is made only when that is beyond doubt:
        - negations are pinned: the suggestion has the same negations ('not', 'no', 'never',
          'un-', 'im-', 'in-', ...) in the same places, and differs only in the spelling around
          them (a few edits for its length), so 'probably not' never becomes 'probably' nor
          'impossible' 'improbable'; or it is found word by word, each typed word being such a
          spelling of one of the scale's words ('probly likely' -> 'likely');
        - no known phrase of another side (any built-in scale's words, common words such as
          'possible' or 'doubtful', and 'not X' for each) is as close to the typed phrase, or one
          edit further with a negation more or less ('nulikely' may be 'unlikely': no suggestion);
        - a phrase that is itself known elsewhere ('roughly even chance', on the PHIA scale) can
          only become a word of its own side.
        When in doubt it suggests nothing."""
        typed = normalise_word(word)
        if not typed or len(typed) > _MAX_SUGGEST_LENGTH:
            return None
        lexicon = _lexicon(self)
        meant = lexicon.get(typed, _UNKNOWN)
        if meant is None:
            return None  # a known word too vague to have a side ('possible', 'uncertain')
        # A phrase known elsewhere means what it means there: only its side may be suggested,
        # and no other reading of its spelling need be feared.
        choice = _by_spelling(self, typed, {} if meant is not _UNKNOWN else lexicon)
        if choice is None:
            choice = _by_words(self, typed, lexicon)
        if choice is None or (meant is not _UNKNOWN and meant != self._side_of(choice)):
            return None
        if (_DEGREE & set(typed.split())) - set(normalise_word(choice).split()):
            return None  # 'very probable' is not 'probable': a weaker word changes the meaning
        return choice

    def _side_of(self, word: str) -> int:
        term = self.lookup(word)
        assert term is not None
        return term.side

    def term_for(self, p: float) -> str:
        """The scale's words for probability `p`: its term, or 'between X and Y' in a gap."""
        for term in self.terms:
            if term.lo <= p < term.hi or term.lo == term.hi == p:
                return term.term
        for term in self.terms:
            if p == term.hi:
                return term.term
        if p < self.terms[0].lo:
            return self.terms[0].term
        for below, above in zip(self.terms, self.terms[1:], strict=False):
            if below.hi < p < above.lo:
                return f"between {below.term} and {above.term}"
        return self.terms[-1].term

    def beyond(self, p: float) -> str | None:
        """'above the scale's 99%' when `p` lies above the top word's range (below the bottom
        word's likewise), else None: the scale's extreme word is then the nearest it has, and
        its own range would be a claim the number contradicts (docs/model.md, How extremes are
        shown)."""
        top, bottom = self.terms[-1], self.terms[0]
        if p > top.hi:
            return f"above the scale's {top.hi * 100:g}%"
        if p < bottom.lo:
            return f"below the scale's {bottom.lo * 100:g}%"
        return None

    def describe(self, p: float) -> str:
        """The term with its range, e.g. 'very likely (80-95%)', as reports show it."""
        word = self.term_for(p)
        term = self.lookup(word)
        return f"{word} ({term.range_text()})" if term else word


def _number_meant(word: str) -> str:
    """': a decimal comma; write 0.6' for '0,6' (a probability between 0 and 1 only, where the
    comma can be nothing else), ': write '1 in 20'' for '1 out of 20'; else ''. Both say the
    same number in the form the reader takes: no meaning changes."""
    comma = re.fullmatch(r"\s*(\d+),(\d+)\s*", word)
    if comma and 0.0 <= float(f"{comma[1]}.{comma[2]}") <= 1.0:
        return f": a decimal comma; write a decimal point, {comma[1]}.{comma[2]}"
    out_of = re.fullmatch(r"\s*(\d+)\s+out\s+of\s+(\d+)\s*", word, re.IGNORECASE)
    if out_of:
        return f": write '{out_of[1]} in {out_of[2]}'"
    if re.search(r"\d", word) and _ODDS_WORDS.search(word):
        # '1 to 9', '9:1 against', '9 to 1 on': which way the odds run (or whether '1 to 9' is a
        # range) is the analyst's to say, so only the forms are named, with an example of our own.
        return (
            ": odds are written with a colon and always in favour, for:against ('1:3' is 1 for, 3 "
            "against, 25%), or as a frequency ('1 in 4') or a fraction ('1/4'), without words; an "
            "interval is written [low, high]"
        )
    return ""


_ODDS_WORDS = re.compile(r"\d\s*(to|:)\s*\d|\b(against|on|odds)\b", re.IGNORECASE)


# "Did you mean": spellings only, never a change of meaning ---------------------------------------

_MAX_SUGGEST_LENGTH = 80
_UNKNOWN = object()


def _words(text: str) -> list[str]:
    return text.split()


# Words that deny or reverse what follows ('not likely'), and prefixes that do so within a word.
_NEGATORS = frozenset(
    _words("not no never non none nor neither nothing without cannot cant hardly barely scarcely")
)
_AUXILIARIES = frozenset(
    _words("is are was were do does did ai ca wo could would should has have had need must")
)
_NEGATING_PREFIXES = ("un", "im", "in", "ir", "il", "dis", "non")
# Common words with a known side (-1, 0, +1) or none (None: its meaning is too vague to say);
# the scales' own words are added to these. A phrase close to one of them is taken to mean it.
_COMMON_SIDES: dict[str, int | None] = {
    **dict.fromkeys(
        _words(
            "likely probable probably certain certainly sure surely definite definitely expected confirmed"
        ),
        1,
    ),
    **dict.fromkeys(
        _words("unlikely improbable improbably impossible doubtful dubious implausible inconceivable remote"),
        -1,
    ),
    **dict.fromkeys(_words("even evens"), 0),
    **dict.fromkeys(
        _words("possible possibly plausible maybe perhaps uncertain unsure unclear unknown may might could"),
        None,
    ),
    "never": -1,
    "probably true": 1,
    "possibly true": 1,
    "cannot be judged": None,
    "no chance": -1,
    "even chance": 0,
    "even odds": 0,
    "fifty fifty": 0,
    "toss up": 0,
}


def _side(lo: float, hi: float) -> int:
    return -1 if hi < 0.5 else 1 if lo > 0.5 else 0


_MARK = "\x00"  # one negation, in a phrase's skeleton


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or (token.endswith("nt") and token[:-2] in _AUXILIARIES)


def _tokens(phrase: str) -> list[str]:
    return phrase.replace("'", "").replace("\u2019", "").split()


@lru_cache(maxsize=4096)
def _skeleton(phrase: str) -> str:
    """`phrase` with each negation as one mark: 'not likely' -> '~ likely', 'improbable' ->
    '~probable', 'almost no chance' -> 'almost ~ chance' (~ standing for the mark)."""
    tokens = []
    for token in _tokens(phrase):
        if _is_negator(token):
            tokens.append(_MARK)
            continue
        marks = ""
        while prefix := next((p for p in _NEGATING_PREFIXES if token.startswith(p)), ""):
            if len(token) - len(prefix) < 3:
                break
            marks += _MARK
            token = token[len(prefix) :]
        tokens.append(marks + token)
    return " ".join(tokens)


@lru_cache(maxsize=4096)
def _spelled(phrase: str) -> str:
    """`phrase` with every negating word written 'not' ('never likely', "isn't likely"), so that
    only a difference of spelling or of negation counts as a difference."""
    return " ".join("not" if _is_negator(t) else t for t in _tokens(phrase))


def _negations(phrase: str) -> int:
    """How many times `phrase` negates: 'not likely' 1, 'improbable' 1, 'not unlikely' 2."""
    return _skeleton(phrase).count(_MARK)


def _allowance(word: str) -> int:
    """Edits that still make a misspelling of `word` rather than another word."""
    n = len(word)
    return 0 if n <= 3 else 1 if n <= 5 else 2 if n <= 14 else 3


def _distance(a: str, b: str, bound: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from a to b; bound + 1 if more.
    A negation mark can only be matched, never edited: in skeletons a spelling may change, a
    negation may not, so the pieces between marks are compared one by one."""
    if a == b:
        return 0
    pieces_a, pieces_b = a.split(_MARK), b.split(_MARK)
    if len(pieces_a) != len(pieces_b):
        return bound + 1
    total = 0
    for piece_a, piece_b in zip(pieces_a, pieces_b, strict=True):
        total += _edits(piece_a, piece_b, bound - total)
        if total > bound:
            return bound + 1
    return total


def _edits(a: str, b: str, bound: int) -> int:
    """Optimal-string-alignment distance of a and b, or bound + 1 once it must exceed bound."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        left = i
        for j, other in enumerate(b, 1):
            best = previous[j - 1] + (char != other)
            if previous[j] + 1 < best:
                best = previous[j] + 1
            if left + 1 < best:
                best = left + 1
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other and before[j - 2] + 1 < best:
                best = before[j - 2] + 1
            current.append(best)
            left = best
        if min(current) > bound:
            return bound + 1
        before, previous = previous, current
    return min(previous[-1], bound + 1)


def _lexicon(scale: Scale) -> dict[str, int | None]:
    """Known phrases and the side each means: this scale's words, the built-in scales' words,
    common words, and 'not X' for each of those with a side. A phrase with two sides is None."""
    return _lexicon_of(scale.name, tuple((w, t.side) for t in scale.terms for w in (t.term, *t.synonyms)))


@cache
def _lexicon_of(name: str, own: tuple[tuple[str, int], ...]) -> dict[str, int | None]:
    sides: dict[str, int | None] = {}

    def add(word: str, side: int | None) -> None:
        key = normalise_word(word)
        if key in sides and sides[key] != side:
            side = None
        sides[key] = side

    for word, side in _COMMON_SIDES.items():
        add(word, side)
    for builtin in _BUILTIN_SCALES:
        path = _BUILTIN_DIR / f"{builtin}.yaml"
        if builtin != name and path.is_file():
            for term in _read_scale(path).terms:
                for word in (term.term, *term.synonyms):
                    add(word, term.side)
    for word, side in own:
        add(word, side)
    for key, side in list(sides.items()):
        if side and f"not {key}" not in sides:
            sides[f"not {key}"] = -side if _negations(key) == 0 else None
    return sides


def _conflicts(typed: str, found: str, distance: int, side: int, lexicon: dict[str, int | None]) -> bool:
    """Could `typed` just as well be a misspelling of a known phrase of another meaning? (Here
    any edit counts, a lost or added negation too: that is the misreading to fear.)"""
    negations = _negations(typed)
    spelled = _spelled(typed)
    for known, known_side in lexicon.items():
        if known_side == side or known == found:
            continue
        other = _spelled(known)
        if abs(len(other) - len(spelled)) > distance + 1:
            continue
        near = _distance(spelled, other, distance + 1)
        # As close as the suggestion, or one edit further with another count of negations
        # ('probabel' may be 'improbable' with its 'im' lost, as much as 'probable').
        if near <= distance or (near == distance + 1 and _negations(known) != negations):
            return True
    return False


@cache
def _shapes(candidates: tuple[str, ...]) -> tuple[tuple[str, str, int], ...]:
    """Each candidate with its skeleton and allowance, worked out once per scale."""
    return tuple((w, _skeleton(normalise_word(w)), _allowance(normalise_word(w))) for w in candidates)


def _nearest(typed: str, candidates: tuple[str, ...]) -> tuple[int, list[str]]:
    """The candidates closest to `typed` by spelling with the same negations, and their distance."""
    shape = _skeleton(typed)
    found: list[tuple[int, str]] = []
    for word, skeleton, allowance in _shapes(candidates):
        distance = _distance(shape, skeleton, allowance)
        if distance <= allowance:
            found.append((distance, word))
    if not found:
        return 0, []
    best = min(d for d, _ in found)
    return best, [w for d, w in found if d == best]


def _by_spelling(scale: Scale, typed: str, lexicon: dict[str, int | None]) -> str | None:
    distance, nearest = _nearest(typed, tuple(scale.words()))
    sides = {scale._side_of(w) for w in nearest}
    if len(sides) != 1:
        return None
    choice = nearest[0]
    return None if _conflicts(typed, normalise_word(choice), distance, sides.pop(), lexicon) else choice


def _by_words(scale: Scale, typed: str, lexicon: dict[str, int | None]) -> str | None:
    """A word of the scale found word by word: each typed word must be one of the scale's own
    words or an unambiguous misspelling of one ('probly likely' -> 'probably likely' -> 'likely'),
    and the words around the one suggested may neither negate nor mean another side."""
    tokens = typed.split()
    if len(tokens) < 2:
        return None
    vocabulary = tuple(sorted({t for w in scale.words() for t in normalise_word(w).split()}))
    singles = {k: s for k, s in lexicon.items() if " " not in k}
    corrected: list[str] = []
    for token in tokens:
        if token not in vocabulary:
            distance, nearest = _nearest(token, vocabulary)
            side = singles.get(nearest[0], 0) if len(nearest) == 1 else None
            # A word with no side of its own ('very', 'chance') is read as side 0: then any word
            # with a side near the typed one is a risk.
            if side is None or _conflicts(token, nearest[0], distance, side, singles):
                return None  # an unknown word ('hardly', 'nto') may change everything
            token = nearest[0]
        corrected.append(token)
    inside: list[tuple[int, int, int, str]] = []  # (words, end, start, word) of the scale's phrases
    for word in scale.words():
        parts = normalise_word(word).split()
        for start in range(len(corrected) - len(parts) + 1):
            if corrected[start : start + len(parts)] == parts:
                inside.append((len(parts), start + len(parts), start, word))
    if not inside:
        return None
    sides = {scale._side_of(w) for *_, w in inside}
    sides |= {side for t in corrected if isinstance(side := lexicon.get(t), int)}
    if len(sides) != 1 or any(t in lexicon and lexicon[t] is None for t in corrected):
        return None
    _, end, start, choice = max(inside)
    around = corrected[:start] + corrected[end:]
    if any(_negations(t) for t in around) or _negations(choice) != _negations(typed):
        return None
    return choice


# Reading scale files ---------------------------------------------------------------------------

_TERM_KEYS = {"term", "synonyms", "range", "beta"}
_GRADE_KEYS = {"grade", "range", "beta"}
_GRADE_LETTERS = "ABCDEF"  # priors/reliability.py's ADMIRALTY (which imports this module)
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_SCALE_KEYS = {"name", "title", "terms", "grades"}


class _Refusal(Exception):
    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _scale_dirs() -> list[Path]:
    extra = os.environ.get("HYPSCORE_SCALE_PATH", "")
    return [_BUILTIN_DIR, *(Path(p) for p in extra.split(os.pathsep) if p)]


def _read_scale(path: Path) -> Scale:
    """The scale in `path`; ScaleError says what is wrong with the file and where."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(_MAX_SCALE_BYTES + 1)
    except OSError as exc:
        raise ScaleError(f"{path}: cannot read the scale file: {exc.strerror or exc}") from None
    if len(raw) > _MAX_SCALE_BYTES:
        raise ScaleError(f"{path}: is larger than 1 MiB; a scale file is a short list of terms")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScaleError(
            f"{path}:{line}: is not UTF-8 text; save the scale file with UTF-8 encoding"
        ) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ScaleError(f"{where}: YAML syntax error: {what}; fix the scale file") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ScaleError(f"{path}: YAML error: {exc}; fix the scale file") from None
    finally:
        loader.dispose()
    try:
        return _scale_from(root, path)
    except _Refusal as refusal:
        where = f"{path}:{refusal.node.start_mark.line + 1}" if refusal.node is not None else str(path)
        raise ScaleError(f"{where}: {refusal.message}") from None


def _plain(root: yaml.Node | None) -> Any:
    """Plain data from a scale file's nodes; anchors, aliases and merges are refused (a scale is
    a short list: nothing to repeat, and repeats are how YAML documents blow up)."""
    if root is None:
        raise _Refusal(
            None, "is empty; a scale file needs `name` and `terms` (see priors/scales/icd203.yaml)"
        )
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _Refusal(node, "uses a YAML anchor (&) and alias (*); write the values out in a scale file")
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            raise _Refusal(node, f"unsupported YAML tag {node.tag!r}; write plain values in a scale file")
        if isinstance(node, yaml.MappingNode):
            keys: set[object] = set()
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    raise _Refusal(key, "uses a YAML merge key (<<); write the values out in a scale file")
                # As the case reader does: a second `terms:` would silently replace the first.
                if isinstance(key, yaml.ScalarNode) and key.value in keys:
                    raise _Refusal(key, f"the key '{key.value}' appears twice here; keep one")
                keys.add(key.value if isinstance(key, yaml.ScalarNode) else id(key))
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    try:
        return yaml.constructor.SafeConstructor().construct_document(root)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise _Refusal(root, f"cannot read the scale file: {exc}") from None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _two_numbers(value: Any) -> tuple[float, float] | None:
    """[a, b] of two finite numbers (a YAML 'yes' or '30%' is not a number), else None."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    first, second = _number(value[0]), _number(value[1])
    return None if first is None or second is None else (first, second)


def _scale_from(root: yaml.Node | None, path: Path) -> Scale:
    data = _plain(root)
    assert root is not None
    if not isinstance(data, dict):
        raise _Refusal(root, "a scale file must be a mapping with keys name, title and terms")
    nodes = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    unknown = sorted(str(k) for k in data if k not in _SCALE_KEYS)
    if unknown:
        raise _Refusal(root, f"unknown key '{unknown[0]}'; a scale file has name, title, terms and grades")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or name != path.stem:
        raise _Refusal(
            nodes.get("name", root),
            f"name '{name}' differs from the file name; "
            f"name the file {name}.yaml, or write name: {path.stem}",
        )
    title = data.get("title", name)
    if not isinstance(title, str):
        raise _Refusal(nodes.get("title", root), "title must be text; quote it")
    entries = data.get("terms")
    if not isinstance(entries, list) or not entries:
        raise _Refusal(
            nodes.get("terms", root),
            "needs `terms:`, a list of entries such as `- {term: likely, range: [55, 80]}`",
        )
    term_nodes = nodes["terms"].value
    terms = [_term(entry, node) for entry, node in zip(entries, term_nodes, strict=True)]
    owner: dict[str, str] = {}
    for term, node in zip(terms, term_nodes, strict=True):
        for word in (term.term, *term.synonyms):
            key = normalise_word(word)
            if key in owner:
                raise _Refusal(
                    node,
                    f"the word '{word}' is also a word of the term '{owner[key]}'; "
                    "a word may mean one range only",
                )
            owner[key] = term.term
    terms.sort(key=lambda t: (t.lo, t.hi))
    grades = _grades(data.get("grades"), nodes.get("grades"))
    ours = path.parent.resolve() == _BUILTIN_DIR.resolve()
    return Scale(name=name, title=title, terms=tuple(terms), file=None if ours else str(path), grades=grades)


def _grades(entries: Any, node: yaml.Node | None) -> tuple[tuple[str, Judgment], ...]:
    """`grades:`: Admiralty letters re-stated as ranges (and Betas), each letter once."""
    if entries is None:
        return ()
    assert node is not None
    example = "`- {grade: B, range: [80, 95]}`"
    if not isinstance(entries, list):
        raise _Refusal(node, f"grades must be a list of entries such as {example}")
    grades: dict[str, Judgment] = {}
    for entry, entry_node in zip(entries, node.value, strict=True):
        if not isinstance(entry, dict) or set(entry) - _GRADE_KEYS:
            raise _Refusal(
                entry_node, f"each entry of grades is a mapping with grade, range and beta: {example}"
            )
        code = entry.get("grade")
        if not isinstance(code, str) or code not in _GRADE_LETTERS or len(code) != 1:
            raise _Refusal(entry_node, f"grade must be an Admiralty letter A-F, as in {example}")
        if code in grades:
            raise _Refusal(entry_node, f"grade {code} is given twice; give each letter once")
        _, _, judgment = _range_judgment(entry, entry_node, f"grade {code}", example)
        grades[code] = judgment
    return tuple(grades.items())


def _term(entry: Any, node: yaml.Node) -> Term:
    example = "`- {term: likely, synonyms: [probable], range: [55, 80]}`"
    if not isinstance(entry, dict):
        raise _Refusal(node, f"each entry of terms is a mapping such as {example}")
    unknown = sorted(str(k) for k in entry if k not in _TERM_KEYS)
    if unknown:
        raise _Refusal(
            node, f"unknown key '{unknown[0]}' in a term; a term has term, synonyms, range and beta"
        )
    word = entry.get("term")
    if not isinstance(word, str) or not normalise_word(word):
        raise _Refusal(node, f"each entry of terms needs `term:`, its word or phrase, as in {example}")
    synonyms = entry.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and normalise_word(s) for s in synonyms):
        raise _Refusal(node, f"synonyms of '{word}' must be a list of words, e.g. [probable, probably]")
    lo, hi, judgment = _range_judgment(entry, node, f"'{word}'", "[55, 80]")
    return Term(word, tuple(synonyms), lo, hi, judgment)


def _range_judgment(
    entry: dict[str, Any], node: yaml.Node, what: str, example: str
) -> tuple[float, float, Judgment]:
    """An entry's `range` (percent) and its judgment: the stored `beta`, else the Beta fitted to
    the range (docs/case-format.md, Judgments); the text is `what` without quotes."""
    text = what.strip("'")
    ends = _two_numbers(entry.get("range"))
    if ends is None:
        raise _Refusal(node, f"range of {what} must be two numbers in percent, low then high, e.g. {example}")
    lo_pct, hi_pct = ends
    if not 0 <= lo_pct <= hi_pct <= 100:
        raise _Refusal(
            node,
            f"range of {what} is [{lo_pct:g}, {hi_pct:g}]; the ends must be percents from 0 to 100, "
            f"low then high, e.g. {example}",
        )
    lo, hi = lo_pct / 100.0, hi_pct / 100.0
    stored = entry.get("beta")
    judgment: Judgment
    if stored is not None and lo != hi:
        params = _two_numbers(stored)
        if params is None or min(params) <= 0:
            raise _Refusal(
                node, f"beta of {what} must be two positive numbers [a, b]; or delete it to fit it on load"
            )
        fitted = (max(lo, RANGE_FLOOR), min(hi, RANGE_CEIL))
        judgment = Beta(params[0], params[1], text, fitted)
    else:
        try:
            judgment = from_range(lo, hi, text)
        except JudgmentError as exc:
            raise _Refusal(node, f"range of {what} cannot be fitted: {exc}") from None
    return lo, hi, judgment


@cache
def _all_scales() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in _scale_dirs():
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                found[path.stem] = path
    return found


def scale_files() -> list[Path]:
    """Every scale file hypscore may read, looked up afresh: a case names its scale only by name,
    so each of them is an input that no command's output may replace."""
    return [path for directory in _scale_dirs() if directory.is_dir() for path in directory.glob("*.yaml")]


def scale_names() -> list[str]:
    """The names of every scale found; a broken file is only reported when it is read."""
    return list(_all_scales())


def is_scale_path(name: str) -> bool:
    """Whether a case's `scale:` names a file (`scale: desk.yaml`, relative to the case file)
    rather than a scale on the path (`scale: icd203`)."""
    return name.lower().endswith((".yaml", ".yml"))


def get_scale(name: str) -> Scale:
    """The scale called `name`, or read from the file `name` (is_scale_path: a path as the case
    loader resolved it); KeyError for an unknown name or a missing file, ScaleError a broken file."""
    if not is_scale_path(name):
        return _named_scale(name)
    path = Path(name)
    try:
        stat = path.stat()
    except OSError:
        raise KeyError(name) from None
    # Read again when the file changes (a fit may rewrite it in the same process); named in
    # outputs as the case loader resolved it (relative, as the case's own path may be).
    return _scale_file(name, str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@cache
def _named_scale(name: str) -> Scale:
    paths = _all_scales()
    if name not in paths:
        raise KeyError(name)
    return _read_scale(paths[name])


@lru_cache(maxsize=64)
def _scale_file(name: str, _resolved: str, _mtime_ns: int, _size: int) -> Scale:
    return _read_scale(Path(name))


def _clear_caches() -> None:
    _named_scale.cache_clear()
    _scale_file.cache_clear()


# Tests that change HYPSCORE_SCALE_PATH clear this, as when get_scale was itself a cache.
get_scale.cache_clear = _clear_caches  # type: ignore[attr-defined]
