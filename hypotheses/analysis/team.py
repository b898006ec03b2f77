"""Teams (docs/model.md section 9): several analysts' cases of one question pooled (`pool`) and
the judgments whose disagreement matters (`cruxes`). Each case is scored on its own first
(coherent), as Mandel, Karvetski and Dhami (2018) found worth doing before aggregating.
Computing only: nothing here writes a file. What changed between two versions of a case is
analysis/diff.py's, which shares the comparing of judgments below.

The what-if numbers (cruxes) are the numpy engine's posterior means, exact for point judgments
and the same integration as `score` otherwise, for the same seed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hypotheses.analysis.edits import (
    NOT_STATED,
    EditError,
    find_item,
    in_order,
    in_units,
    judged_places,
    relative_places,
    with_item_from,
    with_judgment,
    without_item,
)
from hypotheses.analysis.scorecard import Estimate, Scorecard
from hypotheses.analysis.scoring import UsageError, interval_estimates, score
from hypotheses.case import Case, CaseError, EvidenceItem, Problem, load_case
from hypotheses.model import numpy_engine
from hypotheses.model.logspace import log, softmax
from hypotheses.settings import DEFAULT_SEED
from hypotheses.text import interval, percent
from priors import Beta, Judgment, LogNormal

# How many cruxes get a sentence.
CRUX_SENTENCES = 3


def written(judgment: Judgment | None) -> str:
    """A judgment as the analyst wrote it (its text, else its number); '-' when not stated."""
    if judgment is None:
        return "-"
    return judgment.text or f"{judgment.mean:g}"


def _key(judgment: Judgment) -> tuple[object, ...]:
    """What makes two judgments the same judgment (the text does not: 'likely' = [0.55, 0.8])."""
    if isinstance(judgment, Beta):
        return ("beta", judgment.a, judgment.b)
    if isinstance(judgment, LogNormal):
        return ("lognormal", judgment.mu, judgment.sigma)
    return ("p", float(f"{judgment.mean:.12g}"))  # proportions: 200/243 = 0.8/0.972


def _loaded(case: Case | str | Path) -> Case:
    return case if isinstance(case, Case) else load_case(case)


def _means(case: Case, seed: int | None, cache: numpy_engine.ScoreCache | None = None) -> np.ndarray:
    """P(h | E); NaN everywhere for a case no hypothesis survives (an edit can rule all out,
    which `score` would refuse): callers skip such edits rather than report NaN. With `cache`,
    only what differs from the cases scored before is scored."""
    with np.errstate(all="ignore"):
        out = numpy_engine.posterior_mean(case, seed, cache)
    return out if np.isfinite(out).all() else np.full(len(case.hypotheses), np.nan)


# ---- pool -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analyst:
    path: str
    name: str  # the file's stem, or its path when stems clash
    weight: float  # normalised
    card: Scorecard


@dataclass(frozen=True)
class Crux:
    """A judgment the analysts state differently, and the largest move of an analyst's leading
    hypothesis from adopting another analyst's value of it."""

    place: str
    values: dict[str, str]  # path -> the judgment as written ('-' where not stated)
    swing: float  # |P_after - P_before| of `analyst`'s leading hypothesis, in probability
    analyst: str  # path of the analyst who moves
    adopting: str  # path of the analyst whose view is adopted
    hypothesis: str  # `analyst`'s leading hypothesis
    before: float
    after: float


@dataclass(frozen=True)
class PoolResult:
    ids: list[str]
    labels: dict[str, str]
    analysts: tuple[Analyst, ...]
    linear: dict[str, Estimate]
    log: dict[str, Estimate] | None  # None: the analysts rule out every hypothesis between them
    cruxes: tuple[Crux, ...]
    warnings: tuple[str, ...] = ()
    # The model-based pool (analysis/consensus.py), when asked for: the team's case scored.
    consensus: dict[str, Estimate] | None = None
    consensus_places: dict[str, str] | None = None  # place -> the consensus judgment, in words
    disagreement: float | None = None  # posterior mean of tau, logit units
    consensus_prior: dict[str, float] | None = None  # the team's case's prior P(h), normalised

    def name(self, path: str) -> str:
        return next(a.name for a in self.analysts if a.path == path)

    def sentences(self, top: int = CRUX_SENTENCES) -> list[str]:
        """The top cruxes in words."""
        out = []
        for c in self.cruxes[:top]:
            if c.swing <= 0:
                break
            who, whose = self.name(c.analyst), self.name(c.adopting)
            mine, theirs = c.values[c.analyst], c.values[c.adopting]
            out.append(
                f"If {who} took {whose}'s view of {c.place} ({theirs} instead of {mine}), {who}'s "
                f"P({c.hypothesis}) would go from {percent(c.before)} to {percent(c.after)}."
            )
        return out

    def to_dict(self) -> dict[str, object]:
        def estimates(values: dict[str, Estimate] | None) -> dict[str, dict[str, float]] | None:
            if values is None:
                return None
            return {h: {"mean": e.mean, "lo": e.lo, "hi": e.hi} for h, e in values.items()}

        return {
            "hypotheses": [{"id": h, "label": self.labels[h]} for h in self.ids],
            "analysts": [
                {
                    "path": a.path,
                    "name": a.name,
                    "weight": a.weight,
                    "title": a.card.title,
                    "posterior": estimates({h.id: h.posterior for h in a.card.hypotheses}),
                    "leader": a.card.ranked()[0].id,
                }
                for a in self.analysts
            ],
            "pooled": {"linear": estimates(self.linear), "log": estimates(self.log)}
            | ({"consensus": estimates(self.consensus)} if self.consensus is not None else {}),
            "cruxes": [
                {
                    "place": c.place,
                    "values": c.values,
                    "swing": c.swing,
                    "analyst": c.analyst,
                    "adopting": c.adopting,
                    "hypothesis": c.hypothesis,
                    "before": c.before,
                    "after": c.after,
                }
                for c in self.cruxes
            ],
            "sentences": self.sentences(),
            "warnings": list(self.warnings),
        } | (
            {
                "consensus_places": self.consensus_places,
                "consensus_prior": self.consensus_prior,
                "disagreement": self.disagreement,
            }
            if self.consensus is not None
            else {}
        )


def _names(paths: Sequence[str]) -> list[str]:
    stems = [Path(p).stem for p in paths]
    return [s if stems.count(s) == 1 else p for s, p in zip(stems, paths, strict=True)]


def _hypotheses_line(path: str) -> int | None:
    """The line of a case file's `hypotheses:` key, to point an error at (None if unreadable)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if re.match(r"hypotheses\s*:", line)), None)


def same_hypotheses(cases: Sequence[Case]) -> None:
    """Raise CaseError (at the `hypotheses:` line) naming the difference unless every case has
    the first one's hypothesis ids."""
    first = cases[0]
    problems = []
    for other in cases[1:]:
        if set(other.hypothesis_ids) != set(first.hypothesis_ids):
            only_first = [h for h in first.hypothesis_ids if h not in other.hypothesis_ids]
            only_other = [h for h in other.hypothesis_ids if h not in first.hypothesis_ids]
            said = []
            if only_other:
                said.append(f"{', '.join(only_other)} not in {first.path}")
            if only_first:
                said.append(f"{', '.join(only_first)} missing here")
            problems.append(
                Problem(
                    other.path,
                    _hypotheses_line(other.path),
                    f"its hypotheses differ from {first.path}'s ({'; '.join(said)}); cases pooled "
                    "together answer one question: give them the same hypothesis ids",
                )
            )
    if problems:
        raise CaseError(problems)


def parse_weights(text: str | None, n: int) -> list[float]:
    """`--weights 2,1,1`: one positive number per case, normalised; equal when not given."""
    if text is None:
        return [1.0 / n] * n
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise UsageError(
            f"--weights {text}: give numbers separated by commas, e.g. --weights 2,1,1"
        ) from None
    if len(values) != n:
        raise UsageError(f"--weights {text}: {len(values)} weights for {n} cases; give one per case")
    if any(not math.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
        raise UsageError(f"--weights {text}: weights must be 0 or more, and not all 0")
    total = math.fsum(values)
    return [v / total for v in values]


def pool(
    cases: Sequence[Case | str | Path],
    weights: Sequence[float] | None = None,
    seed: int | None = DEFAULT_SEED,
    draws: int | None = None,
    engine: str = "auto",
    cruxes: bool = True,
    consensus: bool = False,
    anonymous: bool = False,
) -> PoolResult:
    """Score each analyst's case on its own, then pool: the linear pool sum_i w_i P_i(h | E) and
    the log pool prod_i P_i(h | E)^w_i, normalised. Each pool's 90% interval comes from pooling
    the analysts' posterior draws draw by draw (their uncertainties are independent); the
    linear pool's mean is the pool of the analysts' posterior means, the log pool's the mean of
    its pooled draws (the log pool of the means is not the mean of the log pool). `weights`
    default to equal. With `consensus`, also the model-based pool: the team's case (consensus
    judgments) scored like any case. With `anonymous`, the analysts are A, B, C in file order
    (analysis/rounds.py), in every output."""
    loaded = [_loaded(c) for c in cases]
    if len(loaded) < 2:
        raise UsageError("pool needs two cases or more (one per analyst)")
    same_hypotheses(loaded)
    ids = loaded[0].hypothesis_ids
    loaded = [in_order(c, ids) for c in loaded]
    w = np.asarray(weights if weights is not None else [1.0] * len(loaded), dtype=float)
    if w.shape != (len(loaded),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise UsageError(f"weights {list(w)}: one weight of 0 or more per case, not all 0")
    w = w / w.sum()
    cards = [score(c, engine=engine, draws=draws, seed=seed, explain=False, keep_draws=True) for c in loaded]  # type: ignore[arg-type]
    chosen = [card.diagnostics.draws for card in cards if card.diagnostics.engine == "numpy"]
    if draws is None and chosen:
        # Each analyst's case chose its own number of draws: the pool needs as many from each
        # as the most demanding one chose (a numpy rerun at n is the same as that case asked
        # for n; with the numpy engine itself, so that auto cannot change its mind at n).
        most = max(chosen)
        cards = [
            card
            if card.diagnostics.engine != "numpy" or card.diagnostics.draws == most
            else score(c, engine="numpy", draws=most, seed=seed, explain=False, keep_draws=True)
            for c, card in zip(loaded, cards, strict=True)
        ]
    means = np.array([[h.posterior.mean for h in card.hypotheses] for card in cards])  # (A, H)
    n = min(card.engine_result.posterior_draws.shape[0] for card in cards)
    # Each analyst's draws in an order of their own: cases scored with one seed share their
    # random numbers, and draw k of two similar cases would move together; the pool's interval
    # treats the analysts as independent (the draws of each are exchangeable, so nothing else
    # changes).
    stacked = np.stack(
        [
            card.engine_result.posterior_draws[:n][np.random.default_rng([seed or 0, k]).permutation(n)]
            for k, card in enumerate(cards)
        ]
    )  # (A, N, H)
    linear_draws = np.einsum("a,anh->nh", w, stacked)
    linear = _estimates(ids, w @ means, linear_draws)
    warnings: list[str] = []
    log_pool: dict[str, Estimate] | None
    with np.errstate(divide="ignore", invalid="ignore"):
        log_draws = softmax(np.einsum("a,anh->nh", w, _safe_log(stacked, w)), axis=1)
        defined = np.isfinite(log_draws).all(axis=1)
        if _log_pool(means, w) is None or not defined.any():
            log_pool = None
            warnings.append(
                "the analysts rule out every hypothesis between them (each has probability 0 for "
                "some analyst with weight): the log pool is undefined; use the linear pool"
            )
        else:
            # The log pool is not linear: the pool of the analysts' means is not the mean of the
            # pooled draws, whose interval is shown. The mean is the draws', so the two agree
            # (exact when every judgment is a point: then every draw is the pool of the means).
            log_draws = log_draws[defined]
            log_pool = _estimates(ids, log_draws.mean(axis=0), log_draws)
    paths = [c.path for c in loaded]
    analysts = tuple(
        Analyst(p, name, float(wi), card)
        for p, name, wi, card in zip(paths, _names(paths), w, cards, strict=True)
    )
    found = find_cruxes(loaded, seed) if cruxes else ()
    labels = {h.id: h.label for h in loaded[0].hypotheses}
    result = PoolResult(ids, labels, analysts, linear, log_pool, found, tuple(warnings))
    if anonymous:
        from hypotheses.analysis.rounds import anonymised

        result = anonymised(result)
    if not consensus:
        return result
    from hypotheses.analysis.consensus import consensus as fit

    team = fit(loaded)
    if np.isnan(_means(team.case, seed)).any():  # the consensus judgments rule out every hypothesis
        note = "the consensus model's case rules out every hypothesis: it has no posterior"
        return replace(result, warnings=(*result.warnings, note))
    card = score(team.case, engine=engine, draws=draws, seed=seed, explain=False)  # type: ignore[arg-type]
    prior = np.array([h.prior.mean for h in card.hypotheses])
    return replace(
        result,
        consensus={h.id: h.posterior for h in card.hypotheses},
        consensus_prior=dict(zip(ids, (prior / prior.sum()).tolist(), strict=True)),
        consensus_places={p: _consensus_text(j) for p, j in team.places.items()},
        disagreement=team.disagreement,
    )


def _consensus_text(judgment: Judgment) -> str:
    if isinstance(judgment, Beta):
        lo, hi = judgment.quantiles()
        shape = f"beta [{judgment.a:.3g}, {judgment.b:.3g}]"
        return f"{shape} (mean {percent(judgment.mean)}, 90%: {interval(lo, hi)})"
    if isinstance(judgment, LogNormal):
        lo, hi = judgment.quantiles()
        return f"ratio {judgment.mean:.3g} (90%: {lo:.3g}-{hi:.3g})"
    return f"{judgment.mean:.3g}"


def _safe_log(p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log p, with 0 weight times log 0 counted as 0 (an analyst with weight 0 has no say)."""
    out = log(p)
    return np.where((w[:, None, None] == 0) & np.isneginf(out), 0.0, out)


def _log_pool(means: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    logs = np.einsum("a,ah->h", w, _safe_log(means[:, None, :], w)[:, 0, :])
    if not np.isfinite(logs).any():
        return None
    return softmax(logs)


def _estimates(ids: list[str], mean: np.ndarray, draws: np.ndarray) -> dict[str, Estimate]:
    """Each pooled hypothesis's mean and 90% interval, the interval holding its mean as a single
    case's does (scoring.interval_estimates, one home for the rule)."""
    estimates, _ = interval_estimates(np.asarray(mean, dtype=float), draws)
    return dict(zip(ids, estimates, strict=True))


# ---- cruxes ---------------------------------------------------------------------------------


def _structure(item: EvidenceItem | None) -> tuple[object, ...] | None:
    """What an item is, apart from its judgments: observed how, through whom, of which event."""
    if item is None:
        return None
    return (item.observed, item.source, item.via, item.reports, item.ratios)


def describe_item(item: EvidenceItem | None) -> str:
    """An item's standing in one case, in words: for cruxes and diffs of whole items."""
    if item is None:
        return "not in the case"
    state = {True: "observed", False: "looked for, not found", "pending": "pending"}[item.observed]
    parts = [state]
    if item.source:
        parts.append(f"source {item.source}")
    if item.via:
        parts.append(f"via {', '.join(item.via)}")
    if item.reports:
        parts.append(f"reports {item.reports}")
    if item.ratios:
        parts.append("as ratios")
    return ", ".join(parts)


def _item_ids(cases: Sequence[Case]) -> list[str]:
    seen: dict[str, None] = {}
    for case in cases:
        for item in (*case.evidence, *case.pending):
            seen.setdefault(item.id, None)
    return list(seen)


def _places(cases: Sequence[Case]) -> tuple[list[str], list[dict[str, Judgment]], list[dict[str, float]]]:
    """Every judgment place of any case, in first-seen order, each case's judgments (relative
    ones as proportions: see edits.relative_places) and the totals that turn a proportion back
    into that case's units."""
    both = [relative_places(c) for c in cases]
    each, totals = [b[0] for b in both], [b[1] for b in both]
    order: dict[str, None] = {}
    for places in each:
        for place in places:
            order.setdefault(place, None)
    return list(order), each, totals


def _shown(place: str, judgment: Judgment | None, raw: dict[str, Judgment], totals: dict[str, float]) -> str:
    """A judgment as written; a relative one (a prior weight, a ratio) with its share too, which
    is what is compared: '40 (16.5% of the total)'."""
    if judgment is not None and place in totals:
        return f"{written(raw[place])} ({percent(judgment.mean)} of the total)"
    return written(judgment)


def _adopted(
    place: str,
    k: int,
    i: int,
    stated: Sequence[Judgment | None],
    raws: Sequence[dict[str, Judgment]],
    totals: Sequence[dict[str, float]],
) -> Judgment:
    """Analyst k's judgment at `place` for analyst i's case: k's proportion in i's units where
    both state the place's group as proportions, else k's judgment as written."""
    if place in totals[i] and place in totals[k]:
        judged = stated[k]
        assert judged is not None
        return in_units(judged, place, totals[i])
    return raws[k][place]


def _stated(place: str, places: dict[str, Judgment]) -> Judgment | None:
    """The case's judgment at `place`; a prior factor it does not state counts as 1."""
    if place in places:
        return places[place]
    return NOT_STATED if place.startswith("prior/") else None


def find_cruxes(cases: Sequence[Case], seed: int | None = DEFAULT_SEED) -> tuple[Crux, ...]:
    """For every judgment place the analysts state differently (and every item whose standing
    differs: `evidence/ID`), the largest move of an analyst's leading hypothesis when that
    analyst adopts another's value there, all else as the analyst wrote it; largest first.
    Judgments of an item are compared only where the item stands the same in both cases."""
    # Each candidate edit changes one judgment or item: the components and prior it leaves
    # alone are the analyst's own, scored once here and reused for every edit.
    cache = numpy_engine.ScoreCache()
    base = [_means(c, seed, cache) for c in cases]
    leads = [int(np.argmax(b)) for b in base]
    ids = cases[0].hypothesis_ids
    out: list[Crux] = []

    def best(place: str, values: dict[str, str], edits: list[tuple[int, int, Callable[[], Case]]]) -> None:
        top: tuple[float, int, int, float] | None = None
        for i, k, make in edits:
            try:
                edited = make()
            except EditError:
                continue
            after = float(_means(edited, seed, cache)[leads[i]])
            if math.isnan(after):
                continue  # the edit leaves no hypothesis standing: no posterior to compare
            swing = abs(after - float(base[i][leads[i]]))
            if top is None or swing > top[0]:
                top = (swing, i, k, after)
        if top is not None:
            swing, i, k, after = top
            out.append(
                Crux(
                    place,
                    values,
                    swing,
                    cases[i].path,
                    cases[k].path,
                    ids[leads[i]],
                    float(base[i][leads[i]]),
                    after,
                )
            )

    structures = {item_id: [_structure(find_item(c, item_id)) for c in cases] for item_id in _item_ids(cases)}
    places, each, totals = _places(cases)
    raws = [judged_places(c) for c in cases]
    for place in places:
        kind, _, rest = place.partition("/")
        owner = rest.rpartition("/")[0] if kind == "lik" else rest
        shapes = structures.get(owner) if kind in ("lik", "credibility") else None
        stated = [_stated(place, p) for p in each]
        holders = [i for i, j in enumerate(stated) if j is not None]
        # Only between analysts whose item stands alike (where it differs, the whole item is
        # compared, below).
        pairs = [
            (i, k)
            for i in holders
            for k in holders
            if _key(stated[k]) != _key(stated[i]) and (shapes is None or shapes[i] == shapes[k])
        ]
        if not pairs:
            continue
        values = {cases[i].path: _shown(place, stated[i], raws[i], totals[i]) for i in range(len(cases))}
        edits = []
        tried: set[tuple[int, object]] = set()
        for i, k in pairs:
            adopted = None if stated[k] is NOT_STATED else _adopted(place, k, i, stated, raws, totals)
            # Analysts who state the same judgment make the same edit of i's case: scored once
            # (400 analysts writing a handful of words give a handful of edits each, not 400).
            same = (i, None if adopted is None else _key(adopted))
            if same in tried:
                continue
            tried.add(same)
            edits.append(
                (i, k, lambda i=i, adopted=adopted, place=place: with_judgment(cases[i], place, adopted))
            )
        best(place, values, edits)
    for item_id, shapes in structures.items():
        if len(set(shapes)) < 2:
            continue
        values = {c.path: describe_item(find_item(c, item_id)) for c in cases}
        edits = []
        for i in range(len(cases)):
            for k in range(len(cases)):
                if shapes[k] != shapes[i]:
                    if shapes[k] is None:
                        edits.append((i, k, lambda i=i, item_id=item_id: without_item(cases[i], item_id)))
                    else:
                        edits.append(
                            (
                                i,
                                k,
                                lambda i=i, k=k, item_id=item_id: with_item_from(cases[i], cases[k], item_id),
                            )
                        )
        best(f"evidence/{item_id}", values, edits)
    out.sort(key=lambda c: -c.swing)
    return tuple(out)
