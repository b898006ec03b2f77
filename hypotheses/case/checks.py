"""The rules of a case that its format cannot express: unique ids, priors stated for all or
none, a likelihood for every hypothesis, known sources, something left possible; and the
warnings (Cromwell's rule). Every problem is collected, with its line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from hypotheses.case import keys
from hypotheses.case.fast import Factors
from hypotheses.case.keys import PENDING
from hypotheses.case.messages import CaseError, Problem
from hypotheses.case.reading import LineMap
from hypotheses.case.types import (
    DEFAULT_KEY,
    SINGLE_PRIOR,
    Case,
    Event,
    EvidenceItem,
    Group,
    Hypothesis,
    Resolution,
    Source,
)
from priors import ADMIRALTY, Judgment, Point, admiralty_judgment, complement
from priors.suggest import did_you_mean

if TYPE_CHECKING:  # the Checker reads format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec, EvidenceSpec


def _factored(prior: Any) -> bool:
    """A prior given as factors: fast.Factors, or format.PriorFactors when pydantic read the
    file (looked up only if that module was imported: no file was read by it otherwise)."""
    if isinstance(prior, Factors):
        return True
    form = sys.modules.get("hypotheses.case.format")
    return form is not None and isinstance(prior, form.PriorFactors)


class Checker:
    """The cross-reference rules pydantic cannot see: ids, priors, likelihood coverage."""

    def __init__(self, spec: CaseSpec, lines: LineMap, name: str, sha256: str) -> None:
        self.spec, self.lines, self.name, self.sha256 = spec, lines, name, sha256
        self.errors: list[Problem] = []
        self.graded: list[Source] = []  # the sources of items graded without a cited source
        self.warnings: list[Problem] = []

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.errors.append(Problem(self.name, self.lines.line(path) or 1, message))

    def warn(self, path: tuple[Any, ...], message: str) -> None:
        self.warnings.append(Problem(self.name, self.lines.line(path) or 1, message, "warning"))

    def case(self) -> Case:
        hypotheses = self._hypotheses()
        ids = [h.id for h in hypotheses]
        sources = self._sources()
        events = self._events(ids)
        items = self._evidence(ids, {s.id for s in sources}, {e.id for e in events})
        sources = sources + self.graded
        evidence = [item for item in items if item.observed != PENDING]
        reported = {item.reports for item in evidence}
        for event in events:
            if event.id not in reported:
                self.warn(
                    ("events", event.id),
                    f"no item reports event '{event.id}', so it changes nothing; add items with "
                    f"`reports: {event.id}`, or remove it",
                )
        groups = self._groups(ids)
        resolution = self._resolution(ids)
        self._something_survives(hypotheses, evidence, events)
        if self.errors:
            raise CaseError(sorted(self.errors, key=lambda p: p.line or 0))
        spec = self.spec
        return Case(
            title=spec.title,
            question=spec.question,
            scale_name=spec.scale,
            hypotheses=tuple(hypotheses),
            sources=tuple(sources),
            evidence=tuple(evidence),
            path=self.name,
            sha256=self.sha256,
            warnings=tuple(sorted(self.warnings, key=lambda p: p.line or 0)),
            notes=spec.notes,
            groups=groups,
            resolution=resolution,
            pending=tuple(item for item in items if item.observed == PENDING),
            events=tuple(e for e in events if e.id in reported),
        )

    def _events(self, ids: list[str]) -> list[Event]:
        """Events (docs/case-format.md, "Reports of one event, and chains"): P(event | h) for
        every hypothesis, like an item's."""
        out = []
        for event_id, spec in self.spec.events.items():
            at = ("events", event_id)
            given = spec.likelihoods
            for key in given:
                if key != DEFAULT_KEY and key not in ids:
                    self.error(
                        (*at, "likelihoods", key),
                        f"unknown hypothesis '{key}'{did_you_mean(key, [*ids, DEFAULT_KEY])} in the "
                        "likelihoods of event "
                        f"'{event_id}'; hypotheses: {', '.join(ids)}",
                    )
            missing = [h for h in ids if h not in given]
            default = given.get(DEFAULT_KEY)
            if missing and default is None:
                self.error(
                    (*at, "likelihoods"),
                    f"event '{event_id}' gives no likelihood for {', '.join(repr(m) for m in missing)}; "
                    "add them or a `default:`",
                )
                continue
            likelihoods = tuple(given.get(h, default) for h in ids)
            if all(isinstance(j, Point) and j.value == 0 for j in likelihoods):
                self.error(
                    (*at, "likelihoods"),
                    f"event '{event_id}' is impossible under every hypothesis (all likelihoods 0); if it "
                    "may have happened, some hypothesis must allow it",
                )
                continue
            for h, j in zip(ids, likelihoods, strict=True):
                key = h if h in given else DEFAULT_KEY
                if isinstance(j, Point) and j.value == 0:
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for event '{event_id}' is 0: a fully credible report of it "
                        "rules the hypothesis out for good, a doubtful one weakens it (Cromwell's rule)",
                    )
                elif isinstance(j, Point) and j.value == 1:
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for event '{event_id}' is exactly 1 (certain); if there is "
                        "any doubt, write 0.99 or a word such as 'almost certain' (Cromwell's rule)",
                    )
            out.append(Event(event_id, spec.label, likelihoods, spec.notes, tuple(spec.links)))
        return out

    def _report(
        self, e: EvidenceSpec, at: tuple[Any, ...], event_ids: set[str], n_hyp: int
    ) -> EvidenceItem | None:
        """An item with `reports: EVENT`: no likelihoods of its own; its credibility, source and
        `via:` say how faithfully it reports the event."""
        problems = []
        if e.likelihoods is not None or e.ratios is not None:
            own = "likelihoods" if e.likelihoods is not None else "ratios"
            problems.append(
                (
                    own,
                    f"gives both `reports:` and `{own}:`; a report takes P(event | h) from its event: "
                    f"remove `{own}:`, or `reports:` if it is evidence of its own",
                )
            )
        if e.reports not in event_ids and e.reports not in self.spec.events:
            known = sorted(self.spec.events)
            listing = f"; events: {', '.join(known)}" if known else "; define it under `events:`"
            problems.append(
                (
                    "reports",
                    f"reports unknown event '{e.reports}'{did_you_mean(str(e.reports), known)}{listing}",
                )
            )
        if e.observed is not True:
            said = "false" if e.observed is False else e.observed
            problems.append(
                (
                    "observed",
                    f"is a report with `observed: {said}`; a report is an observation: "
                    "give the absent or pending item likelihoods of its own instead",
                )
            )
        for key, problem in problems:
            self.error((*at, key), f"evidence '{e.id}' {problem}")
        if problems:
            return None
        credibility, source_id = self._credibility(e, at)
        return EvidenceItem(
            e.id,
            e.label,
            source_id,
            credibility,
            (),
            True,
            e.date,
            e.notes,
            tuple(e.links),
            reports=e.reports,
            via=tuple(e.via),
        )

    def _groups(self, ids: list[str]) -> tuple[Group, ...]:
        out = []
        for group_id, spec in self.spec.groups.items():
            at = ("groups", group_id)
            if group_id in ids:
                self.error(at, f"group id '{group_id}' is a hypothesis id; give the group another id")
            unknown = [m for m in spec.members if m not in ids]
            for member in unknown:
                self.error(
                    (*at, "members"),
                    f"unknown hypothesis '{member}'{did_you_mean(member, ids)} in group '{group_id}'; "
                    f"hypotheses: {', '.join(ids)}",
                )
            if len(set(spec.members)) != len(spec.members):
                self.error((*at, "members"), f"group '{group_id}' lists a hypothesis twice; list each once")
            if not unknown:
                out.append(Group(group_id, spec.label, tuple(spec.members)))
                if set(spec.members) == set(ids):
                    self.warn(at, f"group '{group_id}' holds every hypothesis: its probability is always 1")
        return tuple(out)

    def _resolution(self, ids: list[str]) -> Resolution | None:
        spec = self.spec.resolution
        if spec is None:
            return None
        if spec.hypothesis not in ids:
            self.error(
                ("resolution", "hypothesis"),
                f"unknown hypothesis '{spec.hypothesis}'{did_you_mean(spec.hypothesis, ids)} in the "
                f"resolution; hypotheses: {', '.join(ids)}",
            )
        return Resolution(spec.hypothesis, spec.date, spec.notes)

    def _duplicates(self, section: str, ids: list[str], noun: str) -> None:
        first: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in first:
                line = self.lines.line((section, first[item_id], "id"))
                self.error(
                    (section, index, "id"),
                    f"duplicate {noun} id '{item_id}' (first used at line {line}); ids must be unique",
                )
            else:
                first[item_id] = index

    def _hypotheses(self) -> list[Hypothesis]:
        specs = self.spec.hypotheses
        self._duplicates("hypotheses", [h.id for h in specs], "hypothesis")
        stated = [h.prior is not None for h in specs]
        if any(stated) and not all(stated):
            for index, h in enumerate(specs):
                if h.prior is None:
                    self.error(
                        ("hypotheses", index),
                        f"hypothesis '{h.id}' has no prior while "
                        "others do; give every hypothesis a prior, or none (equal priors)",
                    )
        out = []
        for index, h in enumerate(specs):
            if h.id == DEFAULT_KEY:
                self.error(
                    ("hypotheses", index, "id"),
                    "'default' is reserved (it fills missing likelihoods); choose another hypothesis id",
                )
            factors: tuple[tuple[str, Judgment], ...]
            if h.prior is None:
                factors = ()
            elif _factored(h.prior):
                factors = tuple((k, v) for k, v in h.prior if v is not None)
                if not factors:
                    self.error(
                        ("hypotheses", index, "prior"),
                        f"a factored prior needs at least one factor ({', '.join(keys.FACTORS.keys)})",
                    )
            else:
                factors = ((SINGLE_PRIOR, h.prior),)
            for factor, judgment in factors:
                if isinstance(judgment, Point) and judgment.value == 0:
                    where = ("hypotheses", index, "prior") + (() if factor == SINGLE_PRIOR else (factor,))
                    what = "prior" if factor == SINGLE_PRIOR else f"prior factor {factor}"
                    self.warn(
                        where,
                        f"{what} of '{h.id}' is 0: this rules the hypothesis "
                        "out whatever the evidence (Cromwell's rule); use a small value "
                        "such as 0.01 if it is merely unlikely",
                    )
            out.append(Hypothesis(h.id, h.label, factors, h.notes))
        self._prior_warnings(out)
        return out

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
                self.warn(
                    ("hypotheses",),
                    f"the priors add up to {total:g}, not 1: they are read as relative weights and "
                    f"normalised to {shares}",
                )
            below = [h.id for h, v in zip(hypotheses, values, strict=True) if 0 < v < 1.0]
            if below and any(v > 1.0 for v in values) and total > 0:
                # A probability (or odds, or a percentage) among weights: read as a weight too,
                # it comes out far smaller than it was meant to be (0.2 beside 3 and 1: 4.8%).
                listed = [f"{h.id} {v / total:.3g}" for h, v in zip(hypotheses, values, strict=True)]
                shares = ", ".join(listed[:12]) + (
                    f", ... ({len(listed)} in all)" if len(listed) > 12 else ""
                )
                named = ", ".join(below[:12]) + (", ..." if len(below) > 12 else "")
                self.warn(
                    ("hypotheses",),
                    f"the priors mix weights above 1 with values below 1 ({named}): all are "
                    f"read as relative weights and normalised to {shares}; if a value below 1 is a "
                    "probability (or odds, or a percentage), write the other priors as probabilities too",
                )
        factored = [h for h in hypotheses if h.prior and h.prior[0][0] != SINGLE_PRIOR]
        if len(factored) < 2:
            return
        named = {h.id: {factor for factor, _ in h.prior} for h in factored}
        missing = []
        for factor in sorted(set().union(*named.values())):
            without = [h.id for h in factored if factor not in named[h.id]]
            if without:
                missing.append(f"{factor} for {', '.join(without)}")
        if missing:
            index = next(i for i, h in enumerate(self.spec.hypotheses) if h.id == factored[0].id)
            self.warn(
                ("hypotheses", index, "prior"),
                "factored priors state different factors, and a factor not stated counts as 1 "
                f"(not in question) there: {'; '.join(missing)}; a factor below 1 lowers only the "
                "priors that state it",
            )

    def _sources(self) -> list[Source]:
        return [
            Source(sid, s.label or sid, s.reliability or Point(1.0, "1 (default)"), s.notes, tuple(s.links))
            for sid, s in self.spec.sources.items()
        ]

    def _reliability(self, source_id: str | None) -> Judgment | None:
        """A source's reliability, the item-level ones of gradings included (None: no source)."""
        if source_id is None:
            return None
        graded = next((s for s in self.graded if s.id == source_id), None)
        if graded is not None:
            return graded.reliability
        spec = self.spec.sources.get(source_id)
        return None if spec is None else spec.reliability

    def _credibility(self, e: EvidenceSpec, at: tuple[Any, ...]) -> tuple[Judgment, str | None]:
        """The item's credibility and source. A grading (B2) gives both: the digit is the
        credibility; the letter must be the cited source's code, or, with no source cited, is
        the item's own reliability (a source of its own, `grading:<item>`)."""
        credibility: Judgment = Point(1.0, "1 (default)")
        if e.credibility is not None:
            credibility, said = e.credibility
            if said:
                self.warn((*at, "credibility"), said)
        if e.grading is None:
            return credibility, e.source
        letter, kappa = e.grading
        if e.credibility is not None:
            self.error(
                (*at, "grading"),
                f"evidence '{e.id}' gives both a grading and a credibility; the grading's digit is the "
                "credibility: keep one of them",
            )
        if e.source is None:
            own = Source(
                f"grading:{e.id}", f"{e.id}'s own source, graded {letter}", admiralty_judgment(letter)
            )
            self.graded.append(own)
            return kappa, own.id
        cited = self.spec.sources.get(e.source)
        if cited is not None and cited.reliability is None:
            self.error(
                (*at, "grading"),
                f"grading {letter} of '{e.id}' cites source '{e.source}', which has no reliability; "
                f"give the source `reliability: {letter}`",
            )
        elif cited is not None and cited.reliability != admiralty_judgment(letter):
            self.error(
                (*at, "grading"),
                f"grading {letter}{kappa.text[:1]} says source '{e.source}' is {letter} "
                f"({ADMIRALTY[letter][0]}), but its reliability is {cited.reliability.text or 'another'}; "
                "make them agree (the letter is the source's code)",
            )
        return kappa, e.source

    def _ratios_allowed(self, e: EvidenceSpec, at: tuple[Any, ...]) -> bool:
        """`ratios:` only where only ratios matter (docs/case-format.md, "More of the language"):
        credibility exactly 1, no source, grading or likelihoods, and observed (not absent or
        pending)."""
        fix = "give absolute likelihoods instead (`likelihoods:`): credibility needs them"
        problems = []
        if e.likelihoods is not None:
            problems.append("gives both `likelihoods:` and `ratios:`; keep one")
        if e.source is not None or e.grading is not None:
            problems.append(f"has ratios and a source or grading; {fix}")
        if e.via:
            problems.append(f"has ratios and `via:` (a chain of sources); {fix}")
        if e.credibility is not None and not _point_one(e.credibility[0]):
            problems.append(f"has ratios and a credibility below 1; {fix}")
        if e.observed is not True:
            said = "false" if e.observed is False else e.observed
            problems.append(f"has ratios and `observed: {said}`; {fix}")
        for problem in problems:
            self.error((*at, "ratios"), f"evidence '{e.id}' {problem}")
        return not problems

    def _evidence(self, ids: list[str], source_ids: set[str], event_ids: set[str]) -> list[EvidenceItem]:
        specs = self.spec.evidence
        self._duplicates("evidence", [e.id for e in specs], "evidence")
        out = []
        for index, e in enumerate(specs):
            at = ("evidence", index)
            # Checked first: an item with other problems must not hide an unknown source.
            known = sorted(source_ids)
            listing = f"; sources: {', '.join(known)}" if known else "; define it under `sources:`"
            if e.source is not None and e.source not in source_ids:
                hint = did_you_mean(e.source, known)
                self.error((*at, "source"), f"unknown source '{e.source}'{hint}{listing}")
            for step, via in enumerate(e.via):
                if via not in source_ids:
                    self.error(
                        (*at, "via", step),
                        f"unknown source '{via}'{did_you_mean(via, known)} in `via:`{listing}",
                    )
            chain = ([e.source] if e.source else []) + list(e.via)
            if len(set(chain)) != len(chain):
                self.error(
                    (*at, "via"),
                    f"evidence '{e.id}' names a source twice in its source and `via:`; a report passes "
                    "through each source once: list it once",
                )
            if e.id in self.spec.events:
                self.error(
                    (*at, "id"),
                    f"evidence id '{e.id}' is also an event id; give one of them another id (place names "
                    f"such as lik/{e.id}/... must say which is meant)",
                )
            if e.reports is not None:
                report = self._report(e, at, event_ids, len(ids))
                if report is not None:
                    out.append(report)
                continue
            if e.ratios is not None and not self._ratios_allowed(e, at):
                continue
            section, given = ("ratios", e.ratios) if e.ratios is not None else ("likelihoods", e.likelihoods)
            assert given is not None  # the loader refused an item with neither
            for key in given:
                if key != DEFAULT_KEY and key not in ids:
                    hint = did_you_mean(key, [*ids, DEFAULT_KEY])  # 'defualt' is the reserved key
                    self.error(
                        (*at, section, key),
                        f"unknown hypothesis '{key}'{hint} in "
                        f"the {section} of '{e.id}'; hypotheses: {', '.join(ids)}",
                    )
            missing = [h for h in ids if h not in given]
            default = given.get(DEFAULT_KEY)
            if missing and default is None:
                noun = "ratio" if section == "ratios" else "likelihood"
                self.error(
                    (*at, section),
                    f"evidence '{e.id}' gives no {noun} for "
                    f"{', '.join(repr(m) for m in missing)}; add them or a `default:`",
                )
                continue
            likelihoods = tuple(given.get(h, default) for h in ids)
            if e.ratios is not None:  # only the ratios matter (credibility 1): no checks of 0 or 1
                out.append(
                    EvidenceItem(
                        e.id,
                        e.label,
                        None,
                        Point(1.0, "1 (ratios)"),
                        likelihoods,
                        True,
                        e.date,
                        e.notes,
                        tuple(e.links),
                        ratios=True,
                    )
                )
                continue
            credibility, source_id = self._credibility(e, at)
            absent = e.observed is False
            # What the model conditions on: P(E | h), or 1 - P(E | h) for an item not found.
            conditioned = tuple(complement(j) for j in likelihoods) if absent else likelihoods
            if all(isinstance(j, Point) and j.value == 0 for j in conditioned):
                self.error(
                    (*at, "likelihoods"),
                    f"evidence '{e.id}' is impossible under every hypothesis "
                    + (
                        "(all likelihoods 1, yet it was not found); some hypothesis must allow its absence"
                        if absent
                        else "(all likelihoods 0); if it was observed, some hypothesis must allow it"
                    ),
                )
                continue
            for h, j in zip(ids, conditioned, strict=True):
                key = h if h in e.likelihoods else DEFAULT_KEY
                if absent and isinstance(j, Point) and j.value in (0, 1):
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for '{e.id}' is {1 - j.value:g}, and the item was not found: "
                        + (
                            "its absence rules the hypothesis out (Cromwell's rule)"
                            if j.value == 0
                            else "its absence is certain under the hypothesis"
                        ),
                    )
                elif isinstance(j, Point) and j.value == 0:
                    doubted = not _point_one(credibility) or not all(
                        _point_one(self._reliability(s)) for s in (source_id, *e.via)
                    )
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for '{e.id}' is 0, but the report may be unfounded "
                        "(credibility or source reliability below 1), so it weakens the hypothesis "
                        "without ruling it out"
                        if doubted
                        else f"likelihood of '{h}' for '{e.id}' is 0: "
                        "this evidence rules the hypothesis out for good (Cromwell's rule)",
                    )
                elif isinstance(j, Point) and j.value == 1:
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for '{e.id}' is exactly 1 (certain); if there is any "
                        "doubt, write 0.99 or a word such as 'almost certain' (Cromwell's rule)",
                    )
            out.append(
                EvidenceItem(
                    e.id,
                    e.label,
                    source_id,
                    credibility,
                    conditioned,
                    e.observed,
                    e.date,
                    e.notes,
                    tuple(e.links),
                    via=tuple(e.via),
                )
            )
        return out

    def _something_survives(
        self, hypotheses: list[Hypothesis], evidence: list[EvidenceItem], events: list[Event]
    ) -> None:
        if self.errors:
            return

        def certain(e: EvidenceItem) -> bool:
            """A report that cannot be unfounded: credibility and every reliability on its chain 1."""
            return _point_one(e.credibility) and all(_point_one(self._reliability(s)) for s in e.chain)

        def ruled_out(index: int) -> bool:
            prior_zero = any(isinstance(j, Point) and j.value == 0 for _, j in hypotheses[index].prior)
            evidence_zero = any(
                e.reports is None
                and isinstance(e.likelihoods[index], Point)
                and e.likelihoods[index].value == 0
                and certain(e)
                for e in evidence
            )
            # P(R | h) = theta_h prod(...) + (1 - theta_h) prod((1 - c_i) b): 0 when theta_h is 0
            # and one report is certain (its c_i = 1).
            event_zero = any(
                isinstance(g.likelihoods[index], Point)
                and g.likelihoods[index].value == 0
                and any(certain(e) for e in evidence if e.reports == g.id)
                for g in events
            )
            return prior_zero or evidence_zero or event_zero

        if all(ruled_out(i) for i in range(len(hypotheses))):
            self.error(
                ("hypotheses",),
                "every hypothesis is ruled out by a zero prior or a zero "
                "likelihood; at least one must remain possible",
            )


def _point_one(judgment: Judgment | None) -> bool:
    return judgment is None or (isinstance(judgment, Point) and judgment.value == 1)
