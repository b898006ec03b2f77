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
