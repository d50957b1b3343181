"""Scenario parse + validation cost by size (it runs on every save and every validate call).

    .venv/bin/python bench/scenarios.py [--sizes 50,200,1000,5000] [--repeat 3]

Prints the best of `--repeat` runs per size; the cost should grow linearly with the states.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from voicebox.scenarios.validate import parse, validate


def scenario(states: int) -> dict[str, Any]:
    """A chain of IVR questions with back-links, as a long questionnaire would be."""
    items: list[dict[str, Any]] = [{"type": "Initial", "name": "s0", "success": "s1"}]
    for i in range(1, states - 1):
        items.append({
            "type": "IVR", "name": f"s{i}",
            "announcement": {"type": "text", "text": f"Вопрос {i}, {{{{fio}}}}?"},
            "awaitingTime": "5", "voicelInput": "true",
            "inputAnalysis": [
                {"dtmf": "1", "words": "да", "keywords": [{"id": "1"}], "success": f"s{i + 1}"},
                {"dtmf": "2", "success": f"s{max(1, i - 1)}"},
            ],
            "onNoInput": f"s{states - 1}", "success": f"s{i + 1}",
        })
    items.append({"type": "ReleaseCall", "name": f"s{states - 1}"})
    return {"title": "bench", "states": items, "customVariables": ["fio"]}


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50,200,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'states':>7} {'parse ms':>9} {'validate ms':>12} {'µs/state':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        data = scenario(size)
        body, problems = parse(data)
        assert body is not None and not problems and not validate(body)
        parse_s = best(lambda data=data: parse(data), args.repeat)
        validate_s = best(lambda body=body: validate(body), args.repeat)
        per_state = (parse_s + validate_s) / size * 1e6
        print(f"{size:>7} {parse_s * 1e3:>9.1f} {validate_s * 1e3:>12.1f} {per_state:>9.0f}")


if __name__ == "__main__":
    main()
