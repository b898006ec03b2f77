"""Write the legal but big cases of issue 10 (item 13) to a directory, for timing by hand:

python benchmarks/big_cases.py /tmp/big
/usr/bin/time -f "%e s %M KB" hypscore score /tmp/big/hypotheses_1000.yaml
/usr/bin/time -f "%e s %M KB" hypscore explain /tmp/big/items_2000_one_source.yaml
/usr/bin/time -f "%e s %M KB" hypscore validate /tmp/big/file_15_5_mib.yaml
/usr/bin/time -f "%e s %M KB" hypscore score /tmp/big/events_10x5_shared.yaml   (issue 13)
/usr/bin/time -f "%e s %M KB" hypscore explain /tmp/big/events_10x5_shared.yaml
/usr/bin/time -f "%e s %M KB" hypscore score /tmp/big/events_10x5_as_independent.yaml   (reference)
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    hypotheses = [{"id": f"h{k}", "label": "x", "prior": "likely"} for k in range(1000)]
    evidence = [
        {"id": f"e{j}", "label": "x", "likelihoods": {"default": "unlikely", "h1": "likely"}}
        for j in range(10)
    ]
    case = {"schema": 1, "title": "many hypotheses", "hypotheses": hypotheses, "evidence": evidence}
    (directory / "hypotheses_1000.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    evidence = [
        {
            "id": f"e{i}",
            "label": "x",
            "source": "s",
            "likelihoods": {
                "p": round(rng.uniform(0.1, 0.9), 2),
                "q": round(rng.uniform(0.1, 0.9), 2),
                "r": 0.5,
            },
        }
        for i in range(2000)
    ]
    case = {
        "schema": 1,
        "title": "one uncertain source",
        "hypotheses": [{"id": h, "label": h} for h in "pqr"],
        "sources": {"s": {"reliability": "B"}},
        "evidence": evidence,
    }
    (directory / "items_2000_one_source.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    lines = [
        "schema: 1",
        "title: big",
        "hypotheses:",
        "  - {id: a, label: A}",
        "  - {id: b, label: B}",
        "evidence:",
    ]
    size, index = sum(len(x) + 1 for x in lines), 0
    while size < 15.5 * 2**20:
        likelihoods = f"{{a: {rng.random():.3f}, b: 0.5}}"
        line = f"  - {{id: e{index}, label: item {index} of a long case, likelihoods: {likelihoods}}}"
        lines.append(line)
        size, index = size + len(line) + 1, index + 1
    (directory / "file_15_5_mib.yaml").write_text("\n".join(lines) + "\n")
    # Issue 13: 10 events x 5 reports, the reports spread over 3 uncertain sources (one
    # component, importance sampling over the three reliabilities), uncertain event likelihoods.
    words = ["very unlikely", "unlikely", "roughly even chance", "likely", "very likely"]
    events = {
        f"g{k}": {"label": f"event {k}", "likelihoods": {h: rng.choice(words) for h in "pqr"}}
        for k in range(10)
    }
    reports = [
        {
            "id": f"g{k}_r{i}",
            "label": "x",
            "reports": f"g{k}",
            "source": f"s{(k + i) % 3}",
            "credibility": "likely",
        }
        for k in range(10)
        for i in range(5)
    ]
    case = {
        "schema": 1,
        "title": "10 events x 5 reports on shared uncertain sources",
        "hypotheses": [{"id": h, "label": h} for h in "pqr"],
        "sources": {f"s{k}": {"reliability": letter} for k, letter in enumerate("BCD")},
        "events": events,
        "evidence": reports,
    }
    (directory / "events_10x5_shared.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    # The reference: the same 50 reports written as independent items (how such a case had to be
    # written before events), each with its event's likelihoods: the cost events add.
    independent = [
        {k: v for k, v in r.items() if k != "reports"} | {"likelihoods": events[r["reports"]]["likelihoods"]}
        for r in reports
    ]
    case = {**{k: v for k, v in case.items() if k != "events"}, "evidence": independent}
    (directory / "events_10x5_as_independent.yaml").write_text(yaml.safe_dump(case, sort_keys=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "big-cases"))
