"""From a case and an engine's result to a `Scorecard`: `score()` (the library's entry
point), evidence weights and the explanation.

May import `hypotheses.case` and `hypotheses.model`; never a renderer. Computes only: returns
data and writes no file.
"""
