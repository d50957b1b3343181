"""The web console: bundle size, and how long the editor takes to show a 46-state scenario.

Runs a real `voicebox serve` and Debian's Chromium (like tests/e2e/test_console.py), signs in,
stores the 46-state test scenario (with and without positions) and opens it in the editor N
times: from navigation start to every node and edge drawn, plus the browser's own
DOMContentLoaded / load of the console. Prints a table.

`--history N` (default 100,000) also seeds N ended calls straight into the server's database
(bench/history.py's loader) and times the call history page with them: first page shown, each
page turn, the jump to the last page and back, and the DOM rows kept (paged: never N).

    .venv/bin/python bench/console.py [--runs 5] [--history 100000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from tests.e2e.console_server import PASSWORD, USERNAME, ConsoleServer, admin  # noqa: E402
from tests.e2e.test_console import ARGS, CHROMIUM  # noqa: E402
from tests.scenarios.samples import large  # noqa: E402

from voicebox.console import STATIC_DIR  # noqa: E402


def bundle() -> list[tuple[str, int, int]]:
    rows = []
    for path in sorted((STATIC_DIR / "assets").iterdir()):
        data = path.read_bytes()
        rows.append((path.name, len(data), len(gzip.compress(data, 9))))
    return rows


def api_client(server: ConsoleServer) -> httpx.Client:
    """A bearer-token client for storing scenarios as they are (the console always adds x/y)."""
    client = admin(server.env, "create-client", "--name", "bench")
    token = httpx.post(f"{server.url}/oauth/token", auth=(client["client_id"], client["client_secret"]),
                       data={"grant_type": "password", "username": USERNAME, "password": PASSWORD})
    token.raise_for_status()
    return httpx.Client(base_url=server.url, timeout=30,
                        headers={"Authorization": f"Bearer {token.json()['access_token']}"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--history", type=int, default=100_000)
    options = parser.parse_args()
    runs = options.runs
    from playwright.sync_api import sync_playwright

    print(f"cores: {os.cpu_count()}, load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'asset':<32} {'bytes':>10} {'gzip':>10}")
    for name, size, packed in bundle():
        print(f"{name:<32} {size:>10,} {packed:>10,}")
    with tempfile.TemporaryDirectory() as tmp, ConsoleServer(Path(tmp)) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.url + "/")
        page.wait_for_url("**/oauth/authorize**")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[value=approve]")
        page.wait_for_selector("text=VoiceBox")
        positioned = large(46)
        for index, state in enumerate(positioned["states"]):
            state["x"], state["y"] = (index % 6) * 260, (index // 6) * 180
        api = api_client(server)
        stored = {}
        for label, body in (("with positions", positioned), ("auto layout", large(46))):
            answer = api.post("/v1/customers/1/scenarios", json=body)
            answer.raise_for_status()
            stored[label] = answer.json()["id"]
        print(f"{'scenario':<16} {'runs':>5} {'median ms':>10} {'max ms':>10} "
              f"{'DCL ms':>8} {'load ms':>8}")
        for label, scenario_id in stored.items():
            page.goto(f"{server.url}/#/scenarios/{scenario_id}")
            page.wait_for_selector(".react-flow__node")
            times, dcl, load = [], [], []
            for _ in range(runs):
                page.reload()
                page.wait_for_url("**/oauth/authorize**")
                page.fill("input[name=username]", USERNAME)
                page.fill("input[name=password]", PASSWORD)
                start = time.perf_counter()
                page.click("button[value=approve]")
                page.wait_for_function(
                    "document.querySelectorAll('.react-flow__node').length === 46 && "
                    "document.querySelectorAll('.react-flow__edge').length > 60")
                times.append((time.perf_counter() - start) * 1000)
                timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
                entry = json.loads(timing)
                dcl.append(entry["domContentLoadedEventEnd"])
                load.append(entry["loadEventEnd"])
            print(f"{label:<16} {runs:>5} {statistics.median(times):>10.0f} {max(times):>10.0f} "
                  f"{statistics.median(dcl):>8.0f} {statistics.median(load):>8.0f}")
        if options.history:
            history_page(page, server, Path(tmp), options.history, runs)
        browser.close()


def history_page(page, server: ConsoleServer, data_dir: Path, count: int, runs: int) -> None:
    """The call history with `count` calls: paged through Range, so each view holds one page."""
    from history import load_sqlite  # bench/history.py

    started = time.perf_counter()
    load_sqlite(data_dir / "voicebox.db", count, 1, [None, None])
    print(f"seeded {count:,} calls in {time.perf_counter() - started:.1f} s")
    rows = "document.querySelectorAll('table.calls tbody tr')"

    def timed(action, ready: str) -> float:
        begin = time.perf_counter()
        action()
        page.wait_for_function(ready)
        return (time.perf_counter() - begin) * 1000

    def shows(first: int) -> str:
        return (f"{rows}.length > 0 && document.querySelector('.pager span')"
                f".textContent.startsWith('{first}–')")

    first = []
    for _ in range(runs):
        page.goto(f"{server.url}/#/campaigns")
        page.wait_for_selector("text=VoiceBox")
        first.append(timed(lambda: page.goto(f"{server.url}/#/history"), shows(1)))
    turns = []
    next_page = page.get_by_role("button", name=re.compile("Вперёд|Next"))
    for i in range(runs):
        turns.append(timed(next_page.click, shows(51 + 50 * i)))
    results = [("first page", first), ("next page", turns)]
    jump = page.get_by_role("button", name=re.compile("Последняя|Last"))
    if jump.is_enabled():  # the total is known (the sweeper has counted the history)
        last_first = (count - 1) // 50 * 50 + 1
        results.append(("last page", [timed(jump.click, shows(last_first))]))
        back = page.get_by_role("button", name=re.compile("Первая|First"))
        results.append(("back to first", [timed(back.click, shows(1))]))
    kept = page.evaluate(f"{rows}.length")
    print(f"{'history (' + format(count, ',') + ' calls)':<28} {'median ms':>10} {'max ms':>10}")
    for label, samples in results:
        print(f"{label:<28} {statistics.median(samples):>10.0f} {max(samples):>10.0f}")
    print("pager: " + page.inner_text(".pager span"))
    print(f"table rows in the DOM: {kept}")


if __name__ == "__main__":
    main()
