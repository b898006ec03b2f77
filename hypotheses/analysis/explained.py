"""The parts of an explanation (`hypscore explain`, `explain --for`, the key assumptions): plain
frozen data in a Scorecard's `explanation` and `assumptions`, imported when a card is explained
(`hypotheses.analysis.scorecard` re-exports every name)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from hypotheses.analysis.scorecard import _weight

if TYPE_CHECKING:
    from hypotheses.analysis.scorecard import Estimate


@dataclass(frozen=True)
class AssumptionScore:
    """A key assumption and P(h | E) were it wrong (its `if_wrong:` judgments in the case)."""

    id: str
    label: str
    if_wrong: dict[str, float]  # P(h | E) per hypothesis, the case so edited
    notes: str | None = None


@dataclass(frozen=True)
class Swing:
    """One uncertain judgment moved from its 5% to its 95% quantile, all others at their means."""

    name: str  # as in the PyMC model: prior/<h>/<factor>, lik/<item>/<h>, credibility/<item>, ...
    text: str  # as the analyst wrote it
    low: float  # the judgment's 5% quantile
    high: float  # its 95% quantile
    leading_at_low: float  # P(leading | E) with the judgment at `low`
    leading_at_high: float
    swing: float  # |leading_at_high - leading_at_low|
    margin: float  # the smallest lead over the best rival at either end (< 0: the answer flips)
    rival: str  # that best rival
    ratio: bool = False  # a likelihood ratio (a number, not a probability)


@dataclass(frozen=True)
class LeaveOneOut:
    evidence: str
    posterior: dict[str, float]  # P(h | E without this item)
    leading_change: float  # P(leading) with the item minus without it
    event: bool = False  # an event left out with all its reports (`evidence` is the event's id)


@dataclass(frozen=True)
class FlipThreshold:
    """The likelihood ratio one new, independent item must have to make the runner-up lead."""

    runner_up: str
    likelihood_ratio: float
    decibans: float
    strength: str  # Kass & Raftery's words for that ratio
    example: str  # the ratio in the case scale's words
    # The most one new item can carry under the case's model_error (explain.item_cap); None
    # without model error. When `likelihood_ratio` exceeds it, `items_needed` items at the cap
    # (each independent) are the least that could bring the two level; else None.
    item_cap: float | None = None
    items_needed: int | None = None


@dataclass(frozen=True)
class Question:
    """What `explain --for ID` asks about (docs/model.md section 5): a hypothesis, or a group (its
    members together), against its rival: the strongest other hypothesis, or the group's
    complement `not <group>` (every other hypothesis together)."""

    id: str
    kind: str  # "hypothesis" or "group"
    members: tuple[str, ...]
    rival: str
    rival_members: tuple[str, ...]
    probability: Estimate  # P(question | E): mean and 90% interval (a group's: of the members' sum)
    rival_probability: float
    leader: str  # the case's leading hypothesis, for reference
    # Per item, event and origin id: the question's weight (dB) against every other hypothesis
    # (a group's: against its complement), and the rival's; None where undefined.
    weight_db: dict[str, float | None]
    rival_weight_db: dict[str, float | None]
    without: dict[str, float]  # per item, event and origin id: P(question | E without it)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["weight_db"] = {k: _weight(v) for k, v in self.weight_db.items()}
        out["rival_weight_db"] = {k: _weight(v) for k, v in self.rival_weight_db.items()}
        return out


@dataclass(frozen=True)
class Explanation:
    leading: str
    runner_up: str
    baseline: float  # P(leading) with every judgment at its mean (the tornado's centre)
    tornado: tuple[Swing, ...]  # sorted by swing, largest first
    leave_one_out: tuple[LeaveOneOut, ...]
    flip: FlipThreshold
    closest: Swing | None  # the judgment whose range comes closest to flipping the answer
    # The hypotheses whose posterior equals the leader's (the leader first): 1 when it leads,
    # more when no hypothesis does (the leader is then only the first in file order).
    tied: tuple[str, ...] = ()
    # A plain line per event: its reports' weight together and counted as independent.
    events: tuple[str, ...] = ()
    # A plain line per item whose conflict_bits reach the threshold (decision.py), worst first.
    conflicts: tuple[str, ...] = ()
    # A plain sentence when the leader's strongest item is held back by the scale's extreme
    # words (docs/model.md, How extremes are shown), naming the forms that can say more.
    capped: str | None = None
    # `explain --for`: the question the fields above are about (`leading` is then the question,
    # `runner_up` its rival, every `leading_*` number its probability); None: the leader.
    question: Question | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.question is None:
            out = asdict(self)
            del out["question"]
            return out
        out = asdict(replace(self, question=None))
        del out["question"]
        return {"for": self.question.id, **out, "question": self.question.to_dict()}
