"""Delphi rounds (docs/model.md section 9): a pool with the analysts anonymous (A, B, C in file
order), so a facilitator can hand the cruxes back without names; and the same analysts pooled
over several rounds, with how far each crux and the pooled answer moved. Computing only:
nothing here writes a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypotheses.analysis.edits import find_item, judged_places
from hypotheses.analysis.scoring import UsageError
from hypotheses.analysis.team import PoolResult, _stated, describe_item, pool, same_hypotheses, written
from hypotheses.case import Case, load_case
from hypotheses.settings import DEFAULT_SEED

POOLS = ("linear", "log", "consensus")


def letter(k: int) -> str:
    """The k-th analyst's anonymous name: A..Z, then AA, AB, ... (as spreadsheet columns)."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _common(values: Sequence[str | None]) -> str | None:
    """The value every analyst gives, else None (a title one analyst chose may identify them)."""
    return values[0] if len(set(values)) == 1 else None


def anonymised(result: PoolResult, names: dict[str, str] | None = None, strip: bool = True) -> PoolResult:
    """`result` with every analyst named by a letter (`names`: path -> name; default A, B, C in
    file order): no path, file name or title of one analyst's case is left in it (a title the
    analysts share is kept: it is the question's). `strip=False` renames only (rounds that
    are not anonymous: one analyst's name across rounds, their titles and notes as written)."""
    names = names or {a.path: letter(k) for k, a in enumerate(result.analysts)}
    title = _common([a.card.title for a in result.analysts]) or ""
    question = _common([a.card.question for a in result.analysts])

    def card(a: Any) -> Any:
        if not strip:
            return replace(a.card, path=names[a.path])
        return replace(a.card, path=names[a.path], title=title, question=question, notes=None)

    analysts = tuple(
        replace(a, path=names[a.path], name=names[a.path], card=card(a)) for a in result.analysts
    )
    cruxes = tuple(
        replace(
            c,
            values={names[p]: v for p, v in c.values.items()},
            analyst=names[c.analyst],
            adopting=names[c.adopting],
        )
        for c in result.cruxes
    )
    return replace(result, analysts=analysts, cruxes=cruxes)


@dataclass(frozen=True)
class CruxMove:
    """One crux over the rounds: its swing in each (0: stated alike that round, or by fewer than
    two analysts) and each analyst's judgment there, as written ('-': not stated)."""

    place: str
    swings: tuple[float, ...]
    values: tuple[dict[str, str], ...]  # per round: analyst -> judgment

    @property
    def moved(self) -> float:
        return self.swings[-1] - self.swings[0]


@dataclass(frozen=True)
class RoundsResult:
    rounds: tuple[str, ...]  # each round's name (its directory)
    analysts: tuple[str, ...]  # every analyst's name (file name, or letter), first round first
    pools: tuple[PoolResult, ...]  # each round pooled on its own
    cruxes: tuple[CruxMove, ...]  # largest first-round swing first

    def pooled(self, kind: str) -> dict[str, list[float]] | None:
        """P(h | E) of one pool (linear, log, consensus) in each round; None where a round lacks it."""
        each = [getattr(p, kind) for p in self.pools]
        if any(e is None for e in each):
            return None
        return {h: [e[h].mean for e in each] for h in self.pools[0].ids}

    def to_dict(self) -> dict[str, object]:
        pooled = {k: v for k in POOLS if (v := self.pooled(k)) is not None}
        return {
            "rounds": list(self.rounds),
            "analysts": list(self.analysts),
            "pooled": pooled,
            "moved": {k: {h: m[-1] - m[0] for h, m in v.items()} for k, v in pooled.items()},
            "cruxes": [
                {"place": c.place, "swings": list(c.swings), "moved": c.moved, "values": list(c.values)}
                for c in self.cruxes
            ],
            "each": [p.to_dict() for p in self.pools],
        }


def _as_written(case: Case, place: str) -> str:
    """The case's judgment at a place that is no crux this round (stated alike), as written."""
    kind, _, rest = place.partition("/")
    if kind == "evidence":
        return describe_item(find_item(case, rest))
    return written(_stated(place, judged_places(case)))


def _round(entry: str | Path | Sequence[Case | str | Path]) -> tuple[str, list[tuple[str, Case]]]:
    """A round's name and its cases keyed by file name (the path below a round's directory)."""
    if isinstance(entry, (str, Path)):
        from hypotheses.analysis.batch import find_cases

        folder = Path(entry)
        if not folder.is_dir():
            raise UsageError(f"{entry}: not a directory; with --rounds give one directory per round")
        return str(entry), [(p.relative_to(folder).as_posix(), load_case(p)) for p in find_cases([folder])]
    cases = [c if isinstance(c, Case) else load_case(c) for c in entry]
    return "", [(Path(c.path).name, c) for c in cases]


def pool_rounds(
    rounds: Sequence[str | Path | Sequence[Case | str | Path]],
    seed: int | None = DEFAULT_SEED,
    draws: int | None = None,
    engine: str = "auto",
    consensus: bool = False,
    anonymous: bool = False,
) -> RoundsResult:
    """`hypscore pool --rounds R1/ R2/ ...`: each round (a directory, or a list of cases) pooled
    on its own, equal weights, its analysts matched across rounds by file name; with how far each
    crux's swing and each pool's P(h | E) moved from the first round to the last. `anonymous`:
    analysts as A, B, C in the order of their first appearance (file order)."""
    if len(rounds) < 2:
        raise UsageError("--rounds needs two rounds or more (one directory each)")
    read = [_round(r) for r in rounds]
    for k, (name, cases) in enumerate(read):
        if len(cases) < 2:  # said before any round is scored, naming the round
            raise UsageError(
                f"round {k + 1} ({name or 'in memory'}) has {len(cases)} case(s); pooling a round needs "
                "two analysts or more: add their case files to its directory"
            )
    # A round is named by its directory (anonymous: the directory's own name, no path).
    names = [(Path(name).name if anonymous else name) or f"round {k + 1}" for k, (name, _) in enumerate(read)]
    same_hypotheses([c for _, cases in read for _, c in cases])
    keys = list(dict.fromkeys(key for _, cases in read for key, _ in cases))
    shown = {key: letter(k) if anonymous else key for k, key in enumerate(keys)}
    pools = []
    for _, cases in read:
        result = pool([c for _, c in cases], seed=seed, draws=draws, engine=engine, consensus=consensus)
        # Named by file name (or letter) in every round: one analyst, one name.
        pools.append(anonymised(result, {c.path: shown[key] for key, c in cases}, strip=anonymous))
    places = list(dict.fromkeys(c.place for p in pools for c in p.cruxes))
    moves = []
    for place in places:
        found = [next((c for c in p.cruxes if c.place == place), None) for p in pools]
        moves.append(
            CruxMove(
                place,
                tuple(c.swing if c is not None else 0.0 for c in found),
                tuple(
                    c.values if c is not None else {shown[k]: _as_written(case, place) for k, case in cases}
                    for c, (_, cases) in zip(found, read, strict=True)
                ),
            )
        )
    moves.sort(key=lambda m: -m.swings[0])
    return RoundsResult(tuple(names), tuple(shown[k] for k in keys), tuple(pools), tuple(moves))
