"""Analytic confidence (docs/model.md section 10): how far the assessment can be trusted, apart
from how likely its answer is (ICD 203 keeps the two apart). `low`, `moderate` or `high`, with
the reasons in an analyst's words, from rules that read only results: the Scorecard, the numpy
engine's leave-one-out, the case's lines of evidence, the chance that a pending item changes the leader.

Each rule is one function returning its reason, or None when it does not hold; the rules are
tested one by one (tests/test_confidence.py), each on a case built to trigger it alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hypotheses.analysis.scorecard import Confidence, HypothesisScore, Scorecard
from hypotheses.case import Case
from hypotheses.text import interval, percent
from priors.reliability import ADMIRALTY, admiralty_judgment

LOW, MODERATE, HIGH = "low", "moderate", "high"
# Below this the leader's interval leaves room for doubt a reader should hear about: "high"
# needs the whole 90% interval above it.
HIGH_FLOOR = 0.8
FLOOR_TEXT = "80%"
# A pending item this likely to change the leader makes the assessment provisional.
PENDING_CHANGE = 0.25
# More than this share of the leader's positive weight from weak items: the answer rests on them.
WEAK_SHARE = 0.5
WEAK_LETTERS = ("D", "E", "F")  # Admiralty: not usually reliable, unreliable, cannot be judged
WEAK_CREDIBILITY = 0.5
# A line of evidence "favours" the leader when it moves the odds leader : runner-up by at least one
# deciban (a factor 1.26), the smallest change of weight a person can tell (Good, 1979): a
# line that leaves them as they were (a fact every hypothesis expects) is no line of support.
FAVOUR_DB = 1.0
# A suspected origin matters when declaring it would also move P(leader) by a point or more: past
# 99.9% the odds can fall tenfold with the answer as sure as before (a reader sees no change).
ORIGIN_POINTS = 0.01
TIE = 1e-9  # posteriors this close are equal (as explain.TIE_TOLERANCE)
SHOWN = 3  # the items named in one reason; the rest counted


@dataclass(frozen=True, eq=False)  # arrays: never compared (a generated __eq__ would raise)
class Facts:
    """What the rules read: the scored case and, from the numpy engine, P(h | E without each
    item) (J, H), without each event's reports then each origin's items (G + O, H), each
    line of evidence's log factor (L, H) with the sources that join it; the items that count as
    weak (id -> why) and each pending item's chance of changing the leader."""

    card: Scorecard
    item_ids: Sequence[str]
    without_item: np.ndarray | None
    group_ids: Sequence[str]
    without_group: np.ndarray | None
    line_log_factors: np.ndarray | None
    line_sources: Sequence[Sequence[str]] = ()
    weak: dict[str, str] = field(default_factory=dict)
    p_leader_changes: dict[str, float] = field(default_factory=dict)
    unsourced: Sequence[str] = ()
    # Each line's items (`lines_of_evidence`), and the observed items given as `ratios:` (they
    # cannot carry a source, a grading or a credibility below 1, so are never unsourced).
    line_items: Sequence[Sequence[str]] = ()
    ratio_items: Sequence[str] = ()

    @property
    def lead(self) -> HypothesisScore:
        return self.card.ranked()[0]

    @property
    def rival(self) -> HypothesisScore:
        return self.card.ranked()[1]


def _listed(names: list[str], conjunction: str = "or") -> str:
    """'a', 'a or b', 'a, b or c', 'a, b, c and 2 more'."""
    if len(names) > SHOWN:
        return f"{', '.join(names[:SHOWN])} and {len(names) - SHOWN} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


# ---- low: each rule alone makes the assessment low ----------------------------------------------


def leave_one_out_changes_leader(facts: Facts) -> str | None:
    """Low when leaving out any one item, event (with its reports) or origin (with its items)
    would make another hypothesis lead: the answer hangs on that one piece."""
    ids = [h.id for h in facts.card.hypotheses]
    lead = ids.index(facts.lead.id)
    changed: dict[str, list[str]] = {}  # new leader -> what, left out, makes it lead
    for names, rows in ((facts.item_ids, facts.without_item), (facts.group_ids, facts.without_group)):
        if rows is None:
            continue
        for name, row in zip(names, rows, strict=True):
            top = int(np.argmax(row))
            if row[top] > row[lead] + TIE:
                changed.setdefault(ids[top], []).append(name)
    if not changed:
        return None
    said = [f"leaving out {_listed(names)} would make {h} lead" for h, names in changed.items()]
    return "; ".join(said)


def intervals_overlap(facts: Facts) -> str | None:
    """Low when the leader's and the runner-up's 90% intervals overlap: the two are not told
    apart within the judgments' own vagueness."""
    lead, rival = facts.lead.posterior, facts.rival.posterior
    if lead.lo > rival.hi:
        return None
    return (
        f"the 90% intervals of {facts.lead.id} ({interval(lead.lo, lead.hi)}) and {facts.rival.id} "
        f"({interval(rival.lo, rival.hi)}) overlap"
    )


def weak_share(facts: Facts) -> tuple[float, list[str]]:
    """The share of the leader's positive weight (decibans) that weakly sourced items carry, and
    those of them that favour the leader: (0, []) when no item favours it."""
    lead = facts.lead.id
    weights = {e.id: e.weight_db.get(lead) for e in facts.card.evidence}
    positive = {k: w for k, w in weights.items() if w is not None and w > 0}
    if not positive:
        return 0.0, []
    infinite = [k for k, w in positive.items() if math.isinf(w)]
    if infinite:  # an item that alone makes the leader certain outweighs every finite one
        share = sum(k in facts.weak for k in infinite) / len(infinite)
    else:
        share = sum(w for k, w in positive.items() if k in facts.weak) / sum(positive.values())
    return share, [k for k in positive if k in facts.weak]


def weak_sourcing(facts: Facts) -> str | None:
    """Low when most (over half) of the leader's positive weight, in decibans, comes from items
    whose source (or a source they passed through) is graded D-F or judged below 0.5, or whose
    credibility is below 0.5: the answer rests on what its own sources say is doubtful."""
    lead = facts.lead.id
    share, weak = weak_share(facts)
    if share <= WEAK_SHARE:
        return None
    why = sorted({facts.weak[k] for k in weak})
    return (
        f"{percent(share)} of the weight for {lead} comes from weakly sourced items "
        f"({_listed(weak)}: {'; '.join(why)})"
    )


def pending_may_change_leader(facts: Facts) -> str | None:
    """Low when a pending item has at least a 25% chance of changing the leader once known."""
    risky = [(p, k) for k, p in facts.p_leader_changes.items() if p >= PENDING_CHANGE]
    if not risky:
        return None
    risky.sort(key=lambda pk: -pk[0])
    if len(risky) == 1:
        p, k = risky[0]
        return f"the pending item {k} has a {percent(p)} chance of changing the leader once it is known"
    said = _listed([f"{k} ({percent(p)})" for p, k in risky], "and")
    return f"the pending items {said} each have a 25% chance or more of changing the leader once known"


def _origin_matters(facts: Facts, if_shared: dict[str, float]) -> bool:
    """Whether declaring a suspected origin (at shared 0.5) would move the leader's odds against
    the runner-up by FAVOUR_DB or more, or change the leader: an origin that moves them less
    counts about once either way. Unknown (not scored): it matters."""
    if not if_shared:
        return True
    lead, rival = facts.lead, facts.rival
    if max(if_shared, key=lambda h: if_shared[h]) != lead.id:
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        now = (
            math.log(lead.posterior.mean) - math.log(rival.posterior.mean)
            if rival.posterior.mean > 0
            else math.inf
        )
        then_rival = if_shared.get(rival.id, 0.0)
        then = math.log(if_shared[lead.id]) - math.log(then_rival) if then_rival > 0 else math.inf
    if math.isinf(now) and math.isinf(then):
        return False
    if abs(lead.posterior.mean - if_shared[lead.id]) < ORIGIN_POINTS:
        return False
    return not abs(now - then) * 10.0 / math.log(10.0) < FAVOUR_DB


def no_evidence(facts: Facts) -> str | None:
    """Low when no observed item counts: the answer is the prior's alone."""
    if len(facts.item_ids) or len(facts.group_ids):
        return None
    return "no observed evidence counts yet: the answer is the priors alone"


def undeclared_origins(facts: Facts) -> str | None:
    """Low when items look as if they repeat one origin the case does not declare: they may be
    counted as independent confirmation when they are one report. Only where declaring it would
    matter (`_origin_matters`): a warning with no effect on the answer is no reason for doubt."""
    suspected = [s for s in facts.card.suspected_origins if _origin_matters(facts, dict(s.if_shared))]
    if not suspected:
        return None
    groups = [_listed(list(s.items), "and") for s in suspected]
    return f"{'; '.join(groups)} may repeat one origin that the case does not declare"


LOW_RULES = (
    no_evidence,
    leave_one_out_changes_leader,
    intervals_overlap,
    weak_sourcing,
    pending_may_change_leader,
    undeclared_origins,
)


# ---- high: both conditions, and no low rule ----------------------------------------------------


def interval_below_floor(facts: Facts) -> str | None:
    """Not high while the leader's 90% interval reaches down to 80% or below."""
    lo = facts.lead.posterior.lo
    if lo > HIGH_FLOOR:
        return None
    lead = facts.lead.id
    return f"the 90% interval of {lead} reaches down to {percent(lo)} (high needs it above {FLOOR_TEXT})"


def lines_of_evidence(case: Case) -> tuple[np.ndarray, list[list[str]], list[list[str]]]:
    """The case's lines of evidence: its factors (an item, an event with its reports, an origin
    with its items) joined when any source on their chains is shared, whether its reliability is
    a point or uncertain (how a reliability is written must not change how many lines there
    are), model error aside (it is on every chain and joins nothing). Each line's log factor
    (L, H) is the sum of its items' rows at the judgments' means (the chain rule: a group's rows
    add up to its term), with the sources that join it and its items' ids."""
    from hypotheses.model.factors import MODEL_ERROR, compile_case, joined_by_sources

    compiled = compile_case(case)
    factors = compiled.factors
    lines = joined_by_sources(factors, lambda source: source != MODEL_ERROR)
    rows = compiled.mean_log_likelihoods()
    index = {it.id: j for j, it in enumerate(compiled.items)}
    log_factors, sources, members_ids = [], [], []
    for members in lines.values():
        items = [index[it.id] for k in members for it in factors[k].items]
        log_factors.append(rows[items].sum(axis=0))
        chains = {s for k in members for it in factors[k].items for s in it.chain if s != MODEL_ERROR}
        sources.append(sorted(chains) if len(members) > 1 else [])
        members_ids.append([it.id for k in members for it in factors[k].items])
    n_hyp = len(case.hypotheses)
    return np.array(log_factors).reshape(len(log_factors), n_hyp), sources, members_ids


def favouring_lines(facts: Facts) -> list[int]:
    """The lines of evidence (`lines_of_evidence`) that favour the leader over the runner-up by
    at least FAVOUR_DB."""
    factors = facts.line_log_factors
    if factors is None or len(factors) == 0:
        return []
    ids = [h.id for h in facts.card.hypotheses]
    lead, rival = ids.index(facts.lead.id), ids.index(facts.rival.id)
    with np.errstate(invalid="ignore"):
        margin_db = 10.0 / math.log(10.0) * (factors[:, lead] - factors[:, rival])
    return [k for k, m in enumerate(margin_db) if m >= FAVOUR_DB]  # NaN (both impossible): not


def too_few_lines(facts: Facts) -> str | None:
    """Not high unless at least two independent lines of evidence (`lines_of_evidence`: no
    source shared between them) each favour the leader over the runner-up."""
    favouring = favouring_lines(facts)
    if len(favouring) >= 2:
        return None
    lead, rival = facts.lead.id, facts.rival.id
    if not favouring:
        return f"no independent line of evidence favours {lead} over {rival}"
    shared = list(facts.line_sources[favouring[0]]) if facts.line_sources else []
    sources = "source" + "s" * (len(shared) > 1)
    because = f" (its items hang together through the {sources} {_listed(shared, 'and')})" if shared else ""
    return f"only one independent line of evidence favours {lead} over {rival}{because}"


def lines_in_doubt(facts: Facts, lines: Sequence[int]) -> list[tuple[str, int]]:
    """The suspected common origins with items on two or more of these lines, each as ('a and b',
    how many of the lines it spans): those lines may be one report, not independent."""
    line_of = {item: k for k in lines for item in (facts.line_items[k] if facts.line_items else ())}
    out = []
    for suspected in facts.card.suspected_origins:
        on = {line_of[i] for i in suspected.items if i in line_of}
        if len(on) >= 2:
            out.append((_listed(list(suspected.items), "and"), len(on)))
    return out


def unsourced(facts: Facts) -> str | None:
    """Not high while an observed item states no source, grading or credibility: it counts at
    credibility 1 by default, and nothing in the case says it is sound."""
    if not facts.unsourced:
        return None
    items = list(facts.unsourced)
    named = _listed(items[:SHOWN] + ([f"{len(items) - SHOWN} more"] if len(items) > SHOWN else []), "and")
    return f"{named} state{'s' * (len(items) == 1)} no source, grading or credibility (counted as sound)"


def unsourced_items(case: Case) -> list[str]:
    """The observed items with no source, no grading and no credibility stated (`unsourced`)."""
    return [
        item.id
        for item in case.evidence
        if not item.rated and not item.chain and item.credibility.text.endswith("(default)")
    ]


def ratio_items(case: Case) -> list[str]:
    """The observed items given as `ratios:`: they can carry no source, grading or credibility
    below 1 (case-format.md), so `unsourced` does not count them."""
    return [item.id for item in case.evidence if item.ratios]


NOT_HIGH_RULES = (interval_below_floor, too_few_lines, unsourced)


def assess(facts: Facts) -> Confidence:
    """The level and its reasons: low with every low rule that holds; else moderate with every
    condition of high that fails; else high, with what makes it so."""
    low = [reason for rule in LOW_RULES if (reason := rule(facts)) is not None]
    if low:
        return Confidence(LOW, tuple(low))
    short = [reason for rule in NOT_HIGH_RULES if (reason := rule(facts)) is not None]
    if short:
        return Confidence(MODERATE, tuple(short))
    return Confidence(HIGH, high_reasons(facts))


def high_reasons(facts: Facts) -> tuple[str, ...]:
    """What makes the assessment high, saying exactly what each rule checked (and no more)."""
    lead, rival = facts.lead, facts.rival
    favouring = favouring_lines(facts)
    # "Independent" only for lines no suspected origin spans: the tool doubts the others.
    lines = (
        f"{len(favouring)} lines of evidence with no source in common each favour {lead.id} over {rival.id}"
    )
    doubted = lines_in_doubt(facts, favouring)
    if doubted:
        said = "; ".join(f"{items} (on {n} of them)" for items, n in doubted)
        what = "is a suspected common origin" if len(doubted) == 1 else "are suspected common origins"
        lines += f", but {said} {what}"
    reasons = [
        f"the 90% interval of {lead.id} lies above {FLOOR_TEXT} "
        f"({interval(lead.posterior.lo, lead.posterior.hi)})",
        lines,
        "leaving out any one item, event or origin would make no other hypothesis lead",
    ]
    share, weak = weak_share(facts)
    if not facts.weak:
        reasons.append("no item's source is graded D-F or judged below 0.5, nor its credibility below 0.5")
    else:
        named = [f"{k} ({why})" for k, why in facts.weak.items()]
        reasons.append(
            f"the weakly sourced items {_listed(named, 'and')} carry "
            f"{percent(share) if weak else 'none'} of the weight for {lead.id} (low needs over half)"
        )
    sourced = "every observed item states a source, grading or credibility"
    if facts.ratio_items:
        ratio = list(facts.ratio_items)
        they = "it" if len(ratio) == 1 else "they"
        sourced += (
            f", except {_listed(ratio, 'and')}: given as ratios, {they} cannot carry one "
            "(not counted as unsourced)"
        )
    reasons.append(sourced)
    if facts.p_leader_changes:
        reasons.append(f"no pending item has a {PENDING_CHANGE:.0%} chance or more of changing the leader")
    suspected = [_listed(list(s.items), "and") for s in facts.card.suspected_origins]
    if not suspected:
        reasons.append("no common origin is suspected among the items")
    else:
        reasons.append(
            f"declared as one origin (shared 0.5), no suspected common origin ({'; '.join(suspected)}) "
            f"would change the leader, or move P({lead.id}) by a point and its odds against "
            f"{rival.id} by {FAVOUR_DB:g} dB"
        )
    return tuple(reasons)


def weak_items(case: Case) -> dict[str, str]:
    """The observed items that count as weakly sourced, with why: a source on its chain graded D,
    E or F (or a reliability judged below 0.5 in other words: the letter is one way to write it),
    or a credibility below 0.5 (an item with given hit and false-alarm rates has none)."""
    graded = {letter: admiralty_judgment(letter, case.scale) for letter in ADMIRALTY}
    out: dict[str, str] = {}
    for item in case.evidence:
        for source_id in item.chain:
            source = case.source(source_id)
            if source is None:
                continue
            letter = next((k for k, j in graded.items() if source.reliability == j), None)
            # An item's own graded source (grading: D3, no source cited) is named by its letter.
            name = "" if source_id.startswith("grading:") else f"source {source_id} "
            if letter in WEAK_LETTERS:
                out[item.id] = f"{name}graded {letter}"
                break
            if letter is None and source.reliability.mean < WEAK_CREDIBILITY:
                out[item.id] = f"{name}judged {source.reliability.text}"
                break
        else:
            if not item.rated and item.credibility.mean < WEAK_CREDIBILITY:
                out[item.id] = f"credibility {item.credibility.text}"
    return out
