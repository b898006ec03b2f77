"""Start-up of `hypscore score` (issue 32, goal 3): the default command imports no module its
output does not need, and what replaced a costly import gives the same numbers to the last bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hypotheses.model.result import linear_quantiles
from tests.helpers import ROOT, modules_loaded

SEED_CASE = "examples/al-bab-2017.yaml"


def test_default_score_does_not_import_numpy_ma_nor_emoji_codes() -> None:
    """np.quantile imports numpy.ma (through np.unique's masked-array check): ~13 ms of the
    command's start-up, for an interval that needs none of it."""
    loaded = modules_loaded(["score", SEED_CASE])
    assert "hypotheses.model.numpy_engine" in loaded and "numpy.ma" not in loaded
    assert "rich._emoji_codes" not in loaded  # read only for emoji codes in markup, which we never print
    # The explanation's six frozen dataclasses: only explain, --for and the assumptions build them.
    assert "hypotheses.analysis.explained" not in loaded


def test_the_explanations_parts_are_still_the_scorecards_names() -> None:
    from hypotheses.analysis import explained, scorecard

    for name in scorecard._EXPLAINED:
        assert getattr(scorecard, name) is getattr(explained, name)
    with pytest.raises(AttributeError):
        scorecard.NoSuchPart  # noqa: B018


probabilities = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    draws=arrays(
        np.float64,
        st.tuples(st.integers(1, 60), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=True),
    ),
    probs=st.lists(probabilities, min_size=1, max_size=4),
)
def test_linear_quantiles_are_numpys_to_the_last_bit(draws: np.ndarray, probs: list[float]) -> None:
    ours = linear_quantiles(np.sort(draws, axis=0), probs)
    theirs = np.quantile(draws, probs, axis=0)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs), (ours, theirs)


def test_linear_quantiles_of_the_interval_and_a_nan_column() -> None:
    draws = np.random.default_rng(0).random((2_001, 3))
    draws[5, 1] = np.nan
    ours = linear_quantiles(np.sort(draws, axis=0), [0.05, 0.95])
    theirs = np.quantile(draws, [0.05, 0.95], axis=0)
    assert np.array_equal(ours, theirs, equal_nan=True) and np.isnan(ours[:, 1]).all()


_FAULTS = """
import resource, sys
import numpy as np
sys.path.insert(0, ".")
if sys.argv[1] == "kept":
    import cli
    cli._keep_freed_memory()
def step():  # as the engine's pools do: a few 2 MiB arrays alive at once, then all freed
    a = np.ones(2**18)
    b = np.exp(a)
    return float((a + b).sum())
step()  # once, so that only what follows is counted
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_the_command_keeps_freed_memory_for_the_engines_next_array() -> None:
    """Each of the engine's megabyte arrays was mapped fresh and its pages faulted in, a third of
    the engine's time in a cold `score` (benchmarks/README.md section 18): with the command's
    malloc settings, twenty rounds of three 2 MiB arrays reuse the same blocks (glibc only)."""
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's malloc settings")

    def faults(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True, cwd=ROOT, check=True
        )
        return int(out.stdout)

    default = faults("default")
    if default < 20 * 512:  # not glibc's default (another allocator): nothing to show
        pytest.skip(f"the default allocator already reuses the blocks ({default} faults)")
    assert faults("kept") < 20 * 16, default


def test_the_command_line_builds_only_the_command_it_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typer makes a Click command of every registered command before parsing (~9 ms); `hypscore
    score CASE` builds the score command alone, and the app keeps every command afterwards."""
    import sys

    import typer.main

    import cli

    built: list[str] = []
    real = typer.main.get_command_from_info

    def counted(command_info: Any, **kwargs: Any) -> Any:
        command = real(command_info, **kwargs)
        built.append(command.name)
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counted)
    every = list(cli.app.registered_commands)
    monkeypatch.setattr(sys, "argv", ["hypscore", "score", "--help"])
    with pytest.raises(SystemExit) as done:
        cli.main_entry()
    assert done.value.code == 0 and "Usage: hypscore score" in capsys.readouterr().out
    assert built == ["score"]
    assert cli.app.registered_commands == every and len(every) > 1
    built.clear()
    monkeypatch.setattr(sys, "argv", ["hypscore", "--help"])  # the group's help lists them all
    with pytest.raises(SystemExit):
        cli.main_entry()
    assert len(built) == len(every) and "score" in capsys.readouterr().out


@settings(max_examples=300, deadline=None)
@given(
    c=arrays(np.float64, st.integers(1, 40), elements=probabilities),
    b=st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=True),
)
def test_hit_and_false_alarm_are_the_effective_likelihood_at_one_and_zero_to_the_last_bit(
    c: np.ndarray, b: float
) -> None:
    from hypotheses.model.likelihood import effective_likelihood, hit_and_false_alarm

    hit, false_alarm = hit_and_false_alarm(c, b)
    assert np.array_equal(hit, effective_likelihood(c, 1.0, b))
    assert np.array_equal(false_alarm, effective_likelihood(c, 0.0, b))


_AT_EXIT = """
import atexit, gc, sys
sys.path.insert(0, ".")
atexit.register(lambda: print("frozen", gc.get_freeze_count()))  # runs after the entry's own (LIFO)
import cli
sys.argv = ["hypscore", "--version"]
cli.main_entry()
"""


def test_the_command_leaves_its_objects_out_of_the_exit_collections() -> None:
    """The interpreter's tear-down collected ~35,000 objects that the process's end frees anyway
    (~20 ms of a cold score, benchmarks/README.md section 18): the entry freezes them at exit."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _AT_EXIT], capture_output=True, text=True, cwd=ROOT, check=False
    )
    frozen = [line for line in out.stdout.splitlines() if line.startswith("frozen")]
    assert frozen and int(frozen[0].split()[1]) > 1000, out


def test_the_fast_readers_specs_and_private_records_generate_no_eq_hash_or_repr() -> None:
    """The fast path's specs are only read (never compared or printed; no spec reaches the Case):
    their generated __eq__, __hash__ and __repr__, each its own `exec` at import, are not made."""
    import dataclasses

    from hypotheses.case import fast

    specs = [c for c in vars(fast).values() if dataclasses.is_dataclass(c) and c.__module__ == fast.__name__]
    assert len(specs) == 10
    for spec in specs:
        assert spec.__dataclass_params__.frozen  # still read-only, as pydantic's frozen models
        assert "__eq__" not in vars(spec) and "__repr__" not in vars(spec) and "__hash__" not in vars(spec)
    from hypotheses.model.numpy_engine import _Kept
    from hypotheses.output.files import _Target

    for private in (_Kept, _Target):  # the engine's cache entries, an output's target: only read
        assert "__eq__" not in vars(private) and "__repr__" not in vars(private)
