"""The limits every command checks before it reads a case, and the error for a request the
library cannot serve. Kept free of NumPy and of the case model, so that the command line can
check its arguments (and print --help) without importing either."""

from __future__ import annotations

import math
import os

MIN_DRAWS = 100
DEFAULT_SEED = 0  # every command's and function's seed unless given: the same answer each run
# The pymc engine's defaults: draws in all chains together, chains, tuning steps per chain and
# NUTS's target acceptance (raised against divergences).
PYMC_DEFAULT_DRAWS = 4_000
PYMC_CHAINS = 4
DEFAULT_TUNE = 1_000
DEFAULT_TARGET_ACCEPT = 0.9
# Draws x hypotheses in one interval-draw array (8 bytes each, a few arrays alive at once): a
# case with a thousand hypotheses gets fewer default draws rather than gigabytes.
MAX_DRAW_CELLS = 2_000_000
NUMPY_DEFAULT_DRAWS = 20_000  # the most interval draws the numpy engine chooses by itself
# Without --draws, the numpy engine draws PILOT_DRAWS, and more (up to NUMPY_DEFAULT_DRAWS) only
# while an interval end's Monte Carlo standard error exceeds INTERVAL_MCSE_TARGET (0.5 points).
PILOT_DRAWS = 2_000
INTERVAL_MCSE_TARGET = 0.005
# The numpy engine's estimated pools (E[pi_h] of uncertain priors) grow until the Monte Carlo
# error they can bring to a posterior mean is below this (docs/model.md section 3).
MEAN_MCSE_TARGET = 1e-4
# The error estimate is an upper bound (a shared pool counted as moving every hypothesis's draws
# together; up to a third high in the tests), so a warning needs a fifth more than the target.
INTERVAL_MCSE_WARNING = 1.2 * INTERVAL_MCSE_TARGET
MAX_SEED = 2**32 - 1  # numpy's legacy seeding and PyMC's per-chain seeds take 32-bit values
MAX_DRAWS = MAX_DRAW_CELLS // 2  # the draws x hypotheses limit at the fewest hypotheses
MAX_TUNE = 100_000
NUTS_SAMPLERS = ("auto", "numpyro", "pymc")
# Overrides the pymc engine's NUTS implementation for every command (`pymc`: PyMC's own).
SAMPLER_VARIABLE = "HYPSCORE_NUTS_SAMPLER"


class UsageError(ValueError):
    """A request the library cannot serve as asked (bad engine or draws)."""


def check_settings(
    draws: int | None = None,
    seed: int | None = DEFAULT_SEED,
    tune: int | None = None,
    target_accept: float | None = None,
) -> None:
    """Raise UsageError, naming the range, for a setting no case can be scored with. The
    command line calls this before it reads the case; `score` calls it too."""
    if seed is not None and (isinstance(seed, bool) or not 0 <= seed <= MAX_SEED):
        raise UsageError(
            f"--seed must be between 0 and {MAX_SEED} (2**32 - 1), got {seed}; pick one in that range"
        )
    if draws is not None and draws < MIN_DRAWS:
        raise UsageError(
            f"--draws must be at least {MIN_DRAWS}, got {draws:,}; fewer give no usable interval"
        )
    if draws is not None and draws > MAX_DRAWS:
        raise UsageError(
            f"--draws must be at most {MAX_DRAWS:,}, got {draws:,}: the draws are held in memory; "
            f"use fewer (numpy's default is {NUMPY_DEFAULT_DRAWS:,})"
        )
    if tune is not None and not 0 <= tune <= MAX_TUNE:
        raise UsageError(
            f"--tune must be between 0 and {MAX_TUNE:,}, got {tune:,}; the default is {DEFAULT_TUNE:,}"
        )
    nuts_sampler()
    if target_accept is not None and not (math.isfinite(target_accept) and 0 < target_accept < 1):
        raise UsageError(
            f"--target-accept must be strictly between 0 and 1, got {target_accept}; "
            f"the default is {DEFAULT_TARGET_ACCEPT} "
            "(raise it to 0.95 or 0.99 against divergences)"
        )


def nuts_sampler(asked: str | None = None) -> str:
    """The NUTS sampler asked for: `asked`, else $HYPSCORE_NUTS_SAMPLER, else auto; UsageError
    for anything else (checked before any work, and again where the pymc engine picks one)."""
    if asked is not None and asked not in NUTS_SAMPLERS:
        raise UsageError(f"unknown NUTS sampler '{asked}'; choose one of {', '.join(NUTS_SAMPLERS)}")
    choice = asked or os.environ.get(SAMPLER_VARIABLE) or "auto"
    if choice not in NUTS_SAMPLERS:
        raise UsageError(
            f"{SAMPLER_VARIABLE}={choice} is not a NUTS sampler; set it to one of "
            f"{', '.join(NUTS_SAMPLERS)}, or unset it"
        )
    return choice
