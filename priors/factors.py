"""Prior factors: the parts of a hypothesis's prior weight that analysts judge separately.

A factored prior's weight is the product of its factors (docs/model.md section 2), so each factor is
"how plausible is this part, on its own": a missing factor counts as 1 (not in question).
"""

from __future__ import annotations

PRIOR_FACTORS: dict[str, str] = {
    "base_rate": "how often explanations of this kind are the true one in comparable cases",
    "motive": "how likely the actor had a reason to act this way",
    "opportunity": "how likely the actor was in a position to act this way",
    "means": "how likely the actor had the capability to act this way",
    "past_practice": "how consistent this is with what the actor has done before",
}

# Other names analysts give the same parts of a prior (a "means, motive, opportunity" reading of
# the hypotheses, and the base rate of their reference class). The list of factors is fixed
# (docs/case-format.md, "Prior factors"), so an unknown factor named by one of these gets the
# factor that judges the same thing as a suggestion, never a silent rename: only where the word
# means that factor, as 'capability' is the means, not where it could be another one ('access'
# to the weapon is means, to the target opportunity; a 'chance' may be a base rate).
FACTOR_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ("capability", "capabilities", "capable", "capacity", "ability", "resources", "wherewithal",
         "skill", "skills", "expertise", "tools", "equipment", "weapons"),
        "means",
    ),
    **dict.fromkeys(
        ("motivation", "motivations", "motives", "intent", "intention", "intentions", "incentive",
         "incentives", "reason", "reasons", "interest", "interests", "willingness", "will"),
        "motive",
    ),
    **dict.fromkeys(
        ("opportunities", "occasion", "position", "presence", "proximity", "window", "timing"),
        "opportunity",
    ),
    **dict.fromkeys(
        ("precedent", "precedents", "history", "track_record", "record", "past_behaviour",
         "past_behavior", "past_conduct", "past_actions", "pattern", "habit", "modus_operandi",
         "practice", "past_practices"),
        "past_practice",
    ),
    **dict.fromkeys(
        ("base", "baseline", "base_rates", "prevalence", "frequency", "rate", "reference_class",
         "prior"),
        "base_rate",
    ),
}  # fmt: skip


def factor_for(name: str) -> str | None:
    """The prior factor that judges what `name` names ('capability' -> 'means'), or None."""
    return FACTOR_SYNONYMS.get("_".join(name.casefold().replace("-", " ").split()))
