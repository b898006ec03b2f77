"""The spelling of every place name (docs/model.md section 4), in the case package so that the
case's own rules (an assumption's `if_wrong:` places, assumption_checks.py) and the engines
(hypotheses/model/places.py, which lists a case's places) name them alike."""

from __future__ import annotations

from hypotheses.case.types import SINGLE_PRIOR


def prior_place(hypothesis: str, factor: str) -> str:
    """`prior/<h>` for a single prior judgment, `prior/<h>/<factor>` for a factor."""
    return f"prior/{hypothesis}" + ("" if factor == SINGLE_PRIOR else f"/{factor}")


def likelihood_place(item: str, hypothesis: str) -> str:
    return f"lik/{item}/{hypothesis}"


def likelihoods_place(item: str) -> str:
    """`lik/<item>`: all of an item's likelihoods as one judgment (its point `ratios:`, in diff)."""
    return f"lik/{item}"


def credibility_place(item: str) -> str:
    return f"credibility/{item}"


def reliability_place(source: str) -> str:
    return f"reliability/{source}"


def hit_place(item: str) -> str:
    return f"hit/{item}"


def false_alarm_place(item: str) -> str:
    return f"false_alarm/{item}"


def shared_place(origin: str) -> str:
    """P(the items of a possible common origin all repeat it): `shared/<origin>`."""
    return f"shared/{origin}"


MODEL_ERROR_PLACE = "model_error"
