"""The rules of evidence items that the format cannot express: the sources and `via:` chains
they cite, the events they report, a likelihood (or ratio) for every hypothesis, gradings that
agree with their source, `ratios:` only where ratios suffice, and Cromwell's rule on their
likelihoods. checks.py runs them among the case's own rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypotheses.case.building import (
    conditioned,
    credibility,
    in_order,
    own_source,
    point_one,
    point_zero,
    rates,
)
from hypotheses.case.messages import Findings
from hypotheses.case.types import DEFAULT_KEY
from priors import ADMIRALTY, Judgment, Point, admiralty_judgment, get_scale
from priors.suggest import did_you_mean

if TYPE_CHECKING:  # format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec, EvidenceSpec


# The most sources on one item's chain (its source and `via:`). A real report passes through a
# handful; a chain of thousands made the sampled pool hold SOURCE_DRAWS draws of each (10,000
# sources: about 5 GB) for no case an analyst writes.
MAX_CHAIN = 64


def too_long(item_id: str, links: int) -> str:
    """The message for a chain beyond MAX_CHAIN, with the fix."""
    return (
        f"evidence '{item_id}' passes through {links:,} sources; hypscore takes at most {MAX_CHAIN} on "
        "one item's chain (each uncertain one is sampled with the item's others): keep the sources "
        "that relay it, and fold the rest into their reliability"
    )


def one_per_hypothesis(
    found: Findings, given: dict[str, Any], ids: list[str], at: tuple[Any, ...], of: str, who: str, noun: str
) -> tuple[Any, ...] | None:
    """An item's or an event's likelihoods (or ratios) `given` at `at`, in hypothesis order, or
    None where a hypothesis has none; with the errors: each key that names no hypothesis, and
    the hypotheses left without one. Where both hold, the unknown name may be a missing one
    misspelt: its message says both, not a second error that follows from it. `of` and `who`
    name the owner in messages ("'e1'" and "evidence 'e1'"; "event 'ev'" twice)."""
    section = at[-1]
    likelihoods = in_order(given, ids)
    missing = ", ".join(repr(h) for h in dict.fromkeys(ids) if h not in given)
    strays = [key for key in given if key != DEFAULT_KEY and key not in ids]
    for key in strays:
        hint = did_you_mean(key, [*ids, DEFAULT_KEY])  # 'defualt' is the reserved key
        said = f"unknown hypothesis '{key}'{hint} in the {section} of {of}; hypotheses: {', '.join(ids)}"
        if likelihoods is None:
            which = "it" if "," not in missing else "one of them"
            said += (
                f"; and no {noun} is given for {missing}: if '{key}' is meant to be {which}, correct the "
                "name, else add the missing ones or a `default:`"
            )
        found.unknown("hypotheses", key, (*at, key), said)
    if likelihoods is None and not strays:
        found.error(at, f"{who} gives no {noun} for {missing}; add them or a `default:`")
    return likelihoods


class ItemChecker:
    """Checks every evidence item against the case's hypotheses, sources and events."""

    def __init__(self, spec: CaseSpec, found: Findings, ids: list[str]) -> None:
        self.spec, self.found, self.ids = spec, found, ids
        self.known = sorted(spec.sources)  # the source ids, for the messages
        self.listing = f"; sources: {', '.join(self.known)}" if self.known else "; define it under `sources:`"

    def check(self) -> None:
        specs = self.spec.evidence
        self.found.unique_ids("evidence", [e.id for e in specs], "evidence")
        for index, e in enumerate(specs):
            at = ("evidence", index)
            self._references(e, at)  # first: an item with other problems must not hide these
            self._rates(e, at)
            if e.reports is not None:
                self._report(e, at)
            elif e.ratios is None or self._ratios_allowed(e, at):
                self._likelihoods(e, at)

    def _references(self, e: EvidenceSpec, at: tuple[Any, ...]) -> None:
        """The sources it cites exist, each once in its chain; its id is no event's."""
        error, sources, known, listing = self.found.error, self.spec.sources, self.known, self.listing
        unknown = self.found.unknown
        if e.source is not None and e.source not in sources:
            hint = did_you_mean(e.source, known)
            unknown("sources", e.source, (*at, "source"), f"unknown source '{e.source}'{hint}{listing}")
        for step, via in enumerate(e.via):
            if via not in sources:
                unknown(
                    "sources",
                    via,
                    (*at, "via", step),
                    f"unknown source '{via}'{did_you_mean(via, known)} in `via:`{listing}",
                )
        chain = ([e.source] if e.source else []) + list(e.via)
        if len(chain) > MAX_CHAIN:
            error((*at, "via"), too_long(e.id, len(chain)))
        if len(set(chain)) != len(chain):
            error(
                (*at, "via"),
                f"evidence '{e.id}' names a source twice in its source and `via:`; a report passes "
                "through each source once: list it once",
            )
        if e.id in self.spec.events:
            error(
                (*at, "id"),
                f"evidence id '{e.id}' is also an event id; give one of them another id (place names "
                f"such as lik/{e.id}/... must say which is meant)",
            )

    def _rates(self, e: EvidenceSpec, at: tuple[Any, ...]) -> None:
        """`hit:` and `false_alarm:` (docs/case-format.md, "Hit and false-alarm rates"): both or
        neither; they say all there is about how the item is reported, so no credibility,
        grading or chain beside them; and they need probabilities, which ratios are not."""
        if e.hit is None and e.false_alarm is None:
            return
        if e.hit is None or e.false_alarm is None:
            given, other = ("hit", "false_alarm") if e.hit is not None else ("false_alarm", "hit")
            self.found.error(
                (*at, given),
                f"evidence '{e.id}' gives `{given}:` without `{other}:`; give both (P(reported | what it "
                "reports is true) and P(reported | it is not)), or neither",
            )
        for key, said in (
            ("credibility", "`credibility:`"),
            ("grading", "`grading:`"),
            ("via", "`via:` (a chain of sources)"),
        ):
            if getattr(e, key):
                self.found.error(
                    (*at, key),
                    f"evidence '{e.id}' gives `hit:`/`false_alarm:` and {said}; the rates say all there "
                    f"is about how the item is reported: keep the rates and remove `{key}:`, or keep "
                    f"`{key}:` and remove the rates",
                )
        if e.ratios is not None:
            self.found.error(
                (*at, "ratios"),
                f"evidence '{e.id}' gives `hit:`/`false_alarm:` and `ratios:`; the rates need the "
                "probabilities P(E | h), which ratios are not: give `likelihoods:` instead of `ratios:`",
            )

    def _report(self, e: EvidenceSpec, at: tuple[Any, ...]) -> None:
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
        unknown = e.reports not in self.spec.events
        if unknown:
            known = sorted(self.spec.events)
            listing = f"; events: {', '.join(known)}" if known else "; define it under `events:`"
            self.found.unknown(
                "events",
                str(e.reports),
                (*at, "reports"),
                f"evidence '{e.id}' reports unknown event '{e.reports}'"
                f"{did_you_mean(str(e.reports), known)}{listing}",
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
            self.found.error((*at, key), f"evidence '{e.id}' {problem}")
        if not problems and not unknown:
            self._credibility(e, at)

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
        if e.credibility is not None and not point_one(e.credibility[0]):
            problems.append(f"has ratios and a credibility below 1; {fix}")
        if e.observed is not True:
            said = "false" if e.observed is False else e.observed
            problems.append(f"has ratios and `observed: {said}`; {fix}")
        for problem in problems:
            self.found.error((*at, "ratios"), f"evidence '{e.id}' {problem}")
        return not problems

    def _credibility(self, e: EvidenceSpec, at: tuple[Any, ...]) -> tuple[Judgment, str | None]:
        """The item's credibility and source (building.credibility), once its grading is found
        to agree: the letter must be the cited source's code, and no credibility beside it."""
        if e.credibility is not None and e.credibility[1]:
            self.found.warn((*at, "credibility"), e.credibility[1])
        if e.grading is not None:
            letter, kappa = e.grading
            if e.credibility is not None:
                self.found.error(
                    (*at, "grading"),
                    f"evidence '{e.id}' gives both a grading and a credibility; the grading's digit is "
                    "the credibility: keep one of them",
                )
            cited = None if e.source is None else self.spec.sources.get(e.source)
            if cited is not None and cited.reliability is None:
                self.found.error(
                    (*at, "grading"),
                    f"grading {letter} of '{e.id}' cites source '{e.source}', which has no reliability; "
                    f"give the source `reliability: {letter}`",
                )
            elif cited is not None and cited.reliability != admiralty_judgment(
                letter, get_scale(self.spec.scale)
            ):
                self.found.error(
                    (*at, "grading"),
                    f"grading {letter}{kappa.text[:1]} says source '{e.source}' is {letter} "
                    f"({ADMIRALTY[letter][0]}), but its reliability is "
                    f"{cited.reliability.text or 'another'}; "
                    "make them agree (the letter is the source's code)",
                )
        return credibility(e)

    def _likelihoods(self, e: EvidenceSpec, at: tuple[Any, ...]) -> None:
        """One likelihood (or ratio) per hypothesis; something the item allows; Cromwell's rule."""
        ids = self.ids
        section, given = ("ratios", e.ratios) if e.ratios is not None else ("likelihoods", e.likelihoods)
        assert given is not None  # the loader refused an item with neither
        noun = "ratio" if section == "ratios" else "likelihood"
        likelihoods = one_per_hypothesis(
            self.found, given, ids, (*at, section), f"'{e.id}'", f"evidence '{e.id}'", noun
        )
        if likelihoods is None:
            return
        if e.ratios is not None:  # only the ratios matter (credibility 1): no checks of 0 or 1
            return
        judged, source_id = self._credibility(e, at)
        absent = e.observed is False
        probabilities = conditioned(e, likelihoods)
        if all(isinstance(j, Point) and j.value == 0 for j in probabilities):
            self.found.error(
                (*at, "likelihoods"),
                f"evidence '{e.id}' is impossible under every hypothesis "
                + (
                    "(all likelihoods 1, yet it was not found); some hypothesis must allow its absence"
                    if absent
                    else "(all likelihoods 0); if it was observed, some hypothesis must allow it"
                ),
            )
            return
        for h, j in zip(ids, probabilities, strict=True):
            key = (*at, "likelihoods", h if h in given else DEFAULT_KEY)
            if absent and isinstance(j, Point) and j.value in (0, 1):
                self.found.warn(
                    key,
                    f"likelihood of '{h}' for '{e.id}' is {1 - j.value:g}, and the item was not found: "
                    + (
                        "its absence rules the hypothesis out (Cromwell's rule)"
                        if j.value == 0
                        else "its absence is certain under the hypothesis"
                    ),
                )
            elif isinstance(j, Point) and j.value == 0:
                # P(E* | h) is then its false-alarm rate: given, or (1 - c) b from its credibility.
                doubted = (
                    not point_zero(rates(e)[1])
                    if e.hit is not None
                    else not point_one(judged)
                    or not all(point_one(self._reliability(e, s)) for s in (source_id, *e.via))
                )
                self.found.warn(
                    key,
                    f"likelihood of '{h}' for '{e.id}' is 0, but the report may be unfounded "
                    "(credibility or source reliability below 1), so it weakens the hypothesis "
                    "without ruling it out"
                    if doubted
                    else f"likelihood of '{h}' for '{e.id}' is 0: "
                    "this evidence rules the hypothesis out for good (Cromwell's rule)",
                )
            elif isinstance(j, Point) and j.value == 1:
                self.found.warn(
                    key,
                    f"likelihood of '{h}' for '{e.id}' is exactly 1 (certain); if there is any "
                    "doubt, write 0.99 or a word such as 'almost certain' (Cromwell's rule)",
                )

    def _reliability(self, e: EvidenceSpec, source_id: str | None) -> Judgment | None:
        """The reliability of a source on the item's chain: its own graded one, or a cited one."""
        own = own_source(e)
        if own is not None and own.id == source_id:
            return own.reliability
        cited = None if source_id is None else self.spec.sources.get(source_id)
        return None if cited is None else cited.reliability
