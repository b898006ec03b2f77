"""The words and numbers every rendering of a Scorecard shares (terminal, Markdown, HTML), so
that a reader sees the same sentence whichever format they were handed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from hypotheses.text import decibans, interval, percent, visible

if TYPE_CHECKING:
    from hypotheses.analysis.scorecard import EventScore, EvidenceScore, Scorecard


def in_words(card: Scorecard, p: float) -> str:
    """The scale's term with its range, e.g. 'very likely (80-95%)': what readers of any format
    see; beyond the scale's ends, the end it passes instead of a range it lies outside:
    'almost certain (above the scale's 99%)'. The page's `termFor` says the same."""
    from priors import get_scale

    scale = get_scale(card.scale)
    beyond = scale.beyond(p)
    return f"{scale.term_for(p)} ({beyond})" if beyond else scale.describe(p)


def verbal(card: Scorecard, p: float) -> str:
    """The scale's term alone, as narrow columns show it ('very likely'), qualified as
    `in_words` does where `p` lies beyond the scale's ends: a bare 'almost certain' beside
    99.97% would read as the word's own 95-99%."""
    from priors import get_scale

    scale = get_scale(card.scale)
    beyond = scale.beyond(p)
    return f"{scale.term_for(p)} ({beyond})" if beyond else scale.term_for(p)


def draws_phrase(draws: int, interval_mcse: float) -> str:
    """'2,000 draws (interval ends +-0.27 points)': how many, and how precise the interval ends
    they give are (their Monte Carlo standard error), so a reader knows what the last digit means."""
    if math.isnan(interval_mcse):
        return f"{draws:,} draws"
    if interval_mcse <= 0:
        return f"{draws:,} draws (exact intervals)"
    return f"{draws:,} draws (interval ends ±{100 * interval_mcse:.2g} points)"


def precision_phrase(interval_mcse: float) -> str:
    """The footer's line for analysts: 'intervals precise to about ±0.4 points' (the interval
    ends' Monte Carlo standard error, rounded up to one decimal; `--verbose` gives the engine's
    details)."""
    if math.isnan(interval_mcse):
        return "90% intervals"
    if interval_mcse <= 0:
        return "exact 90% intervals"
    points = 100 * interval_mcse
    # One significant figure, rounded up (never claims more precision than measured): ±0.4
    # points for the seed case, ±0.005 for a case whose interval ends barely move.
    digits = max(1, -math.floor(math.log10(points))) if points < 1 else 1
    shown = math.ceil(points * 10**digits) / 10**digits
    return f"90% intervals precise to about ±{shown:g} points"


def db(value: float | None) -> str:
    """A weight of evidence in a table cell; 'n/a' where it is undefined."""
    return "n/a" if value is None else decibans(value)


def block_weight(block: tuple[EventScore | None, tuple[EvidenceScore, ...]], h: str) -> float:
    """An event's weight with all its reports, or the lone item's: what evidence tables sort by."""
    event, items = block
    weight = event.weight_db[h] if event is not None else items[0].weight_db[h]
    return 0.0 if weight is None or math.isnan(weight) else weight


def explanation_columns(
    card: Scorecard,
) -> tuple[
    Callable[[EvidenceScore | EventScore], float | None],
    Callable[[EvidenceScore | EventScore], float | None],
    Callable[[str], float],
    Callable[[tuple[EventScore | None, tuple[EvidenceScore, ...]]], float],
]:
    """What explain's evidence table shows (terminal, Markdown): per row (an item, event or
    origin) the first column's weight and the second's, P(first) without the row's id, and the
    blocks' sort key (largest first weight first). The first and second are the leader and the
    runner-up, or with `explain --for` the question and its rival."""
    e = card.explanation
    assert e is not None
    q = e.question
    if q is None:
        without = {loo.evidence: loo for loo in e.leave_one_out}
        lead, rival = e.leading, e.runner_up
        return (
            lambda row: row.weight_db[lead],
            lambda row: row.weight_db[rival],
            lambda i: without[i].posterior[lead],
            lambda block: -abs(block_weight(block, lead)),
        )

    def key(block: tuple[EventScore | None, tuple[EvidenceScore, ...]]) -> float:
        event, items = block
        weight = q.weight_db[(event or items[0]).id]
        return -abs(0.0 if weight is None or math.isnan(weight) else weight)

    return (
        lambda row: q.weight_db[row.id],
        lambda row: q.rival_weight_db[row.id],
        q.without.__getitem__,
        key,
    )


# explain's evidence table weighs every hypothesis up to this many (a column each); beyond, the
# leader and the runner-up, and it names the rest and how to see them (`--for`, the JSON).
WEIGHT_COLUMNS = 4
# The headline names this many hypotheses after the runner-up, then counts the rest.
OTHERS_NAMED = 3


def others(card: Scorecard) -> list[str]:
    """The hypotheses other than the leader and the runner-up, most probable first (explain
    without --for)."""
    e = card.explanation
    assert e is not None
    rest = [h for h in card.hypotheses if h.id not in (e.leading, e.runner_up)]
    return [h.id for h in sorted(rest, key=lambda h: -h.posterior.mean)]


def extra_weight_columns(card: Scorecard) -> list[str]:
    """The hypotheses explain's evidence table weighs beside the leader and the runner-up: all
    of them up to WEIGHT_COLUMNS hypotheses, none beyond (and none with --for, whose columns
    are the question and its rival)."""
    e = card.explanation
    assert e is not None
    if e.question is not None or len(card.hypotheses) > WEIGHT_COLUMNS:
        return []
    return others(card)


def others_said(card: Scorecard, name: Callable[[str], str] = visible) -> str:
    """'; then c 2.2%, d <0.1%' (or '; then c 2.2%, d 1.0%, e 0.5% and 4 more below 0.5%'): the
    standing of every hypothesis the headline's leader and runner-up leave out; '' for two."""
    rest = others(card)
    if not rest:
        return ""
    by_id = {h.id: h for h in card.hypotheses}
    named = [f"{name(h)} {percent(by_id[h].posterior.mean)}" for h in rest[:OTHERS_NAMED]]
    said = "; then " + ", ".join(named)
    if len(rest) > OTHERS_NAMED:
        below = percent(by_id[rest[OTHERS_NAMED - 1]].posterior.mean)
        said += f" and {len(rest) - OTHERS_NAMED} more at or below {below}"
    return said


def beyond_two(card: Scorecard, name: Callable[[str], str] = visible) -> str:
    """With three or more hypotheses, what explain's parts are about and how to see the rest:
    the weights of the hypotheses the table leaves out, and that the sensitivity and the flip
    are the leader's against the runner-up ('--for ID' for any other). '' otherwise."""
    e = card.explanation
    assert e is not None
    rest = others(card)
    if e.question is not None or not rest:
        return ""
    lead, rival = name(e.leading), name(e.runner_up)
    shown = extra_weight_columns(card)
    weights = (
        "The evidence table weighs every hypothesis"
        if shown == rest
        else f"The evidence table weighs {lead} and {rival} only (every hypothesis's weights: --format json)"
    )
    return (
        f"{weights}; the judgments and what would change the conclusion are {lead} against {rival}. "
        f"--for ID explains another hypothesis (e.g. --for {name(rest[0])})."
    )


def span(low: float, high: float, ratio: bool = False) -> str:
    """A judgment's 90% range: percent for a probability, plain numbers for a ratio."""
    return f"{low:.3g}-{high:.3g}" if ratio else interval(low, high)


def conflict(value: float | None) -> str:
    """An item's conflict in bits, signed (positive: surprising given the rest); '' for none."""
    if value is None:
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}"


def bits(value: float) -> str:
    """Diagnosticity in bits; 'n/a' for an item given as ratios (not probabilities)."""
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def flip_sentence(card: Scorecard, quote: Callable[[str], str] = visible) -> str:
    """What new evidence would make the runner-up lead; `quote` renders the case's own words
    (ids, scale words) for the output at hand: `visible` for terminals and HTML, Markdown
    escaping for Markdown, while the sentence's own punctuation stays as it is."""
    e = card.explanation
    assert e is not None
    if e.question is not None:
        return _question_flip(card, quote)
    f = e.flip
    runner_up, leading, example = quote(f.runner_up), quote(e.leading), quote(f.example)
    if len(e.tied) > 1:
        return (
            f"• {tied_names(e.tied, quote)} are tied: any new evidence more likely under one of them "
            "than under the others decides between them."
        )
    if not math.isfinite(f.likelihood_ratio):
        return f"• {runner_up} cannot lead whatever new evidence comes: {example}."
    return (
        f"• {runner_up} would lead only after new, independent evidence {f.likelihood_ratio:.3g} times "
        f"({decibans(f.decibans, signed=False)}) more likely under {runner_up} than under {leading}: "
        f"{f.strength} evidence (Kass & Raftery); {example}."
    )


def tied_names(ids: tuple[str, ...], quote: Callable[[str], str] = visible) -> str:
    """'a, b and c'."""
    names = [quote(i) for i in ids]
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def headline(card: Scorecard, quote: Callable[[str], str] = visible) -> str:
    """'Why a leads' or, when no hypothesis leads, who is tied."""
    e = card.explanation
    assert e is not None
    if e.question is not None:
        return _question_headline(card, quote)
    if len(e.tied) > 1:
        return f"No hypothesis leads: {tied_names(e.tied, quote)} are tied"
    return f"Why {quote(e.leading)} leads"


def closest_sentence(card: Scorecard, quote: Callable[[str], str] = visible) -> str:
    """The judgment nearest to flipping the answer (`quote` as in `flip_sentence`)."""
    e = card.explanation
    assert e is not None
    s = e.closest
    if s is None:
        return "• Every judgment is a point value: there is no range to move."
    if e.question is not None:
        return _question_closest(card, quote)
    verdict = "flips the answer" if s.margin < 0 else "does not flip the answer"
    scores = {h.id: h.posterior.mean for h in card.hypotheses}
    now = scores.get(e.leading, 0.0) - scores.get(s.rival, 0.0)
    # Near certainty the lead prints +100.0 points before and after: it does not "fall" there.
    moves = "stays at" if f"{s.margin * 100:+.1f}" == f"{now * 100:+.1f}" else "falls to"
    return (
        f"• The judgment closest to flipping it is {quote(s.name)} ('{quote(s.text)}'): moved within its "
        f"90% range ({span(s.low, s.high, s.ratio)}), {quote(e.leading)}'s lead over {quote(s.rival)} "
        f"{moves} {s.margin * 100:+.1f} points, which {verdict}."
    )


def _question_headline(card: Scorecard, quote: Callable[[str], str]) -> str:
    """'About g (group: a + b)' or 'About h (a hypothesis; the leader is k)'."""
    e = card.explanation
    assert e is not None and e.question is not None
    q = e.question
    if q.kind == "group":
        return f"About {quote(q.id)} (group: {' + '.join(quote(m) for m in q.members)})"
    if q.leader == q.id:
        return f"About {quote(q.id)} (a hypothesis; the leader)"
    return f"About {quote(q.id)} (a hypothesis; the leader is {quote(q.leader)})"


def question_said(card: Scorecard, quote: Callable[[str], str] = visible, sep: str = "-") -> str:
    """What follows the headline of `explain --for`: ': 62.3% (90% interval 50.0-71.0%), likely;
    not g 37.7%.' (`sep` joins the interval's ends)."""
    e = card.explanation
    assert e is not None and e.question is not None
    q = e.question
    p = q.probability
    against = "against" if q.kind == "group" else "strongest other hypothesis"
    return (
        f": {percent(p.mean)} (90% interval {interval(p.lo, p.hi, sep)}), {quote(verbal(card, p.mean))}; "
        f"{against} {quote(q.rival)} {percent(q.rival_probability)}."
    )


def _other_side(card: Scorecard) -> tuple[str, str, bool]:
    """(favoured, against, ahead): who a new item must favour to change the answer about the
    question, over whom, and whether the question is now ahead of (or level with) its rival."""
    e = card.explanation
    assert e is not None
    favoured = e.flip.runner_up
    against = e.runner_up if favoured == e.leading else e.leading
    return favoured, against, favoured != e.leading


def _question_flip(card: Scorecard, quote: Callable[[str], str]) -> str:
    """What new evidence would change the answer about the question (`explain --for`)."""
    e = card.explanation
    assert e is not None
    f = e.flip
    if len(e.tied) > 1:
        return (
            f"• {tied_names(e.tied, quote)} are level: any new evidence more likely under one of them "
            "than under the other decides between them."
        )
    favoured, against, _ = _other_side(card)
    favoured, against, example = quote(favoured), quote(against), quote(f.example)
    if not math.isfinite(f.likelihood_ratio):
        return f"• {favoured} cannot overtake {against} whatever new evidence comes: {example}."
    return (
        f"• {favoured} would overtake {against} only after new, independent evidence "
        f"{f.likelihood_ratio:.3g} times ({decibans(f.decibans, signed=False)}) more likely under "
        f"{favoured} than under {against}: {f.strength} evidence (Kass & Raftery); {example}."
    )


def _question_closest(card: Scorecard, quote: Callable[[str], str]) -> str:
    """The judgment nearest to changing the answer about the question (`explain --for`)."""
    e = card.explanation
    assert e is not None and e.closest is not None
    s = e.closest
    _, _, ahead = _other_side(card)
    changes = s.margin < 0 if ahead else s.margin > 0
    verdict = "changes the answer" if changes else "does not change the answer"
    return (
        f"• The judgment closest to changing the answer about {quote(e.leading)} is {quote(s.name)} "
        f"('{quote(s.text)}'): moved within its 90% range ({span(s.low, s.high, s.ratio)}), "
        f"{quote(e.leading)}'s margin over {quote(s.rival)} reaches {s.margin * 100:+.1f} points, "
        f"which {verdict}."
    )


def leaders(card: Scorecard) -> tuple[str, ...]:
    """The hypothesis with the highest posterior, or every one tied with it (to 1e-9): a
    summary row must not crown the first of a tie."""
    ranked = card.ranked()
    top = ranked[0].posterior.mean
    return tuple(h.id for h in ranked if math.isclose(h.posterior.mean, top, rel_tol=1e-9, abs_tol=1e-12))


def summary(card: Scorecard) -> dict[str, object]:
    """A case in one row (batch table, Markdown and CSV share it): its leader, P, interval, words."""
    lead = leaders(card)
    best = next(h for h in card.hypotheses if h.id == lead[0])
    return {
        "leader": " = ".join(lead),
        "p": best.posterior.mean,
        "lo": best.posterior.lo,
        "hi": best.posterior.hi,
        "words": verbal(card, best.posterior.mean),
        "warnings": len(card.warnings),
    }


# The line under explain's "Suspected common origins" (terminal and Markdown).
# After an item's id wherever weights are shown: an item looked for and not found (`observed:
# false`) carries the weight of its absence, and its label says what was looked for.
NOT_FOUND = " (not found)"

SUSPECTED_KEY = (
    "Items counted as independent that may repeat one origin (the same link, last via: source or "
    "document, or near-identical quotes or labels), with the leader's probability were they one "
    "origin at shared 50%."
)


def as_of_line(card: Scorecard) -> str | None:
    """'Information as of 2024-01-10' (every output of a case with `as_of:`), naming what it
    left out; None without a cut-off."""
    if card.as_of is None:
        return None
    later = card.after_as_of
    left = f"; left out, dated after it: {', '.join(p.id for p in later)}" if later else ""
    return f"Information as of {card.as_of}{left}"


def assumption_line(card: Scorecard, assumption_id: str) -> str:
    """'if wrong: mistake 40.0% (was 88.8%), deliberate ...', every hypothesis in rank order."""
    a = next(a for a in card.assumptions if a.id == assumption_id)
    said = [f"{h.id} {percent(a.if_wrong[h.id])} (now {percent(h.posterior.mean)})" for h in card.ranked()]
    return "if wrong: " + ", ".join(said)


# The line under explain's "Key assumptions" (terminal and Markdown).
ASSUMPTIONS_KEY = (
    "The posterior were each key assumption wrong: its if_wrong judgments put in the case, "
    "the rest as written."
)


def source_note(item: EvidenceScore, quote: Callable[[str], str] = visible) -> str:
    """An item's source note (ICD 206): 'wapo_leak: The Washington Post (source wapo, graded
    B2), via reuters; “the words” — memo.txt, p. 4, accessed 2024-03-01; sha256 ...; links;
    dated ...'. The case's text goes through `quote` (the renderer's escaping), ours does not."""
    head = []
    if item.source:
        graded = f", graded {quote(item.grading)}" if item.grading else ""
        head.append(f"{quote(item.source_label or item.source)} (source {quote(item.source)}{graded})")
    elif item.grading:
        head.append(f"graded {quote(item.grading)}")
    if item.via:
        head.append("via " + ", ".join(quote(v) for v in item.via))
    where = [quote(item.document)] if item.document else []
    where += [f"p. {quote(item.page)}"] if item.page else []
    where += [f"accessed {quote(item.accessed)}"] if item.accessed else []
    parts = [", ".join(head)] if head else []
    said = f"“{quote(item.quote)}”" if item.quote else ""
    if said or where:
        parts.append(" — ".join(x for x in (said, ", ".join(where)) if x))
    parts += [f"sha256 {item.document_sha256}"] if item.document_sha256 else []
    parts += [quote(link) for link in item.links]
    parts += [f"dated {quote(item.date)}"] if item.date else []
    return f"{quote(item.id)}: {'; '.join(parts)}"


def source_notes(card: Scorecard) -> dict[str, int]:
    """The number of each item's source note, in case order: only items with something to cite."""
    return {e.id: n for n, e in enumerate((e for e in card.evidence if e.sourced), 1)}
