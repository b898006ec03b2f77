"""How long the interactive report takes to follow an edit, in headless Chromium:

    python benchmarks/page_edits.py              # the two examples and the realistic case
    python benchmarks/page_edits.py --edits 20

For each case the report is written to a temporary directory and opened at 1280 x 800; then
each edit picks a word in one judgment's control (cycling over the likelihood controls, so that
every component is edited in turn) and the time is taken from the control's change event to
the end of the page's update and of the layout it forces (the script's own work and the
browser's restyle; painting is not included). The first edit is reported apart: it also
draws the page's importance-sampling pool once. Results: benchmarks/README.md, section 16.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: PYTHONPATH=/other/tree times that tree's page

WORDS = ["very unlikely", "unlikely", "roughly even chance", "likely", "very likely"]


def realistic_case(seed: int = 7) -> dict[str, Any]:
    """A case of the size analysts write: 4 hypotheses with factored priors, 30 items from 6
    sources graded A-F (uncertain reliabilities), some relayed through a second source (which
    couples those sources: sampled), 2 events with 3 reports each, a possible common origin of
    3 items, dates on every item."""
    rng = random.Random(seed)
    ids = ["state", "proxy", "criminal", "accident"]
    hypotheses = [
        {
            "id": h,
            "label": f"Hypothesis {h}",
            "prior": {"base_rate": rng.choice(WORDS), "motive": rng.choice(WORDS)},
        }
        for h in ids
    ]
    letters = "ABCDCB"
    sources = {f"s{k}": {"label": f"source {k}", "reliability": letters[k]} for k in range(6)}
    events = {
        f"event{k}": {"label": f"event {k}", "likelihoods": {h: rng.choice(WORDS) for h in ids}}
        for k in range(2)
    }
    evidence = []
    for j in range(30):
        item: dict[str, Any] = {
            "id": f"e{j:02d}",
            "label": f"item {j}",
            "date": f"2024-{1 + j // 6:02d}-{1 + 4 * (j % 6):02d}",
            "source": f"s{j % 6}",
        }
        if j < 6:
            item["reports"] = f"event{j % 2}"
        else:
            item["likelihoods"] = {h: rng.choice(WORDS) for h in ids}
            item["credibility"] = rng.choice(["probably true", "possibly true", "0.9"])
        if j % 7 == 3:
            item["via"] = [f"s{(j + 1) % 6}"]
        evidence.append(item)
    origins = {
        "common": {"label": "one briefing", "items": ["e10", "e16", "e22"], "shared": "roughly even chance"}
    }
    return {
        "schema": 1,
        "title": "A realistic case: 4 hypotheses, 30 items, events and an origin",
        "hypotheses": hypotheses,
        "sources": sources,
        "events": events,
        "evidence": evidence,
        "origins": origins,
    }


EDIT = """
(index) => {
  const selects = [...document.querySelectorAll('select[aria-label^="lik/"]')];
  const select = selects[(index * 7) % selects.length];
  select.value = String(1 + (index % 5));
  const t0 = performance.now();
  select.dispatchEvent(new Event("change"));
  void document.body.offsetHeight; // the layout the update forces
  return [select.getAttribute("aria-label"), performance.now() - t0];
}
"""


def measure(path: Path, edits: int, chromium: str) -> tuple[float, list[float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(path.as_uri())
        times = [page.evaluate(EDIT, k)[1] for k in range(edits + 1)]
        browser.close()
    return times[0], times[1:]


def main() -> None:
    import yaml

    from hypotheses import load_case, score
    from hypotheses.output.report import render_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        realistic = Path(tmp) / "realistic.yaml"
        realistic.write_text(yaml.safe_dump(realistic_case(), sort_keys=False), encoding="utf-8")
        cases = [
            ROOT / "examples" / "nord-stream-2022.yaml",
            ROOT / "examples" / "al-bab-2017.yaml",
            realistic,
        ]
        print(f"{'case':28} {'first edit':>11} {'median':>8} {'max':>8}  (ms, {args.edits} edits)")
        for path in cases:
            case = load_case(path)
            out = Path(tmp) / f"{path.stem}.html"
            out.write_text(render_report(case, score(case, explain=True)), encoding="utf-8")
            first, rest = measure(out, args.edits, args.chromium)
            print(f"{path.stem:28} {first:11.0f} {statistics.median(rest):8.0f} {max(rest):8.0f}")


if __name__ == "__main__":
    main()
