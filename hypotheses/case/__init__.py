"""The case: a YAML file read with the line of every key (`reading`), validated against the
format (its keys declared once in `keys`; `fast` reads a plainly valid file without pydantic,
`format` holds the pydantic models that are also the JSON Schema), checked against the rules
the format cannot express (`checks`, with the items' rules in `item_checks`), and built into
the typed case (`building`, `types`); every problem located in `messages`. `loading` ties them
together.

May import `priors` only: the case knows no engine, no analysis and no renderer.
"""

_HOMES = {
    "CaseError": "messages",
    "Problem": "messages",
    "DEFAULT_KEY": "types",
    "Case": "types",
    "EvidenceItem": "types",
    "Hypothesis": "types",
    "Source": "types",
    "case_from_text": "loading",
    "load_case": "loading",
}


def __getattr__(name: str):
    """Each name from its module on first use: the format's pydantic models take a tenth of a
    second to build and the types need NumPy (through `priors`), which a command that only
    reports an error or prints --help need not pay."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hypotheses.case' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"hypotheses.case.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_KEY",
    "Case",
    "CaseError",
    "EvidenceItem",
    "Hypothesis",
    "Problem",
    "Source",
    "case_from_text",
    "load_case",
]
