"""Renderers and exports: the terminal, JSON, CSV, Markdown, NetCDF and the HTML report.

They read a `Scorecard` (and, for the report's inputs and NetCDF's names, the `Case`); they
compute nothing about the model. Every file is written through `files`, which never overwrites
an input and never leaves a file half-written.
"""
