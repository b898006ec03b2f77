"""The model of docs/model.md: the effective likelihood and place names (defined once), the
prior over hypotheses, and two sibling engines that return one result type.

May import `hypotheses.case` and `priors`; never an analysis or a renderer. Neither engine
imports the other: `numpy_engine` (exact means, fast intervals) and `pymc_engine` (NUTS on
the model of `pymc_model.assemble`: PyMC's sampler on `build_model`, or NumPyro's on the same
model compiled once per size of case by `jax_sampler`) each take a `Case` and return a
`result.EngineResult`. Importing this package imports neither PyMC nor ArviZ.
"""
