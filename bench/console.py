"""The web console: bundle size, and how long the editor takes to show a 46-state scenario.

Runs a real `voicebox serve` and Debian's Chromium (like tests/e2e/test_console.py), signs in,
stores the 46-state test scenario (with and without positions) and opens it in the editor N
times: from navigation start to every node and edge drawn, plus the browser's own
DOMContentLoaded / load of the console. Prints a table.

`--history N` (default 100,000) also seeds N ended calls straight into the server's database
(bench/history.py's loader) and times the call history page with them: first page shown, each
page turn, the jump to the last page and back, scrolling a page to its end, and the DOM rows kept
(paged through Range and virtualised: a screenful, never a page, never N).

`--lighthouse` (default on; `--no-lighthouse` skips it) runs Lighthouse (the pinned npm package,
web/scripts/lighthouse.mjs) with Debian's Chromium on the editor opening the positioned 46-state
scenario: performance score, FCP, LCP, TBT and Speed Index of the navigation from the login
form's *Approve* to the graph drawn (desktop preset, simulated throttling). Bench only, not CI.

    .venv/bin/python bench/console.py [--runs 5] [--history 100000] [--no-lighthouse]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def signed_in(playwright: Any, server: ConsoleServer, path: str) -> tuple[Any, Any]:
    """A new browser and its page on the console's `path`, past the sign-in form."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server.url + path)
    page.wait_for_url("**/oauth/authorize**")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[value=approve]")
    page.wait_for_selector("text=VoiceBox")
    return browser, page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--lighthouse", action=argparse.BooleanOptionalAction, default=True)
    options = parser.parse_args()
    runs = options.runs
    from playwright.sync_api import sync_playwright

    print(f"cores: {os.cpu_count()}, load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'asset':<32} {'bytes':>10} {'gzip':>10}")
    for name, size, packed in bundle():
        print(f"{name:<32} {size:>10,} {packed:>10,}")
    with tempfile.TemporaryDirectory() as tmp, ConsoleServer(Path(tmp)) as server, \
            sync_playwright() as playwright:
        browser, page = signed_in(playwright, server, "/")
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
        browser.close()
        if options.lighthouse:
            lighthouse(server, stored["with positions"], runs=min(runs, 3))
        if options.history:
            browser, page = signed_in(playwright, server, "/#/campaigns")
            history_page(page, server, Path(tmp), options.history, runs)
            browser.close()


def lighthouse(server: ConsoleServer, scenario_id: int, runs: int) -> None:
    """Lighthouse on the editor with the 46-state scenario (web/scripts/lighthouse.mjs)."""
    script = ROOT / "web" / "scripts" / "lighthouse.mjs"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    results = []
    for _ in range(runs):
        done = subprocess.run(
            ["node", str(script), f"{server.url}/#/scenarios/{scenario_id}", USERNAME, PASSWORD],
            cwd=ROOT / "web", env=env, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            print("lighthouse failed: " + done.stderr.strip()[-500:])
            return
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'lighthouse (46 states)':<24} {'perf':>5} {'FCP ms':>7} {'LCP ms':>7} "
          f"{'TBT ms':>7} {'SI ms':>7} {'nodes':>6}")
    for r in results:
        print(f"{'editor, desktop preset':<24} {r['performance']:>5} {r['fcp']:>7} {r['lcp']:>7} "
              f"{r['tbt']:>7} {r['speedIndex']:>7} {r['nodes']:>6}")
    # The navigation measured starts at the login form's POST (the OAuth redirect back is the
    # point: the console's real first load), which Lighthouse notes; one line per kind of note.
    for warning in {re.sub(r"\?code=\S+", "?code=…", w) for r in results for w in r["warnings"]}:
        print("lighthouse note: " + warning)


def history_page(page, server: ConsoleServer, data_dir: Path, count: int, runs: int) -> None:
    """The call history with `count` calls: paged through Range, so each view holds one page."""
    from history import load_sqlite  # bench/history.py

    started = time.perf_counter()
    load_sqlite(data_dir / "voicebox.db", count, 1, [None, None])
    print(f"seeded {count:,} calls in {time.perf_counter() - started:.1f} s")
    rows = "document.querySelectorAll('table.calls tbody tr[data-index]')"
    size = 200  # rows per Range request (web/src/pages/History.tsx)

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
        turns.append(timed(next_page.click, shows(1 + size * (i + 1))))
    results = [("first page", first), ("next page", turns)]
    jump = page.get_by_role("button", name=re.compile("Последняя|Last"))
    if jump.is_enabled():  # the total is known (the sweeper has counted the history)
        last_first = (count - 1) // size * size + 1
        results.append(("last page", [timed(jump.click, shows(last_first))]))
        back = page.get_by_role("button", name=re.compile("Первая|First"))
        results.append(("back to first", [timed(back.click, shows(1))]))
    # Within a page: scroll to its last row (the virtualiser swaps the rows in the DOM).
    scroll = []
    for _ in range(runs):
        page.evaluate("document.querySelector('.table-scroll').scrollTop = 0")
        page.wait_for_function("document.querySelector('tr[data-index=\"0\"]') !== null")
        scroll.append(timed(
            lambda: page.evaluate("document.querySelector('.table-scroll').scrollTop = 1e9"),
            f"document.querySelector('tr[data-index=\"{size - 1}\"]') !== null"))
    results.append(("scroll a page to its end", scroll))
    kept = page.evaluate(f"{rows}.length")
    print(f"{'history (' + format(count, ',') + ' calls)':<28} {'median ms':>10} {'max ms':>10}")
    for label, samples in results:
        print(f"{label:<28} {statistics.median(samples):>10.0f} {max(samples):>10.0f}")
    print("pager: " + page.inner_text(".pager span"))
    print(f"table rows in the DOM: {kept} of a {size}-row page")


if __name__ == "__main__":
    main()
