"""The compiled case: the structure of P(E | h) that every engine and analysis reads, built once.

docs/model.md sections 2 and 3: given h, the evidence factorises into *factors* (a standalone
item, or an event with all its reports), and the factors whose parameters share an uncertain
source (directly or `via:`) form a *component*, independent of every other component given h.
Which items form which factor, each item's credibility at the judgments' means (kappa times the
reliabilities on its chain), its likelihoods at their means (its own, or its event's) and the
components are decided here and nowhere else: the numpy engine scores the components, the PyMC
model indexes the events, the weights, the explanation, `next`, the ACH export and the report's
page read the means.

`model_error:` is one more link on every item's chain (MODEL_ERROR, reliability 1 - model_error),
so the engines treat it as they treat a source; an item with `hit:` and `false_alarm:` has that
link alone (its source, if any, is for the record). The compiled items carry those chains.

`compile_case(case)` is memoised per case object (the pipeline asks for it several times per
command); a `CompiledCase` holds the items it needs, never the case, so a case that is no longer
used is freed with its compilation.
"""

from __future__ import annotations

import math
import weakref
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from hypotheses.case import Case, EvidenceItem
from hypotheses.case.types import Event, Origin
from hypotheses.model import quadrature
from hypotheses.model.likelihood import (
    chained_rate,
    effective_likelihood,
    event_log_likelihood,
    origin_log_likelihood,
    rated_likelihood,
)
from hypotheses.model.logspace import log
from hypotheses.model.places import MODEL_ERROR_PLACE, judgment_places, reliability_place
from priors import Beta, Judgment, complement

# The chain link that stands for `model_error:` (no source id has a space).
MODEL_ERROR = "model error"


@dataclass(frozen=True)
class Factor:
    """One factor of P(E | h): a standalone item (one item, no event or origin), an event with
    the items reporting it, or a possible common origin with its items (each in case order)."""

    items: tuple[EvidenceItem, ...]
    event: Event | None = None
    origin: Origin | None = None

    @property
    def grouped(self) -> bool:
        """An event's or an origin's factor (several items, one term), not a standalone item."""
        return self.event is not None or self.origin is not None

    @property
    def owner(self) -> str:
        """The id its P(. | h) judgments are placed under: the event's, the origin's or the item's."""
        group = self.event or self.origin
        return group.id if group is not None else self.items[0].id

    @property
    def judged(self) -> tuple[Judgment, ...]:
        """The factor's P(. | h) judgments: the item's own, its event's or its origin's."""
        group = self.event or self.origin
        return group.likelihoods if group is not None else self.items[0].likelihoods

    @property
    def units(self) -> list[str]:
        """What leave-one-out removes from it: the item; or the whole event (origin) and each item."""
        if not self.grouped:
            return [self.items[0].id]
        return [self.owner, *(item.id for item in self.items)]


def count_users(items: Sequence[EvidenceItem], sources: set[str]) -> dict[str, int]:
    """How many of `items` have each of `sources` on their chain."""
    counts = dict.fromkeys(sources, 0)
    for it in items:
        for s in set(it.chain) & sources:
            counts[s] += 1
    return counts


@dataclass(frozen=True)
class Component:
    """Factors coupled through the uncertain sources they share (`sources`, sorted by id): with
    none, one factor scored exactly; with one, a grid over its reliability; with more, importance
    sampling. `seed_key` names its random stream by its sources, so the same case less one item
    (leave-one-out, what-ifs) draws the same reliabilities."""

    sources: tuple[tuple[str, Judgment], ...]
    factors: tuple[Factor, ...]
    members: tuple[EvidenceItem, ...]  # every item of its factors, in case order
    # The standalone items whose judgments are all points, on no uncertain source, together:
    # each is exact alone, so they are one vectorised block (`components.PointItems`), not an
    # object each (a thousand point items cost a thousand objects per score).
    points_only: bool = False

    @property
    def items(self) -> tuple[EvidenceItem, ...]:
        """Its standalone items, in case order."""
        return tuple(f.items[0] for f in self.factors if not f.grouped)

    @property
    def events(self) -> tuple[Factor, ...]:
        """Its events' and origins' factors (each one term over several items), in case order."""
        return tuple(f for f in self.factors if f.grouped)

    @property
    def method(self) -> str:
        """How its reliabilities are integrated out (components.score_component): exactly at
        their means; for one source, by its Gauss rule (on a grid past RULE_NODES), its interval
        draws from a grid; by the tensor Gauss rule (within quadrature.fits); or by importance
        sampling."""
        if len(self.sources) < 2:
            return ("exact", "grid")[len(self.sources)]
        fits = quadrature.fits(self.degrees) and all(isinstance(j, Beta) for _, j in self.sources)
        return "quadrature" if fits else "sampled"

    @cached_property  # read by `method` on every scoring of the component
    def degrees(self) -> tuple[int, ...]:
        """Per uncertain source, in `sources` order, how many of its items use it (on their
        chain): E[prod of the factors | r, h] is a polynomial of that degree in its r, every
        item's and report's rate being linear in its chain's reliability (quadrature.py)."""
        counts = count_users(self.members, {name for name, _ in self.sources})
        return tuple(counts[name] for name, _ in self.sources)

    @property
    def seed_key(self) -> int:
        return zlib.crc32(" ".join(name for name, _ in self.sources).encode())

    @property
    def units(self) -> list[str]:
        """What leave-one-out removes: each standalone item, then each event (origin) and its items."""
        return [*(it.id for it in self.items), *(u for f in self.events for u in f.units)]


@dataclass(frozen=True, eq=False)  # arrays: never compared (a generated __eq__ would raise)
class CompiledCase:
    """The structure and the means of a case's evidence (see the module's docstring)."""

    hypothesis_ids: tuple[str, ...]
    items: tuple[EvidenceItem, ...]  # the observed items, in case order
    events: tuple[Event, ...]
    reliability: dict[str, Judgment]  # every source's, by id
    factors: tuple[Factor, ...]  # in the order their first item stands
    components: tuple[Component, ...]
    theta_mean: np.ndarray  # (J, H): P(. | h) at the means, the item's own or its event's
    credibility_mean: np.ndarray  # (J,): c_j = kappa_j times every reliability on its chain
    event_of: np.ndarray  # (J,): the index of the event an item reports, -1 when standalone
    # (J,) each: Schum's hit and false-alarm rates H_j, F_j at the means, through the chain:
    # P(E* | h) = theta_h H + (1 - theta_h) F for an item, theta_Gh prod H + (1 - theta_Gh) prod F
    # for an event's reports.
    hit_mean: np.ndarray
    false_alarm_mean: np.ndarray
    origins: tuple[Origin, ...] = ()
    origin_of: np.ndarray | None = None  # (J,): the index of an item's origin, -1 when none
    # (J,) each: a member's hit and false-alarm rates in the origin's shared branch (the rate
    # of a report that says nothing is then the origin's base rate); NaN for other items.
    shared_hit_mean: np.ndarray | None = None
    shared_false_alarm_mean: np.ndarray | None = None
    # (m, H): log lambda_jh of the points-only component's items (Component.points_only), in
    # its order, computed once here; None when there is no such component.
    point_rows: np.ndarray | None = None
    all_points: bool = False  # every judgment the model reads is a point, priors included

    def mean_log_likelihoods(self) -> np.ndarray:
        """log P(item j | the reports of its event above j, h) with every judgment at its mean:
        (J, H). A standalone item's is log(theta H + (1 - theta) F); a report's comes from the
        chain rule, so the reports of one event add up to the event's log P(R_1..R_n | h), and the
        items of an origin to its mixture's."""
        theta_all = self.theta_mean
        out = np.empty(theta_all.shape)
        seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # event -> running (log H, log F)
        mixed: dict[int, np.ndarray] = {}  # origin -> log P(its items so far | h)
        with np.errstate(divide="ignore"):
            for j, event in enumerate(self.event_of):
                theta, hit, false_alarm = theta_all[j], self.hit_mean[j], self.false_alarm_mean[j]
                o = -1 if self.origin_of is None else int(self.origin_of[j])
                if o >= 0:
                    before = mixed.get(o, np.zeros(theta.shape))
                    after = self.origin_log_prefix(o, j)
                    mixed[o] = after
                    with np.errstate(invalid="ignore"):
                        out[j] = np.where(np.isneginf(before), -np.inf, after - before)
                    continue
                if event < 0:
                    out[j] = np.log(rated_likelihood(theta, hit, false_alarm))
                    continue
                log_hit, log_false = seen.get(event, (np.zeros(1), np.zeros(1)))
                log_theta, log_not = np.log(theta), np.log1p(-theta)
                before = event_log_likelihood(log_theta, log_not, log_hit, log_false, np.logaddexp)
                log_hit, log_false = log_hit + np.log(hit), log_false + np.log(false_alarm)
                seen[event] = (log_hit, log_false)
                after = event_log_likelihood(log_theta, log_not, log_hit, log_false, np.logaddexp)
                with np.errstate(invalid="ignore"):
                    out[j] = np.where(np.isneginf(before), -np.inf, after - before)
        return out

    def origin_log_prefix(self, o: int, last: int) -> np.ndarray:
        """log P(the items of origin o up to item `last`, in case order | h) at the means: the
        mixture over that prefix (marginalising the items below it leaves the same mixture)."""
        assert self.origin_of is not None
        assert self.shared_hit_mean is not None and self.shared_false_alarm_mean is not None
        rows = np.flatnonzero(self.origin_of[: last + 1] == o)
        theta = np.array([j.mean for j in self.origins[o].likelihoods])
        s = self.origins[o].shared.mean
        with np.errstate(divide="ignore"):
            own = np.log(
                rated_likelihood(
                    self.theta_mean[rows], self.hit_mean[rows, None], self.false_alarm_mean[rows, None]
                )
            ).sum(axis=0)
            log_hit = np.log(self.shared_hit_mean[rows]).sum()
            log_false = np.log(self.shared_false_alarm_mean[rows]).sum()
            shared = event_log_likelihood(np.log(theta), np.log1p(-theta), log_hit, log_false, np.logaddexp)
            log_s = math.log(s) if s > 0 else -np.inf
            return origin_log_likelihood(log_s, np.log1p(-s), shared, own, np.logaddexp)

    def chain_reliability(self, item: EvidenceItem, moved: dict[str, float] | None = None) -> float:
        """The product of the reliabilities on the item's chain at their means (or `moved`
        values by link): the one place the chain multiplies."""
        moved = moved or {}
        return math.prod(moved.get(s, self.reliability[s].mean) for s in item.chain)


def link_place(link: str) -> str:
    """The place of a chain link's judgment: a source's reliability, or `model_error`."""
    return MODEL_ERROR_PLACE if link == MODEL_ERROR else reliability_place(link)


def item_rates(
    item: EvidenceItem,
    rho: float,
    b: float,
    kappa: float | None = None,
    rates: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """(H, F) of an item through a chain of reliability `rho` (model error included), with `b`
    the expected base rate of what it reports: from its credibility kappa (at its mean unless
    given), H = c + (1 - c) b and F = (1 - c) b with c = kappa rho; from its `hit:` and
    `false_alarm:` (`rates`, at their means unless given), each mixed with the item's expected
    rate q = hit b + false_alarm (1 - b), its own likelihood at the base rate."""
    if not item.rated:
        c = (item.credibility.mean if kappa is None else kappa) * rho
        return effective_likelihood(c, 1.0, b), effective_likelihood(c, 0.0, b)
    assert item.hit is not None and item.false_alarm is not None
    hit, false_alarm = rates if rates is not None else (item.hit.mean, item.false_alarm.mean)
    q = rated_likelihood(b, hit, false_alarm)
    return chained_rate(rho, hit, q), chained_rate(rho, false_alarm, q)


def _factors(
    items: Sequence[EvidenceItem], events: Sequence[Event], origins: Sequence[Origin] = ()
) -> list[Factor]:
    """Standalone items, events (with their reports) and origins (with their items), in the order
    their first item stands."""
    by_id = {e.id: e for e in events}
    origin_of = {item_id: o for o in origins for item_id in o.items}
    factors: list[Factor] = []
    grouped: dict[str, list[EvidenceItem]] = {}  # an event's or an origin's id -> its items so far
    for item in items:
        origin = origin_of.get(item.id)
        group = item.reports if item.reports is not None else (origin.id if origin is not None else None)
        if group is None:
            factors.append(Factor((item,)))
        elif group in grouped:
            grouped[group].append(item)  # its factor gets them all at the end: no n^2 tuple copies
        else:
            grouped[group] = [item]
            if origin is not None and item.reports is None:
                factors.append(Factor((item,), origin=origin))
            else:
                factors.append(Factor((item,), by_id[group]))
    return [
        replace(f, items=tuple(grouped[f.owner])) if f.grouped and len(grouped[f.owner]) > 1 else f
        for f in factors
    ]


def _compile(
    hypothesis_ids: Sequence[str],
    items: Sequence[EvidenceItem],
    events: Sequence[Event],
    reliability: dict[str, Judgment],
    origins: Sequence[Origin] = (),
) -> CompiledCase:
    by_id = {e.id: e for e in events}
    factors = _factors(items, events, origins)
    n_hyp = len(hypothesis_ids)
    theta = np.array(
        [[j.mean for j in (by_id[it.reports].likelihoods if it.reports else it.likelihoods)] for it in items]
    ).reshape(len(items), n_hyp)
    rho = [float(np.prod([reliability[s].mean for s in it.chain])) for it in items]  # each chain, once
    credibility = np.array([it.credibility.mean * r for it, r in zip(items, rho, strict=True)])
    rates = np.array(
        [item_rates(it, r, float(row.mean())) for it, r, row in zip(items, rho, theta, strict=True)]
    ).reshape(len(items), 2)
    event_index = {e.id: k for k, e in enumerate(events)}
    origin_index = {item_id: k for k, o in enumerate(origins) for item_id in o.items}
    origin_of = np.array([origin_index.get(it.id, -1) for it in items], dtype=int).reshape(len(items))
    # A member's rates in the shared branch: what it reports occurs at the origin's base rate.
    shared = np.full((len(items), 2), np.nan)
    for j in np.flatnonzero(origin_of >= 0):
        b_origin = float(np.mean([x.mean for x in origins[origin_of[j]].likelihoods]))
        shared[j] = item_rates(items[j], rho[j], b_origin)
    components = _components(factors, reliability, items)
    return CompiledCase(
        hypothesis_ids=tuple(hypothesis_ids),
        items=tuple(items),
        events=tuple(events),
        reliability=reliability,
        factors=tuple(factors),
        components=components,
        theta_mean=theta,
        credibility_mean=credibility.reshape(len(items)),
        event_of=np.array([event_index[it.reports] if it.reports else -1 for it in items], dtype=int),
        hit_mean=rates[:, 0],
        false_alarm_mean=rates[:, 1],
        origins=tuple(origins),
        origin_of=origin_of,
        shared_hit_mean=shared[:, 0],
        shared_false_alarm_mean=shared[:, 1],
        point_rows=_point_rows(components, items, theta, credibility.reshape(len(items))),
    )


def _point_rows(
    components: Sequence[Component], items: Sequence[EvidenceItem], theta: np.ndarray, credibility: np.ndarray
) -> np.ndarray | None:
    """log lambda_jh = log(c theta + (1 - c) b) of the points-only component's items at once:
    the same arithmetic, operand for operand, as `components.ComponentScore.item_lambda`."""
    block = next((c for c in components if c.points_only), None)
    if block is None:
        return None
    position = {id(it): k for k, it in enumerate(items)}
    rows = np.array([position[id(it)] for it in block.members], dtype=int)
    part = theta[rows]
    return log(effective_likelihood(credibility[rows][:, None], part, part.mean(axis=1)[:, None]))


def regroup(component: Component, unit: str, reliability: dict[str, Judgment]) -> tuple[Component, ...]:
    """The components that `component` without `unit` forms (an item, a report, a whole event or
    a whole origin; an event or origin left with no item goes): removing an item can uncouple
    sources. An origin left with one item stays a mixture: it is its items' marginal."""
    gone = {it.id for f in component.events if f.owner == unit for it in f.items} | {unit}
    kept = [it for it in component.members if it.id not in gone]
    events = [f.event for f in component.events if f.event is not None]
    origins = [f.origin for f in component.events if f.origin is not None]
    return _components(_factors(kept, events, origins), reliability, kept)


def joined_by_sources(factors: Sequence[Factor], counts: Callable[[str], bool]) -> dict[int, list[int]]:
    """Factors joined (union-find) when a source that `counts` is on the chains of both, as
    groups of factor indexes in the order of each group's first factor: the engine's components
    (uncertain sources) and the confidence's lines of evidence (any source but model error)."""
    parent = list(range(len(factors)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first_user: dict[str, int] = {}
    for k, factor in enumerate(factors):
        for source in {s for it in factor.items for s in it.chain if counts(s)}:
            if source in first_user:
                parent[root(k)] = root(first_user[source])
            else:
                first_user[source] = k
    members: dict[int, list[int]] = {}
    for k in range(len(factors)):
        members.setdefault(root(k), []).append(k)
    return members


def _components(
    factors: Sequence[Factor], reliability: dict[str, Judgment], items: Sequence[EvidenceItem]
) -> tuple[Component, ...]:
    """Factors joined (union-find) when they pass through a shared uncertain source, in the
    order of each component's first factor; `items` gives the case order."""
    uncertain = {s for s, j in reliability.items() if not j.is_point}
    position = {id(it): k for k, it in enumerate(items)}
    members = joined_by_sources(factors, uncertain.__contains__)
    out: list[Component | None] = []
    block: list[int] = []  # the points-only factors, merged where the first of them stands
    at = -1
    for ks in members.values():
        if len(ks) == 1 and _point_standalone(factors[ks[0]], uncertain):
            if not block:
                at = len(out)
                out.append(None)
            block.append(ks[0])
            continue
        used = sorted({s for k in ks for it in factors[k].items for s in it.chain if s in uncertain})
        in_order = sorted((it for k in ks for it in factors[k].items), key=lambda it: position[id(it)])
        out.append(
            Component(
                tuple((s, reliability[s]) for s in used), tuple(factors[k] for k in ks), tuple(in_order)
            )
        )
    if block:
        chosen = tuple(factors[k] for k in block)
        out[at] = Component((), chosen, tuple(f.items[0] for f in chosen), points_only=True)
    return tuple(c for c in out if c is not None)


def _point_standalone(factor: Factor, uncertain: set[str]) -> bool:
    """A standalone item with point likelihoods and credibility, on no uncertain source: exact,
    and its interval draws are one constant row (no random number drawn)."""
    if factor.grouped:
        return False
    item = factor.items[0]
    return (
        not item.rated
        and item.credibility.is_point
        and all(j.is_point for j in item.likelihoods)
        and not any(s in uncertain for s in item.chain)
    )


_compiled: dict[int, tuple[weakref.ref[Case], CompiledCase]] = {}


def compile_case(case: Case) -> CompiledCase:
    """The case's compilation, built once per case object (see the module's docstring)."""
    key = id(case)
    hit = _compiled.get(key)
    if hit is not None and hit[0]() is case:
        return hit[1]
    reliability = {s.id: s.reliability for s in case.sources}
    items = case.evidence
    if not (case.model_error.is_point and case.model_error.mean == 0.0):
        reliability[MODEL_ERROR] = complement(case.model_error)
    if MODEL_ERROR in reliability or any(it.rated for it in items):
        items = tuple(_linked(it, MODEL_ERROR in reliability) for it in items)
    compiled = _compile(case.hypothesis_ids, items, case.events, reliability, case.origins)
    compiled = replace(compiled, all_points=all(j.is_point for _, j in judgment_places(case)))
    _compiled[key] = (weakref.ref(case, lambda _, key=key: _compiled.pop(key, None)), compiled)
    return compiled


def _linked(item: EvidenceItem, model_error: bool) -> EvidenceItem:
    """The item as the engines read it: its chain ends with the MODEL_ERROR link, and a rated
    item's chain is that link alone (its source is for the record: docs/model.md section 2)."""
    tail = (MODEL_ERROR,) if model_error else ()
    if item.rated:
        return replace(item, source=None, via=tail)
    return replace(item, via=item.via + tail) if tail else item
