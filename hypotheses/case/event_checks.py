"""The rules of events and of possible common origins (docs/case-format.md, "Reports of one
event, and chains" and "How evidence fails"): an event's or an origin's likelihoods, the items an
origin joins, and events nobody reports. checks.py runs them among the case's own rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypotheses.case import keys
from hypotheses.case.item_checks import one_per_hypothesis
from hypotheses.case.messages import Findings
from hypotheses.case.types import DEFAULT_KEY
from priors import Judgment, Point
from priors.suggest import did_you_mean

if TYPE_CHECKING:  # format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec, EvidenceSpec


class EventChecker:
    """Checks the events and origins of a case against its hypotheses and items."""

    def __init__(self, spec: CaseSpec, found: Findings, ids: list[str]) -> None:
        self.spec, self.found, self.ids = spec, found, ids

    def events(self) -> None:
        """Events (docs/case-format.md, "Reports of one event, and chains"): P(event | h) for
        every hypothesis, like an item's."""
        for event_id, spec in self.spec.events.items():
            self._event_likelihoods(("events", event_id), spec.likelihoods, f"event '{event_id}'")

    def _event_likelihoods(self, at: tuple[str, ...], given: dict[str, Judgment], named: str) -> None:
        """The likelihoods of an event or of an origin (whose items may all report one event):
        every hypothesis's, something allowed, and Cromwell's rule."""
        ids = self.ids
        likelihoods = one_per_hypothesis(
            self.found, given, ids, (*at, "likelihoods"), named, named, "likelihood"
        )
        if likelihoods is None:
            return
        if all(isinstance(j, Point) and j.value == 0 for j in likelihoods):
            self.found.error(
                (*at, "likelihoods"),
                f"{named} is impossible under every hypothesis (all likelihoods 0); if it "
                "may have happened, some hypothesis must allow it",
            )
            return
        for h, j in zip(ids, likelihoods, strict=True):
            key = h if h in given else DEFAULT_KEY
            if isinstance(j, Point) and j.value == 0:
                self.found.warn(
                    (*at, "likelihoods", key),
                    f"likelihood of '{h}' for {named} is 0: a fully credible report of it "
                    "rules the hypothesis out for good, a doubtful one weakens it (Cromwell's rule)",
                )
            elif isinstance(j, Point) and j.value == 1:
                self.found.warn(
                    (*at, "likelihoods", key),
                    f"likelihood of '{h}' for {named} is exactly 1 (certain); if there is "
                    "any doubt, write 0.99 or a word such as 'almost certain' (Cromwell's rule)",
                )

    def origins(self) -> None:
        """Possible common origins (docs/case-format.md, "Possible common origins"): 2 or more
        distinct observed items with likelihoods of their own, each in one origin at most."""
        items: dict[str, EvidenceSpec] = {}
        for e in self.spec.evidence:
            items.setdefault(e.id, e)  # a duplicate id's first item, as its error says
        member_of: dict[str, str] = {}
        for origin_id, spec in self.spec.origins.items():
            at = ("origins", origin_id)
            if origin_id in items or origin_id in self.spec.events:
                noun = "an evidence" if origin_id in items else "an event"
                self.found.error(
                    at, f"origin id '{origin_id}' is also {noun} id; give one of them another id"
                )
            if len(spec.items) < 2:
                lists = "lists 1 item" if spec.items else "lists no item"
                self.found.error(
                    (*at, "items"),
                    f"origin '{origin_id}' {lists}; an origin joins 2 or more items that may all repeat "
                    "it: add the others, or remove the origin",
                )
            listed: set[str] = set()
            for index, item_id in enumerate(spec.items):
                where = (*at, "items", index)
                e = items.get(item_id)
                if e is None:
                    known = list(items)
                    listing = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
                    self.found.unknown(
                        "evidence",
                        item_id,
                        where,
                        f"unknown evidence item '{item_id}'{did_you_mean(item_id, known)} in origin "
                        f"'{origin_id}'; "
                        + (f"evidence: {listing}" if known else "the case has no evidence"),
                    )
                    continue
                if item_id in listed:
                    self.found.error(
                        where, f"origin '{origin_id}' lists '{item_id}' twice; list each item once"
                    )
                    continue
                listed.add(item_id)
                if item_id in member_of:
                    self.found.error(
                        where,
                        f"evidence '{item_id}' is in origin '{member_of[item_id]}' and in origin "
                        f"'{origin_id}'; an item may repeat one origin at most: keep it in one of them",
                    )
                else:
                    member_of[item_id] = origin_id
                problem = self._not_in_origin(e, origin_id)
                if problem:
                    self.found.error(where, f"evidence '{item_id}' {problem}")
            if spec.likelihoods is not None:
                self._event_likelihoods(at, spec.likelihoods, f"origin '{origin_id}'")

    @staticmethod
    def _not_in_origin(e: EvidenceSpec, origin_id: str) -> str | None:
        """Why an item cannot be in an origin, and the fix: its items are observed, with
        likelihoods of their own (with probability `shared` they become reports of one event)."""
        remove = f"remove it from origin '{origin_id}'"
        if e.reports is not None:
            return (
                f"reports event '{e.reports}', and an origin joins items with likelihoods of their own "
                f"(the reports of one event already share it): {remove}"
            )
        if e.ratios is not None:
            return (
                "gives `ratios:`, and an origin needs probabilities: give the item `likelihoods:` "
                f"instead, or {remove}"
            )
        if e.observed is not True:
            said = (
                "false` (looked for and not found" if e.observed is False else f"{e.observed}` (not yet known"
            )
            return f"is `observed: {said}), and an origin joins observed reports: {remove}"
        return None

    def unreported(self) -> None:
        """An event no observed item reports is left out of the case: say so."""
        reported = {e.reports for e in self.spec.evidence if e.observed != keys.PENDING}
        for event_id in self.spec.events:
            if event_id not in reported:
                self.found.warn(
                    ("events", event_id),
                    f"no item reports event '{event_id}', so it changes nothing; add items with "
                    f"`reports: {event_id}`, or remove it",
                )
