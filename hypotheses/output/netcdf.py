"""NetCDF export: the engine's draws as ArviZ InferenceData (built in `hypotheses.model.draws`),
written like every other export (atomically, never onto an input)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hypotheses.model.draws import inference_data
from hypotheses.output.files import atomic_output

__all__ = ["inference_data", "write_netcdf"]


def write_netcdf(idata, path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Write the InferenceData atomically, like every other export."""
    with atomic_output(path, inputs) as temporary:
        idata.to_netcdf(str(temporary))
