"""The rules of a case that its format cannot express: unique ids, priors stated for all or
none, a likelihood for every hypothesis, known sources and events, something left possible; and
the warnings (Cromwell's rule). Items' rules are in item_checks.py, events' and origins' in
event_checks.py. Every problem is collected, with its line, before any is
reported; a case that breaks none is then built (building.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hypotheses.case import keys
from hypotheses.case.assumption_checks import check_assumptions
from hypotheses.case.building import CaseBuilder, hypothesis, point_one, point_zero
from hypotheses.case.event_checks import EventChecker
from hypotheses.case.item_checks import ItemChecker
from hypotheses.case.messages import Findings, Problem
from hypotheses.case.reading import LineMap
from hypotheses.case.sourcing import Document, check_sourcing
from hypotheses.case.types import (
    DEFAULT_KEY,
    SINGLE_PRIOR,
    Assumption,
    Case,
    EvidenceItem,
    Hypothesis,
    Origin,
)
from priors import Point, get_scale
from priors.judgment import MODEL_ERROR_AS_PERCENT
from priors.scales import is_scale_path
from priors.suggest import did_you_mean

if TYPE_CHECKING:  # the Checker reads format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec


class Checker:
    """Checks a validated document against the case's own rules (hypotheses and priors, events,
    groups, the resolution, something left possible), with the items' rules (ItemChecker) in
    turn, and has the Case built from it when it breaks none."""

    def __init__(
        self,
        spec: CaseSpec,
        lines: LineMap,
        name: str,
        sha256: str,
        documents: Mapping[str, bytes] | None = None,
        duplicates: Sequence[tuple[Problem, tuple[Any, ...]]] = (),
    ) -> None:
        self.spec, self.name, self.sha256 = spec, name, sha256
        self.supplied = documents  # cited documents read where the case file is (batch workers)
        self.found = Findings(name, lines)
        for problem, path in duplicates:  # duplicate keys the reader kept the first value of
            self.found.duplicate_key(problem, path)
        self.ids = [h.id for h in spec.hypotheses]

    def case(self) -> Case:
        """The case, or a CaseError with every error found (by line)."""
        documents, assumptions = self._rules()
        self.found.raise_errors()
        case = CaseBuilder(self.spec, self.name, self.sha256, documents).case(self.found.sorted_warnings())
        # Judged on the likelihoods and chains as built, so only once the rest holds: with other
        # errors, "every hypothesis is ruled out" could only follow from them.
        something_survives(case, self.found)
        self.found.raise_errors()
        return replace(case, assumptions=assumptions)

    def rule_errors(self, quiet: Sequence[tuple[Any, ...]]) -> list[Problem]:
        """The errors of the case's rules alone, none at or below the paths `quiet`: for a
        document the format refused, whose refused values loading.py set aside (their entries
        are `quiet`, so that no error there can follow from what was set aside)."""
        self.found.quiet.update(quiet)
        self._rules()
        return self.found.root_errors()

    def _rules(self) -> tuple[dict[str, Document], tuple[Assumption, ...]]:
        """Every rule that needs no built case, in one pass: the cited documents' hashes and
        the assumptions, read."""
        self._hypotheses()
        events = EventChecker(self.spec, self.found, self.ids)
        events.events()
        ItemChecker(self.spec, self.found, self.ids).check()
        events.unreported()
        events.origins()
        documents = check_sourcing(self.spec, self.found, self.name, self.supplied)
        self._groups()
        self._resolution()
        self._scale()
        self._model_error()
        return documents, check_assumptions(self.spec, self.found)

    def _model_error(self) -> None:
        """A model error of a half or more, stated as a percentage, word or range (a bare number
        is refused as it is read: priors.parse_model_error): kept, since it was written as meant,
        but said what it does, for it leaves the evidence almost nothing to say."""
        judgment = self.spec.model_error
        if judgment is None or judgment.mean < MODEL_ERROR_AS_PERCENT:
            return
        self.found.warn(
            ("model_error",),
            f"model_error {judgment.text or judgment.mean} says that {judgment.mean:.0%} of all "
            f"judgments are simply wrong: every item's and report's credibility is multiplied by "
            f"{1 - judgment.mean:.3g}, so the evidence can move the priors little (at 100% not at all); "
            "if that is not meant, give a small probability such as 1%",
        )

    def _hypotheses(self) -> None:
        specs = self.spec.hypotheses
        self.found.unique_ids("hypotheses", self.ids, "hypothesis")
        stated = [h.prior is not None for h in specs]
        if any(stated) and not all(stated):
            for index, h in enumerate(specs):
                if h.prior is None:
                    self.found.error(
                        ("hypotheses", index),
                        f"hypothesis '{h.id}' has no prior while "
                        "others do; give every hypothesis a prior, or none (equal priors)",
                    )
        out = []
        for index, h in enumerate(specs):
            if h.id == DEFAULT_KEY:
                self.found.error(
                    ("hypotheses", index, "id"),
                    "'default' is reserved (it fills missing likelihoods); choose another hypothesis id",
                )
            built = hypothesis(h)
            if h.prior is not None and not built.prior:  # factors given, none of them stated
                self.found.error(
                    ("hypotheses", index, "prior"),
                    f"a factored prior needs at least one factor ({', '.join(keys.FACTORS.keys)})",
                )
            for factor, judgment in built.prior:
                if isinstance(judgment, Point) and judgment.value == 0:
                    where = ("hypotheses", index, "prior") + (() if factor == SINGLE_PRIOR else (factor,))
                    what = "prior" if factor == SINGLE_PRIOR else f"prior factor {factor}"
                    self.found.warn(
                        where,
                        f"{what} of '{h.id}' is 0: this rules the hypothesis "
                        "out whatever the evidence (Cromwell's rule); use a small value "
                        "such as 0.01 if it is merely unlikely",
                    )
            out.append(built)
        self._prior_warnings(out)

    def _mixed_priors(self, hypotheses: list[Hypothesis], values: list[float]) -> None:
        """A probability (a number, word, range or percentage below 1) among weights above 1: read
        as a weight too, it comes out far smaller than meant (0.2 beside 3 and 1: 4.8%; `likely`
        beside 3: 18%). Whatever form the priors take, their means say which is which."""
        total = sum(values)
        below = [h.id for h, v in zip(hypotheses, values, strict=True) if 0 < v < 1.0]
        if below and any(v > 1.0 for v in values) and total > 0:
            listed = [f"{h.id} {v / total:.3g}" for h, v in zip(hypotheses, values, strict=True)]
            shares, named = _some(listed, count=True), _some(below)
            self.found.warn(
                ("hypotheses",),
                f"the priors mix weights above 1 with values below 1 ({named}): all are "
                f"read as relative weights and normalised to {shares}; if a value below 1 is a "
                "probability (or odds, or a percentage), write the other priors as probabilities too",
            )

    def _singles_beside_factors(self, hypotheses: list[Hypothesis], factored: list[Hypothesis]) -> None:
        """Single priors beside factored ones: all are weights, a factored one the product of its
        factors (each a probability, so at most 1), normalised together. A single weight above 1
        then swamps the products (60 beside them: 98%), and is refused; a single probability is
        compared with the products as it stands, not as the share of the whole it may have been
        meant as, and is warned with the priors it gives."""
        weights = [math.prod(j.mean for _, j in h.prior) for h in hypotheses]
        total = sum(weights)
        if not (math.isfinite(total) and total > 0):
            total = math.inf  # 1e308 beside 1e308: the shares are not worth printing
        share = {h.id: w / total for h, w in zip(hypotheses, weights, strict=True)}
        products = _some([h.id for h in factored])
        singles = [(i, h) for i, h in enumerate(hypotheses) if h.prior and h.prior[0][0] == SINGLE_PRIOR]
        refused = False
        for index, h in singles:
            judgment = h.prior[0][1]
            if isinstance(judgment, Point) and judgment.value > 1.0:
                refused = True
                self.found.error(
                    ("hypotheses", index, "prior"),
                    f"prior {judgment.text or f'{judgment.value:g}'} of '{h.id}' is a weight above 1 beside "
                    f"factored priors ({products}), whose weights are products of probabilities, at most 1: "
                    f"normalised together, '{h.id}' would get {share[h.id]:.3g} of the prior; state its "
                    "prior as factors too, or every prior as a single number",
                )
        if refused:
            return
        listed = [f"{h.id} {share[h.id]:.3g}" for h in hypotheses]
        shares = _some(listed, count=True)
        named = ", ".join(
            f"{h.id} {h.prior[0][1].text or f'{h.prior[0][1].mean:g}'}" for _, h in singles[:12]
        )
        self.found.warn(
            ("hypotheses", singles[0][0], "prior"),
            f"the priors mix single values ({named}) with factored priors ({products}): each prior is a "
            "weight, a factored one the product of its factors, and all are normalised together to "
            f"{shares}; a single value is compared with the products as it stands, not read as the "
            "hypothesis's share of the whole: to set that share, state every prior as factors, or every "
            "one as a single probability",
        )

    def _prior_warnings(self, hypotheses: list[Hypothesis]) -> None:
        """Priors are relative weights (docs/case-format.md, "Rules"): say when probabilities that do
        not add up are normalised, and when factor sets differ (a factor stated for one
        hypothesis only lowers that hypothesis's prior)."""
        singles = [h.prior[0][1] for h in hypotheses if len(h.prior) == 1 and h.prior[0][0] == SINGLE_PRIOR]
        if len(singles) == len(hypotheses) and all(isinstance(j, Point) for j in singles):
            values = [j.mean for j in singles]
            total = sum(values)
            if all(v <= 1.0 for v in values) and total > 0 and abs(total - 1.0) > 1e-9:
                shares = ", ".join(f"{h.id} {v / total:.3g}" for h, v in zip(hypotheses, values, strict=True))
                self.found.warn(
                    ("hypotheses",),
                    f"the priors add up to {total:g}, not 1: they are read as relative weights and "
                    f"normalised to {shares}",
                )
        if len(singles) == len(hypotheses):
            self._mixed_priors(hypotheses, [j.mean for j in singles])
        factored = [h for h in hypotheses if h.prior and h.prior[0][0] != SINGLE_PRIOR]
        if factored and singles:
            self._singles_beside_factors(hypotheses, factored)
        if len(factored) < 2:
            return
        said = _factors_left_out(factored)
        if said:
            index = next(i for i, h in enumerate(self.spec.hypotheses) if h.id == factored[0].id)
            self.found.warn(
                ("hypotheses", index, "prior"),
                f"the factored priors state different factors: {said}. A factor not stated counts "
                "as 1 (not in question), so each prior is lowered only by the factors it states; "
                "if they should weigh alike, state each factor for every hypothesis (1 where it "
                "does not apply)",
            )

    def _groups(self) -> None:
        ids = self.ids
        for group_id, spec in self.spec.groups.items():
            at = ("groups", group_id)
            if group_id in ids:
                self.found.error(at, f"group id '{group_id}' is a hypothesis id; give the group another id")
            unknown = [m for m in spec.members if m not in ids]
            for member in unknown:
                self.found.unknown(
                    "hypotheses",
                    member,
                    (*at, "members"),
                    f"unknown hypothesis '{member}'{did_you_mean(member, ids)} in group '{group_id}'; "
                    f"hypotheses: {', '.join(ids)}",
                )
            if len(set(spec.members)) != len(spec.members):
                self.found.error(
                    (*at, "members"), f"group '{group_id}' lists a hypothesis twice; list each once"
                )
            if not unknown and set(spec.members) == set(ids):
                self.found.warn(at, f"group '{group_id}' holds every hypothesis: its probability is always 1")

    def _scale(self) -> None:
        """A scale file on HYPSCORE_SCALE_PATH named like a built-in scale replaces it, for every
        case that uses the name (the default one even when the case states none): say so."""
        scale = get_scale(self.spec.scale)
        if scale.shadows_builtin and not is_scale_path(
            self.spec.scale
        ):  # a file named by path replaces nothing
            self.found.warn(
                ("scale",),
                f"the scale '{scale.name}' is read from {scale.file}, which replaces the built-in scale "
                "of that name (HYPSCORE_SCALE_PATH); give the file and its `name:` another name to "
                "keep both, or take its directory off HYPSCORE_SCALE_PATH",
            )

    def _resolution(self) -> None:
        spec = self.spec.resolution
        if spec is not None and spec.hypothesis not in self.ids:
            self.found.unknown(
                "hypotheses",
                spec.hypothesis,
                ("resolution", "hypothesis"),
                f"unknown hypothesis '{spec.hypothesis}'{did_you_mean(spec.hypothesis, self.ids)} in the "
                f"resolution; hypotheses: {', '.join(self.ids)}",
            )


def something_survives(case: Case, found: Findings) -> None:
    """Some hypothesis must stay possible: not every one ruled out by a zero prior, or by a
    zero likelihood on a report that cannot be unfounded."""
    reliability = {s.id: s.reliability for s in case.sources}
    in_origins = {item for o in case.origins if not point_zero(o.shared) for item in o.items}

    # With a model error above 0 any item may say nothing (docs/case-format.md, "Model
    # error"): then no report is certain.
    exact = point_zero(case.model_error)

    def never_false(e: EvidenceItem) -> bool:
        """A report that cannot be unfounded: a false-alarm rate of exactly 0, given (hit and
        false-alarm rates) or from a credibility and every reliability on its chain 1."""
        if not exact:
            return False
        if e.rated:
            return isinstance(e.false_alarm, Point) and e.false_alarm.value == 0
        return point_one(e.credibility) and all(point_one(reliability[s]) for s in e.chain)

    def never_missed(e: EvidenceItem) -> bool:
        """A report that cannot occur when what it says is true: a given hit rate of 0."""
        return exact and e.rated and isinstance(e.hit, Point) and e.hit.value == 0

    def certain(e: EvidenceItem) -> bool:
        """Never false, and not in a possible common origin (its own likelihoods then count
        only in part: the origin is judged as a whole, `origin_zero`)."""
        return e.id not in in_origins and never_false(e)

    def zero(j: object, value: float) -> bool:
        return isinstance(j, Point) and j.value == value

    def origin_zero(o: Origin, index: int) -> bool:
        """Both readings of a possible common origin are 0 under h: as one event (theta_O 0
        and an item never false, or theta_O 1 and one never reported when true), and as
        independent items (one of them, never false, with its own likelihood 0), each only
        where `shared` leaves that reading possible."""
        items = [e for e in case.evidence if e.id in o.items]
        theta = o.likelihoods[index]
        as_event = (zero(theta, 0.0) and any(never_false(e) for e in items)) or (
            zero(theta, 1.0) and any(never_missed(e) for e in items)
        )
        alone = any(
            (zero(e.likelihoods[index], 0.0) and never_false(e))
            or (zero(e.likelihoods[index], 1.0) and never_missed(e))
            for e in items
        )
        return (as_event or zero(o.shared, 0.0)) and (alone or zero(o.shared, 1.0))

    def ruled_out(index: int) -> bool:
        prior_zero = any(isinstance(j, Point) and j.value == 0 for _, j in case.hypotheses[index].prior)
        evidence_zero = any(
            e.reports is None
            and isinstance(e.likelihoods[index], Point)
            and e.likelihoods[index].value == 0
            and certain(e)
            for e in case.evidence
        )
        # P(R | h) = theta_h prod(...) + (1 - theta_h) prod((1 - c_i) b): 0 when theta_h is 0
        # and one report is certain (its c_i = 1).
        event_zero = any(
            isinstance(g.likelihoods[index], Point)
            and g.likelihoods[index].value == 0
            and any(certain(e) for e in case.reports_of(g.id))
            for g in case.events
        )
        return prior_zero or evidence_zero or event_zero or any(origin_zero(o, index) for o in case.origins)

    if all(ruled_out(i) for i in range(len(case.hypotheses))):
        found.error(
            ("hypotheses",),
            "every hypothesis is ruled out by a zero prior or a zero "
            "likelihood; at least one must remain possible",
        )


def _factors_left_out(factored: list[Hypothesis]) -> str:
    """'a and b do not state base_rate; c does not state means, motive or opportunity', or ''
    when every factored prior states the same factors. Grouped by what is left out: the new-user
    trial read 'base_rate for a, b, c; means for d; motive for d' as a puzzle."""
    named = {h.id: {factor for factor, _ in h.prior} for h in factored}
    every = set().union(*named.values())
    lacking: dict[tuple[str, ...], list[str]] = {}
    for h in factored:
        left = tuple(sorted(every - named[h.id]))
        if left:
            lacking.setdefault(left, []).append(h.id)
    return "; ".join(
        f"{keys.listed(ids)} {'does' if len(ids) == 1 else 'do'} not state {keys.listed(list(left), 'or')}"
        for left, ids in lacking.items()
    )


def _some(words: list[str], count: bool = False) -> str:
    """The first twelve, then ', ...' (with `count`, ', ... (N in all)'): a warning's list."""
    more = f", ... ({len(words)} in all)" if count else ", ..."
    return ", ".join(words[:12]) + (more if len(words) > 12 else "")
