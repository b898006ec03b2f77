"""hypscore: Bayesian scoring of competing hypotheses from an analyst's case file.

>>> from hypotheses import load_case, score
>>> card = score(load_case("examples/al-bab-2017.yaml"))
>>> card.to_frame()

Many cases, as `hypscore score DIR/` and `hypscore calibration DIR/` do:

>>> from hypotheses import calibration, find_cases, score_many
>>> outcomes = score_many(find_cases(["cases/"]), jobs=2)  # or dask="tcp://host:8786"
>>> calibration(outcomes).brier
>>> fit = fit_scale(outcomes, "desk")  # as `calibration --fit-scale desk -o desk.yaml`
>>> Path("desk.yaml").write_text(scale_yaml(fit))  # a case can then say `scale: desk.yaml`

A team's cases of one question, and two versions of one case, as `hypscore pool` and `diff` do:

>>> pool(["ana.yaml", "ben.yaml"], weights=[2, 1]).linear["insider"].mean
>>> diff("v1.yaml", "v2.yaml").changes
>>> pool_rounds(["round1/", "round2/"], anonymous=True).to_dict()["moved"]  # pool --rounds

Items that may repeat one origin though none is declared, as `validate` warns (without
scoring; `score` adds what sharing would change, `Scorecard.suspected_origins`):

>>> [(s.items, s.reasons) for s in suspected_origins("case.yaml")]

Exchange with analysts' platforms (pip install 'hypscore[exchange]'; docs/exchange.md):

>>> case = load_case("case.yaml"); card = score(case)
>>> to_stix(card, case).serialize(pretty=True)  # a STIX 2.1 bundle
>>> to_misp(card, case).to_json()  # a MISP event
>>> push_taxii(to_stix(card, case).serialize(), "https://taxii.example/api1/", "ID", "me", password)
"""

from hypotheses._version import __version__

# Public name -> the module that is its home. Imported on first use (PEP 562), so that
# `import hypotheses` (and the command line's --help) costs neither NumPy, pydantic nor PyMC.
_HOMES = {
    "CaseOutcome": "hypotheses.analysis.batch",
    "Settings": "hypotheses.analysis.batch",
    "find_cases": "hypotheses.analysis.batch",
    "score_many": "hypotheses.analysis.batch",
    "iter_scored": "hypotheses.analysis.batch",
    "Calibration": "hypotheses.analysis.calibration",
    "NoResolvedCases": "hypotheses.analysis.calibration",
    "calibration": "hypotheses.analysis.calibration",
    "ScaleFit": "hypotheses.analysis.scale_fit",
    "ScaleFitError": "hypotheses.analysis.scale_fit",
    "fit_scale": "hypotheses.analysis.scale_fit",
    "scale_yaml": "hypotheses.output.scale_file",
    "NextResult": "hypotheses.analysis.decision",
    "next_items": "hypotheses.analysis.decision",
    "Scorecard": "hypotheses.analysis.scorecard",
    "SuspectedOrigin": "hypotheses.analysis.scorecard",
    "suspected_origins": "hypotheses.analysis.detection",
    "score": "hypotheses.analysis.scoring",
    "UsageError": "hypotheses.settings",
    "DiffResult": "hypotheses.analysis.diff",
    "PoolResult": "hypotheses.analysis.team",
    "diff": "hypotheses.analysis.diff",
    "pool": "hypotheses.analysis.team",
    "RoundsResult": "hypotheses.analysis.rounds",
    "pool_rounds": "hypotheses.analysis.rounds",
    "Case": "hypotheses.case.types",
    "EvidenceItem": "hypotheses.case.types",
    "Hypothesis": "hypotheses.case.types",
    "Source": "hypotheses.case.types",
    "CaseError": "hypotheses.case.messages",
    "Problem": "hypotheses.case.messages",
    "case_from_text": "hypotheses.case.loading",
    "load_case": "hypotheses.case.loading",
    "case_json_schema": "hypotheses.case.format",
    "OutputError": "hypotheses.output.files",
    "build_model": "hypotheses.model.pymc_model",  # PyMC: seconds
    # The optional extra hypscore[exchange] (docs/exchange.md).
    "to_stix": "hypotheses.exchange.stix",
    "to_misp": "hypotheses.exchange.misp",
    "push_taxii": "hypotheses.exchange.taxii",
}


_SUBPACKAGES = {"analysis", "case", "exchange", "model", "output", "settings", "text"}


def __getattr__(name: str):
    import importlib

    if name in _SUBPACKAGES:  # `import hypotheses; hypotheses.case.load_case(...)` as before
        return importlib.import_module(f"hypotheses.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hypotheses' has no attribute {name!r}")

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "Calibration",
    "Case",
    "CaseError",
    "CaseOutcome",
    "DiffResult",
    "EvidenceItem",
    "Hypothesis",
    "NextResult",
    "NoResolvedCases",
    "OutputError",
    "PoolResult",
    "Problem",
    "RoundsResult",
    "ScaleFit",
    "ScaleFitError",
    "Scorecard",
    "Settings",
    "Source",
    "SuspectedOrigin",
    "UsageError",
    "__version__",
    "build_model",
    "calibration",
    "case_from_text",
    "case_json_schema",
    "diff",
    "find_cases",
    "fit_scale",
    "iter_scored",
    "load_case",
    "next_items",
    "pool",
    "pool_rounds",
    "push_taxii",
    "scale_yaml",
    "score",
    "score_many",
    "suspected_origins",
    "to_misp",
    "to_stix",
]
