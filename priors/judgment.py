"""Judgments: a probability as an analyst states it, turned into a point or a Beta distribution."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from priors.betafit import LOWER_Q, UPPER_Q, fit_beta

if TYPE_CHECKING:
    import numpy as np

    from priors.scales import Scale

# A range end of exactly 0 or 1 cannot be a 5%/95% quantile of a Beta: docs/case-format.md moves it to
# 0.5% or 99.5%. Any other end, however close to 0 or 1, is fitted as written.
RANGE_FLOOR = 0.005
RANGE_CEIL = 0.995
# Beta parameters above this are more precise than any judgment (sd < 0.00005 at p = 0.5) and
# would make the incomplete Beta function's continued fraction run for seconds per value.
MAX_BETA_PARAMETER = 1e8
# Beta draws that underflow to 0 would turn a likelihood into an accidental "impossible".
SAMPLE_FLOOR = sys.float_info.min  # numpy's finfo(float).tiny, without importing NumPy

# A plain number from this to 100, where a probability is due, is suggested as a percentage
# ('30' -> '30%'); from 1 to this it is not: 1.2 may as well be 0.12 mistyped or a ratio, and
# a suggestion must never change what the analyst meant (docs/case-format.md, Judgments).
PERCENT_READING = 5.0

FORMS_HELP = (
    'write a probability as a number in [0, 1] (0.3), a percent ("30%"), a fraction ("16/60"), '
    '"1 in 20", odds ("1:3"), a word of the case\'s scale (likely), an interval [0.2, 0.4] or a '
    "distribution {beta: [2, 5]}"
)


class JudgmentError(ValueError):
    """A judgment that cannot be read; the message says how to write it instead."""


class WholeJudgmentError(JudgmentError):
    """A JudgmentError whose message is complete for its key: a caller adds no prefix of what
    the key takes (parse_model_error's, which already says what the number would mean)."""


@dataclass(frozen=True)
class Point:
    """A probability stated without uncertainty."""

    value: float
    text: str = field(default="", compare=False)

    is_point = True

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # noqa: ARG002 (a point draws nothing)
        import numpy as np  # only the engines sample, and they have NumPy loaded already

        return np.full(n, self.value)

    def __repr__(self) -> str:
        shown = f" from {self.text!r}" if self.text and self.text != repr(self.value) else ""
        return f"Point({self.value:g}){shown}"


@dataclass(frozen=True)
class Beta:
    """An uncertain probability: Beta(a, b)."""

    a: float
    b: float
    text: str = field(default="", compare=False)
    # The 5% and 95% quantiles when the Beta was fitted to a range (they are its ends).
    fitted_range: tuple[float, float] | None = field(default=None, compare=False, repr=False)

    is_point = False

    def quantiles(self) -> tuple[float, float]:
        """The 5% and 95% quantiles: free for a fitted range, bisection otherwise."""
        if self.fitted_range is not None:
            return self.fitted_range
        from priors.betafit import beta_quantile

        return beta_quantile(LOWER_Q, self.a, self.b), beta_quantile(UPPER_Q, self.a, self.b)

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return np.clip(rng.beta(self.a, self.b, n), SAMPLE_FLOOR, 1.0)

    def __repr__(self) -> str:
        shown = f" from {self.text!r}" if self.text else ""
        return f"Beta({self.a:.4g}, {self.b:.4g}; mean {self.mean:.3f}){shown}"


@dataclass(frozen=True)
class LogNormal:
    """An uncertain likelihood ratio: log X ~ Normal(mu, sigma), fitted so that its 5% and 95%
    quantiles are the ends of the interval the analyst wrote ([2, 10]). Only under `ratios:`:
    a ratio is no probability."""

    mu: float
    sigma: float
    text: str = field(default="", compare=False)

    is_point = False

    @property
    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)

    def quantiles(self) -> tuple[float, float]:
        return math.exp(self.mu - _Z95 * self.sigma), math.exp(self.mu + _Z95 * self.sigma)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, n)

    def __repr__(self) -> str:
        shown = f" from {self.text!r}" if self.text else ""
        return f"LogNormal(mu {self.mu:.4g}, sigma {self.sigma:.4g}; mean {self.mean:.3g}){shown}"


_Z95 = 1.6448536269514722  # the standard normal's 95% quantile
# An interval ratio [lo, hi] with hi / lo above this is refused: its log-normal mean (what the
# model uses) exceeds its median by more than half an order of magnitude (x 1.9 at 1000).
MAX_RATIO_SPREAD = 1000.0


Judgment = Point | Beta | LogNormal


def parse_ratio(value: Any) -> Judgment:
    """A likelihood ratio (docs/case-format.md, More of the language): a positive number, a
    fraction ("3/2"), or an interval [2, 10] read as a log-normal with its 5% and 95% quantiles
    at the ends."""
    if isinstance(value, list):
        if len(value) != 2:
            raise JudgmentError(f"a ratio interval has two ends [low, high], got {len(value)} values")
        lo, hi = (_ratio_number(end) for end in value)
        if lo > hi:
            raise JudgmentError(
                f"ratio interval [{value[0]}, {value[1]}] is reversed; write [{value[1]}, {value[0]}]"
            )
        text = f"[{value[0]}, {value[1]}]"
        if lo == hi:
            return Point(lo, text)
        if hi / lo > MAX_RATIO_SPREAD:
            raise JudgmentError(
                f"ratio interval {text} spans more than a factor of {MAX_RATIO_SPREAD:g}: a log-normal that "
                "wide has a mean far above its median (the mean is what enters the model); narrow it"
            )
        mu, sigma = 0.5 * (math.log(lo) + math.log(hi)), (math.log(hi) - math.log(lo)) / (2 * _Z95)
        return LogNormal(mu, sigma, text)
    return Point(_ratio_number(value), str(value))


# Ratios are relative: beyond these they are no judgment, and exp() of their spread overflows.
RATIO_RANGE = (1e-100, 1e100)


def _ratio_number(value: Any) -> float:
    """A positive ratio: a number, a fraction, or odds a:b read as the ratio a/b (under
    `ratios:` odds of 5:1 mean five times likelier, not the probability 5/6)."""
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _ODDS.match(value.strip())) is not None:
        favour, against = float(match[1]), float(match[2])
        number = favour / against if against > 0 else math.inf
    elif isinstance(value, str) and not _PERCENT.match(value.strip()):
        number = _form(value)
    if number is None or not math.isfinite(number) or number <= 0:
        raise JudgmentError(
            f"ratio {value!r} is not a positive number; write a number (3), a fraction (3/2), odds "
            "(5:1) or an interval [2, 10]; for probabilities use `likelihoods:`"
        )
    if not RATIO_RANGE[0] <= number <= RATIO_RANGE[1]:
        raise JudgmentError(f"ratio {value!r} is beyond 1e-100 to 1e100; rescale the item's ratios")
    return number


def complement(judgment: Judgment) -> Judgment:
    """The judgment of 1 - X: a point p becomes 1 - p, Beta(a, b) becomes Beta(b, a) exactly
    (an item looked for and not found: P(not E | h) = 1 - P(E | h))."""
    text = f"1 - {judgment.text}" if judgment.text else ""  # "1 - likely": no scale word
    if isinstance(judgment, Point):
        return Point(1.0 - judgment.value, text)
    fitted = (
        None
        if judgment.fitted_range is None
        else (1.0 - judgment.fitted_range[1], 1.0 - judgment.fitted_range[0])
    )
    return Beta(judgment.b, judgment.a, text, fitted)


def range_ends(lo: float, hi: float) -> tuple[float, float]:
    """The quantiles a range is fitted to: only an end of exactly 0 or 1 moves
    (docs/case-format.md, Judgments)."""
    return (RANGE_FLOOR if lo == 0.0 else lo), (RANGE_CEIL if hi == 1.0 else hi)


def from_range(lo: float, hi: float, text: str = "") -> Judgment:
    """The judgment for a range whose ends are the 5% and 95% quantiles."""
    if lo == hi:
        return Point(lo, text)
    shown = text or f"[{lo:g}, {hi:g}]"
    if 0.0 < lo < MIN_INTERVAL_END:
        raise JudgmentError(
            f"interval {shown}: its low end is below {MIN_INTERVAL_END:g}, too small to fit a Beta to "
            f"(floating point loses such numbers); write an end of at least {MIN_INTERVAL_END:g}, or 0"
        )
    fit_lo, fit_hi = range_ends(lo, hi)
    if not fit_lo < fit_hi:
        if lo == 0.0:
            moved, example = "an end of 0 is fitted as 0.005", f"[{hi / 10:.10g}, {hi:.10g}]"
        else:
            moved, example = "an end of 1 is fitted as 0.995", f"[{lo:.10g}, {1 - (1 - lo) / 10:.10g}]"
        raise JudgmentError(
            f"interval {shown} leaves no room: {moved} (a Beta cannot have a quantile at 0 or 1); "
            f"write that end as a number instead, e.g. {example}"
        )
    try:
        a, b = fit_beta(fit_lo, fit_hi)
    except (ValueError, OverflowError):  # no Beta, or one far beyond MAX_BETA_PARAMETER
        a = b = math.inf
    if not (a <= MAX_BETA_PARAMETER and b <= MAX_BETA_PARAMETER):
        raise JudgmentError(
            f"interval {shown} is too narrow to be an uncertain judgment (its Beta would need a "
            f"parameter above {MAX_BETA_PARAMETER:.0e}); if you are that sure, write one number, "
            f"e.g. {0.5 * (lo + hi):.6g}"
        )
    return Beta(a, b, text, (fit_lo, fit_hi))


_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
# A sign is read too: '-1 in 20' is a form with a negative count (refused as such), not a word.
_SIGNED = rf"[+-]?{_NUMBER}"
# The forms a probability is published in (docs/case-format.md, Judgments), each read exactly.
_PERCENT = re.compile(rf"^({_SIGNED})\s*%$")
_FRACTION = re.compile(rf"^({_SIGNED})\s*/\s*({_SIGNED})$")
_IN = re.compile(rf"^({_SIGNED})\s+in\s+({_SIGNED})$", re.IGNORECASE)
_PLAIN = re.compile(rf"^{_SIGNED}$")
_ODDS = re.compile(rf"^({_SIGNED})\s*:\s*({_SIGNED})$")
_MINUS = re.compile(r"(?<![eE\d.])-\s*(?=[\d.])")  # a minus sign, not an exponent's


def _form(text: str) -> float | None:
    """The number a string states: '0.3', '30%', '30 %', '16/60', '1 in 20', odds '1:3' (=
    1/4), or None when it is none of these (a word, perhaps)."""
    text = text.strip()
    if (match := _PERCENT.match(text)) is not None:
        return float(match[1]) / 100.0
    for pattern in (_FRACTION, _IN):
        if (match := pattern.match(text)) is not None:
            numerator, denominator = float(match[1]), float(match[2])
            if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator == 0:
                return math.nan  # 1 in 1e400 is no probability: refused, never read as 0
            if numerator < 0 or denominator < 0:
                return -abs(numerator / denominator)  # refused by _number, naming the sign
            return numerator / denominator
    if (match := _ODDS.match(text)) is not None:
        favour, against = float(match[1]), float(match[2])
        if not (math.isfinite(favour) and math.isfinite(against)) or favour + against == 0:
            return math.nan
        if favour < 0 or against < 0:
            return -abs(favour / (favour + against))  # refused by _number, naming the sign
        # Divide first: favour + against overflows for 1e308:1e308 and would read even odds as 0.
        if favour >= against:
            return 1.0 / (1.0 + against / favour)
        share = favour / against
        return share / (1.0 + share)
    try:
        return float(text)
    except ValueError:
        return None


# The smallest non-zero interval end fitted: the Beta fit works with the logits of the ends,
# clamped here (priors/betafit.py), since below it subnormal floats lose digits and two distinct
# ends ([1e-320, 2e-320]) become one. A point probability may be smaller: the model takes logs.
MIN_INTERVAL_END = 1e-300
_LEADING_NUMBER = re.compile(rf"\s*({_NUMBER})")


def _written_nonzero(value: Any) -> bool:
    """Whether text that reads as 0 was written with a non-zero leading number ('1e-400%',
    '1e-400:1'): it underflowed, it was not meant as 0. (A number that leads with 0 is 0.)"""
    if not isinstance(value, str) or (match := _LEADING_NUMBER.match(value)) is None:
        return False
    return any(digit in "123456789" for digit in match[1].lower().partition("e")[0])


def _odds_against_underflowed(value: Any) -> bool:
    """'1:1e-400' reads as exactly 1 (the 'against' underflowed): not meant as certainty, which
    on an item looked for and not found would rule a hypothesis out."""
    if not isinstance(value, str) or (match := _ODDS.match(value.strip())) is None:
        return False
    against = match[2].strip()
    return float(against) == 0.0 and _written_nonzero(against)


def _number(value: Any, what: str) -> float:
    """A probability written as a number or any form of `_form`."""
    if isinstance(value, bool):
        raise JudgmentError(f"{what} is a yes/no value ({value}); {FORMS_HELP}")
    if isinstance(value, str):
        number = _form(value)
        if number is None:
            raise JudgmentError(f"{what} {value!r} is not a number; {FORMS_HELP}")
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf
    else:
        raise JudgmentError(f"{what} must be a number, got {type(value).__name__}")
    if isinstance(value, str) and _divides_by_zero(value):
        raise JudgmentError(
            f"{what} {value!r} is a division by zero: a fraction or frequency needs a count above 0 "
            "after '/' or 'in' (16/60, 1 in 20)"
        )
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise JudgmentError(_outside(value, number, what))
    if number == 1.0 and _odds_against_underflowed(value):
        raise JudgmentError(
            f"{what} {value!r} is too close to 1 to tell from certainty (its 'against' is too small for "
            "floating point): write 1 (certain) or odds whose smaller side is at least 1e-300 of the other"
        )
    if number == 0.0 and math.copysign(1.0, number) < 0:
        number = 0.0  # '-0%' is 0, not a negative zero that prints as '-0'
    if number == 0.0 and _written_nonzero(value):
        # Refused, not kept exact: every later step (logs, products, Beta draws) is in floats,
        # and read as 0 it would rule a hypothesis out that nobody ruled out.
        raise JudgmentError(
            f"{what} {value!r} is too small to tell from 0 (floating point stops near 5e-324): write 0 "
            "(it rules the hypothesis out) or a number of at least 1e-300"
        )
    return number


def _divides_by_zero(text: str) -> bool:
    """'3/0' or '1 in 0': read as NaN by `_form`, which would otherwise be called out of range."""
    match = _FRACTION.match(text.strip()) or _IN.match(text.strip())
    return match is not None and float(match[2]) == 0.0


def _outside(value: Any, number: float, what: str) -> str:
    """Why a number is no probability, and the form it was probably meant in."""
    said = f"{what} {value!r} is outside 0 to 1 (0% to 100%)"
    if isinstance(value, str) and not _PLAIN.match(value.strip()) and _MINUS.search(value):
        # A form ('-1 in 20', '-30%'): its sign is the mistake. A plain -0.2 is only out of range.
        positive = _MINUS.sub("", value.strip())
        return f"{what} {value!r} has a negative count or share, which no probability has: write {positive!r}"
    plain = isinstance(value, int | float) or (isinstance(value, str) and _PLAIN.match(value.strip()))
    if not plain:
        return f"{said}; only a prior may be a weight above 1, and a ratio belongs under `ratios:`"
    if math.isfinite(number) and PERCENT_READING <= number <= 100.0:
        # 30 or 75 is clearly a percentage left without its sign: that reading is suggested.
        hint = f"for a percentage write '{value}%' ({number / 100:g})"
        return f"{said}: {hint}; only a prior may be a weight above 1, and a ratio belongs under `ratios:`"
    if math.isfinite(number) and 1.0 < number < PERCENT_READING:
        # 1.2 or 2 is as likely a probability mistyped (0.12? 1?) or a ratio as a percentage: no
        # reading is suggested, since any one of them could change what the analyst meant.
        return (
            f"{said}: write it as a probability between 0 and 1, like 0.12, or a percentage, like 12%; "
            "only a prior may be a weight above 1, and a ratio belongs under `ratios:`"
        )
    if math.isfinite(number) and number > 100.0:
        return f"{said}; only a prior may be a weight above 1, and a ratio belongs under `ratios:`"
    return said


def _beta_parameter(value: Any) -> Any:
    """A Beta parameter written as text the way YAML 1.1 leaves 1e-3 (a plain number); other
    forms ('1/2', '1:3') are left as text, for the error that names them."""
    if isinstance(value, str) and _looks_numeric(value) and "%" not in value:
        try:
            return float(value)
        except ValueError:  # a fraction or odds is no Beta parameter
            return value
    return value


def _looks_numeric(text: str) -> bool:
    return _form(text) is not None


def parse_weight(value: Any, scale: Scale) -> Judgment:
    """A prior: any probability judgment, or any positive number as a relative weight
    (Rootclaim's 200:40:3 is `prior: 200`, `prior: 40`, `prior: 3`)."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # hundreds of digits: no finite weight
            raise JudgmentError(
                f"prior {str(value)[:20]}... is too large a number; a weight must be finite"
            ) from None
    elif isinstance(value, str) and not _PERCENT.match(value.strip()):  # 150% is no weight
        number = _form(value)
    if number is not None and math.isfinite(number) and number > 1.0:
        return Point(number, str(value))
    return parse_judgment(value, scale)


# A bare model_error from this up is most likely a percentage without its sign: at 0.5 or more half
# the judgments would be simply wrong, and an item would say less than can be told from noise
# (DESIGN section 9, "Out-of-model error"; docs/case-format.md, "Model error").
MODEL_ERROR_AS_PERCENT = 0.5


def parse_model_error(value: Any, scale: Scale) -> Judgment:
    """The top-level `model_error:`: any judgment, except a bare number of 0.5 to 100, which is
    refused with what it would mean and the percentage asked about (never read as one)."""
    plain = (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _PLAIN.match(value.strip()) is not None
    )
    if plain:
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf
        if math.isfinite(number) and MODEL_ERROR_AS_PERCENT <= number <= 100.0:
            shown = str(value).strip()
            if number == 1.0:
                means = "every report is noise (100%): no item could move a prior"
            elif number < 1.0:
                means = (
                    f"that {number * 100:g}% of all judgments are simply wrong (every item's "
                    f"credibility times {1 - number:g}): an item would say less than noise"
                )
            else:
                means = f"a probability of {number * 100:g}%, which none is"
            raise WholeJudgmentError(
                f"{shown} as a bare number would mean {means}; if you meant {shown} percent, write "
                f"'{shown}%' or {number / 100:g}"
            )
    return parse_judgment(value, scale)


def parse_judgment(value: Any, scale: Scale) -> Judgment:
    """Read any judgment form of docs/case-format.md; words are looked up in `scale`."""
    if isinstance(value, str):
        if _looks_numeric(value):
            return Point(_number(value, "probability"), value)
        return scale.judgment(value)
    if value is None:
        raise JudgmentError(f"the value is empty (nothing after the colon, or null); {FORMS_HELP}")
    if isinstance(value, bool):
        raise JudgmentError(f"a judgment cannot be {value!r}; {FORMS_HELP}")
    if isinstance(value, int | float):
        return Point(_number(value, "probability"), repr(value))
    if isinstance(value, list):
        if len(value) != 2:
            raise JudgmentError(
                f"an interval has two ends [low, high], got {len(value)} values; {FORMS_HELP}"
            )
        lo, hi = (_number(end, "interval end") for end in value)
        if lo > hi:
            raise JudgmentError(
                f"interval [{value[0]}, {value[1]}] is reversed; write the low end first: "
                f"[{value[1]}, {value[0]}]"
            )
        return from_range(lo, hi, f"[{value[0]}, {value[1]}]")
    if isinstance(value, dict):
        if set(value) != {"beta"}:
            raise JudgmentError(
                f"a distribution is written {{beta: [a, b]}}, got keys {sorted(map(str, value))}"
            )
        params = value["beta"]
        if isinstance(params, list):  # YAML 1.1 reads 1e-3 (no dot) as text: take it as written
            params = [_beta_parameter(p) for p in params]
        if (
            not isinstance(params, list)
            or len(params) != 2
            or not all(isinstance(p, int | float) and not isinstance(p, bool) for p in params)
        ):
            raise JudgmentError(f"beta needs two numbers [a, b], got {params!r}")
        try:
            a, b = float(params[0]), float(params[1])
        except OverflowError:
            raise JudgmentError(f"Beta parameters must be positive and finite, got {params!r}") from None
        if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
            raise JudgmentError(f"Beta parameters must be positive and finite, got [{a:g}, {b:g}]")
        if a > MAX_BETA_PARAMETER or b > MAX_BETA_PARAMETER:
            raise JudgmentError(
                f"beta [{a:g}, {b:g}] is more precise than any judgment can be (parameters are "
                f"limited to {MAX_BETA_PARAMETER:.0e}); write its mean as one number, e.g. "
                f"{a / (a + b):.6g}"
            )
        return Beta(a, b, f"beta [{a:g}, {b:g}]")
    raise JudgmentError(f"a judgment cannot be a {type(value).__name__}; {FORMS_HELP}")


__all__ = [
    "LOWER_Q",
    "MAX_BETA_PARAMETER",
    "MIN_INTERVAL_END",
    "UPPER_Q",
    "Beta",
    "Judgment",
    "JudgmentError",
    "LogNormal",
    "Point",
    "complement",
    "from_range",
    "parse_judgment",
    "parse_model_error",
    "parse_ratio",
    "parse_weight",
    "range_ends",
]
