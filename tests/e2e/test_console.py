"""The web console in a real browser (Debian's Chromium through Playwright) against a real
server: sign in, draw a 5-state scenario from the palette, see a validation problem on its node
and fix it, save and reload, try it on the simulator and see the path lit, create a campaign
from a CSV, watch it finish, play a recording, download the report.

A screenshot of every step goes to tests/e2e/screenshots/ (VOICEBOX_E2E_SCREENSHOTS overrides).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.console_server import PASSWORD, USERNAME, ConsoleServer
from voicebox.console import STATIC_DIR

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("VOICEBOX_E2E_SCREENSHOTS")
             or Path(__file__).parent / "screenshots")
CSV = "phone,fio\n" + "".join(f"+7999123450{n},Клиент {n}\n" for n in range(1, 6))
WAIT = int(os.environ.get("VOICEBOX_E2E_WAIT_MS", "60000"))  # generous, for two busy cores

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is absent (scripts/setup.sh installs Debian's chromium)"),
]


class Steps:
    """Takes a numbered screenshot of the page at every step."""

    def __init__(self, page):
        self.page = page
        self.count = 0
        if SHOTS.exists():
            shutil.rmtree(SHOTS)
        SHOTS.mkdir(parents=True)

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(SHOTS / f"{self.count:02d}-{name}.png"))


def node(page, name: str):
    return page.locator(f".react-flow__node:has([data-state='{name}'])")


def drag(page, source, target, *, dx: float = 0, dy: float = 0) -> None:
    """Press on `source`, move in steps to `target` (offset by dx, dy) and let go."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = end["x"] + end["width"] / 2 + dx, end["y"] + end["height"] / 2 + dy
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def steady_box(locator) -> dict:
    """The element's box once two reads in a row agree (the graph re-lays out after edits)."""
    box = locator.bounding_box()
    for _ in range(50):
        locator.page.wait_for_timeout(50)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    return box


def connect(page, source: str, field: str, target: str) -> None:
    """Draw an edge from a field's handle to a state, until the state's field points there."""
    from playwright.sync_api import expect

    handle = node(page, source).locator(f".node-handle[data-field='{field}'] .react-flow__handle")
    done = node(page, source).locator(f".node-handle[data-target='{target}']")
    if field.endswith("[+]"):
        wanted = done.count() + 1
    else:
        done = node(page, source).locator(f".node-handle[data-field='{field}'][data-target='{target}']")
        wanted = 1
    for attempt in range(3):
        steady_box(handle)
        drag(page, handle, node(page, target).locator(".react-flow__handle.target"))
        try:
            expect(done).to_have_count(wanted, timeout=5000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def select(page, name: str) -> None:
    """Click a state by its name (the node's middle may be a handle)."""
    from playwright.sync_api import expect

    node(page, name).locator(".node-name").click()
    expect(page.locator("#field-name")).to_have_value(name)


def open_recorded_call(page) -> None:
    """Open an answered call whose recording is written (the recorder finishes after the call)."""
    for _ in range(60):
        page.click("nav a[href='#/campaigns']")
        page.click("nav a[href='#/history']")
        answered = page.locator("table.calls tr",
                                has=page.locator("td:nth-child(4)", has_text="200"))
        answered.first.locator("button.open-call").click()
        if page.locator("#play").is_visible():
            return
        page.wait_for_timeout(500)
    raise AssertionError("no answered call got its recording")


def focus_shows(page, locator, part: str, prop: str) -> str:
    """Focus an element from the keyboard (Shift+Tab away and Tab back, so it is
    :focus-visible) and read a style of its `part`."""
    locator.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    return locator.evaluate(
        "(el, [part, prop]) => el.matches(':focus-visible') && el === document.activeElement ? getComputedStyle(el.querySelector(part))[prop] : 'not focus-visible'",
        [part, prop])


def drop_from_palette(page, kind: str, x: int, y: int) -> None:
    """HTML5 drag and drop from the palette onto the canvas at (x, y) in the page."""
    page.evaluate(
        """([kind, x, y]) => {
          const data = new DataTransfer();
          const item = document.querySelector(`.palette-item[data-kind="${kind}"]`);
          item.dispatchEvent(new DragEvent("dragstart", {dataTransfer: data, bubbles: true}));
          const canvas = document.querySelector(".canvas");
          for (const type of ["dragover", "drop"]) {
            canvas.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true,
                                                     cancelable: true, clientX: x, clientY: y}));
          }
        }""",
        [kind, x, y],
    )


def sign_in(page, steps: Steps, name: str) -> None:
    page.wait_for_url("**/oauth/authorize**", timeout=WAIT)
    steps.shot(name)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[value=approve]")


def test_console_end_to_end(tmp_path):
    if not (STATIC_DIR / "index.html").is_file():
        pytest.fail("the console is not built: run scripts/setup.sh (needs Node.js and npm)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT)
    errors: list[str] = []
    with ConsoleServer(tmp_path) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(WAIT)

        def on_console(message) -> None:
            if message.type == "error":
                errors.append(f"{message.text} ({message.location['url']})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(str(error)))
        steps = Steps(page)
        print(f"\nscreenshots: {SHOTS}")
        try:
            walk_through(page, steps, server)
        except BaseException:
            steps.shot("failure")
            raise
        finally:
            browser.close()
    assert errors == []


def walk_through(page, steps: Steps, server: ConsoleServer) -> None:
    """Every step a new user takes, as the issue's done-when lists them."""
    from playwright.sync_api import expect

    # Sign in through the server's login page (authorization code + PKCE).
    page.goto(server.url + "/")
    sign_in(page, steps, "login")
    expect(page.get_by_role("heading", name="Сценарии")).to_be_visible()
    steps.shot("scenarios")

    # A number to call from.
    page.click("a[href='#/numbers']")
    page.locator("table.numbers-found button.buy").first.click()
    expect(page.locator("text=74951110001 ✓").or_(page.locator("text=✓").first)).to_be_visible()
    expect(page.locator("#balance")).to_contain_text("RUB")
    # The number column is headed "Номер" (it once repeated the page's title), each row's
    # buttons name their number for screen readers.
    expect(page.locator("table.numbers-found th").first).to_have_text("Номер")
    expect(page.get_by_role("button", name="Купить 74951110002")).to_be_visible()
    steps.shot("numbers")

    # A new scenario: start → bye; then three states from the palette.
    page.click("a[href='#/scenarios']")
    page.fill("form.card:first-child input", "Опрос E2E")
    page.click("form.card:first-child button[type=submit]")
    expect(node(page, "start")).to_be_visible()
    canvas = page.locator(".canvas").bounding_box()
    left, top = canvas["x"], canvas["y"]
    # Beside start and bye, which the view centres.
    drop_from_palette(page, "VoiceMessage", left + 520, top + 30)
    drop_from_palette(page, "IVR", left + 520, top + 230)
    drop_from_palette(page, "VoiceMessage", left + 520, top + 470)
    for name in ("voicemessage1", "ivr1", "voicemessage2"):
        expect(node(page, name)).to_be_visible()
    connect(page, "start", "success", "voicemessage1")
    connect(page, "voicemessage1", "success", "ivr1")
    connect(page, "ivr1", "inputAnalysis[+]", "voicemessage2")
    connect(page, "ivr1", "success", "bye")
    connect(page, "voicemessage2", "success", "bye")
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    page.click("#undo")  # the last edge goes, and comes back
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    page.click("#redo")
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    # Edges are named by their states and field (not the graph's internal ids)…
    expect(page.locator(".react-flow__edge[aria-label='start → voicemessage1: успех']")).to_have_count(1)
    # …and a focused node or edge shows where the keyboard is (React Flow removes outlines).
    assert focus_shows(page, node(page, "bye"), ".state-node", "outlineStyle") == "solid"
    assert focus_shows(page, page.locator(".react-flow__edge").first, ".react-flow__edge-path",
                       "stroke") == "rgb(240, 165, 0)"
    steps.shot("drawn")

    # The API's problems show on their nodes: empty announcements, a branch matching nothing.
    expect(node(page, "ivr1").locator(".state-node.has-problems")).to_be_visible()
    expect(node(page, "voicemessage1").locator(".node-problems")).to_contain_text(
        "neither text nor file")
    select(page, "ivr1")
    expect(page.locator(".state-form .branch .field-problems")).to_contain_text("no way to match")
    # The side panel's fields read in the console's language (with the API's key beside them).
    expect(page.locator("label[for=field-awaitingTime]")).to_have_text("Ожидание ввода, с awaitingTime")
    steps.shot("problem")
    page.fill(".branch-dtmf", "1")
    for name, text in (("voicemessage1", "Здравствуйте! Ответьте, пожалуйста."),
                       ("voicemessage2", "Спасибо, до свидания.")):
        select(page, name)
        page.fill("#field-announcement-text", text)
    page.click("#listen")  # the TTS preview of the prompt just typed
    page.wait_for_function("""() => { const a = document.querySelector('#preview-audio');
                                      return a && a.readyState >= 1 && a.duration > 0; }""")
    expect(page.locator("#validity")).to_have_text("Сценарий корректен")
    expect(page.locator(".state-node.has-problems")).to_have_count(0)
    steps.shot("fixed")

    # Save, reload (tokens live in memory: sign in again), and see the same graph.
    page.click("#save")
    expect(page.locator(".toolbar .message")).to_contain_text("Сохранено")
    before = page.eval_on_selector_all(
        ".react-flow__node", "els => els.map(e => [e.textContent, e.style.transform]).sort()")
    page.reload()
    sign_in(page, steps, "login-again")
    expect(node(page, "voicemessage2")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    after = page.eval_on_selector_all(
        ".react-flow__node", "els => els.map(e => [e.textContent, e.style.transform]).sort()")
    assert after == before
    steps.shot("reloaded")

    # Try it on the simulator: the subscriber answers and presses 1.
    page.click("#try-open")
    page.fill("#try-inputs", "1")
    page.click("#try-run")
    expect(page.locator("#try-trace")).to_be_visible()
    for name in ("start", "voicemessage1", "ivr1", "voicemessage2", "bye"):
        expect(node(page, name).locator(".state-node.lit")).to_be_visible()
    expect(page.locator(".react-flow__edge.lit")).to_have_count(4)
    steps.shot("tried")

    # An incoming scenario is tried too: the simulator rings an inbound campaign on our number.
    page.click("nav a[href='#/scenarios']")
    page.fill("form.card:first-child input", "Входящий E2E")
    page.select_option("form.card:first-child select", "incoming")
    page.click("form.card:first-child button[type=submit]")
    expect(node(page, "bye")).to_be_visible()
    page.click("#try-open")
    expect(page.locator("#try-result")).to_have_count(0)  # a caller rings: no dial outcome to pick
    page.click("#try-run")
    expect(page.locator("#try-trace")).to_be_visible()
    for name in ("start", "bye"):
        expect(node(page, name).locator(".state-node.lit")).to_be_visible()
    expect(page.locator(".react-flow__edge.lit")).to_have_count(1)
    steps.shot("tried-inbound")
    # At phone width the palette, canvas and panel stack; no palette button is cut off.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("""() => { const p = document.querySelector('.palette');
                                      return p.scrollHeight <= p.clientHeight + 1; }""")
    steps.shot("editor-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # A campaign from a CSV, all day, watched until every abonent is done.
    page.click("a[href='#/campaigns']")
    page.click("a[href='#/campaigns/new']")
    page.fill("input[name=name]", "Кампания E2E")
    page.fill("input[name=scheduleCallingCycleStart]", "00:00")
    page.fill("input[name=scheduleCallingCycleStop]", "00:00")
    page.fill("input[name=scheduleAttempts]", "1")
    page.set_input_files("input[name=abonents]", files=[{
        "name": "abonents.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    expect(page.locator("table.preview")).to_contain_text("+79991234501")
    steps.shot("campaign-form")
    page.click(".campaign-form button[type=submit]")
    expect(page.locator("#tile-total")).to_have_text("5")
    expect(page.locator(".dashboard h1 .status")).to_have_text("Активна")  # translated status
    steps.shot("campaign-running")
    expect(page.locator("#campaign-finished")).to_contain_text("✓")
    expect(page.locator("#answers")).to_contain_text("ivr1")  # answers per IVR branch (stats)
    expect(page.locator("#tile-spent")).not_to_have_text("0.00")
    steps.shot("campaign-finished")
    page.set_viewport_size({"width": 390, "height": 844})  # the dashboard at phone width
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")
    steps.shot("campaign-finished-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The report, as a download.
    with page.expect_download() as download:
        page.click("#report-csv")
    report = SHOTS / "report.csv"
    download.value.save_as(report)
    assert report.read_text(encoding="utf-8-sig").count("\n") >= 6

    # Money: the balance and the ledger behind it (opening top-up, the number, the calls).
    page.click("nav a[href='#/ledger']")
    expect(page.locator("#balance")).to_contain_text("RUB")
    entries = page.locator("table.ledger-entries tbody tr[data-index]")
    expect(entries.first).to_be_visible()
    expect(page.locator("table.ledger-entries .amount-neg").first).to_be_visible()
    expect(page.locator("table.ledger-entries")).to_contain_text("topup")
    entries.first.focus()  # rows are keyboard reachable: arrows move between them
    page.keyboard.press("ArrowDown")
    expect(entries.nth(1)).to_be_focused()
    steps.shot("ledger")

    # History: open an answered call and play its recording.
    open_recorded_call(page)
    # The player streams with byte ranges (206), not one download of the whole file.
    record_statuses: list[int] = []
    page.on("response", lambda r: "/v1/callRecord" in r.url and record_statuses.append(r.status))
    page.click("#play")
    duration = page.wait_for_function(
        """() => { const a = document.querySelector('#recording');
                   return a && a.readyState >= 1 && a.duration > 0 ? a.duration : null; }""")
    assert duration.json_value() > 0
    page.eval_on_selector("#recording", "a => { a.currentTime = a.duration / 2; }")
    page.wait_for_function("() => document.querySelector('#recording').readyState >= 2")
    assert 206 in record_statuses and 200 not in record_statuses, record_statuses
    expect(page.locator("#recording")).to_have_attribute("aria-label", "Запись звонка")
    # Dates in the console's language (not the browser's en-US locale).
    expect(page.locator("table.calls tbody tr[data-index] td").first).to_have_text(
        re.compile(r"^\d\d\.\d\d\.\d{4}, \d\d:\d\d:\d\d$"))
    steps.shot("recording")
    # At phone width the history (table, then the call) fits: the table scrolls, not the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")
    steps.shot("recording-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator(".trace-steps li").first).to_be_visible()

    # The same call's path, drawn on its scenario.
    page.click("#trace-on-graph")
    # The first state every answered call plays (which later states it reached depends on the
    # subscriber drawn for the call that happened to be opened: one may hang up early).
    expect(node(page, "voicemessage1").locator(".state-node.lit")).to_be_visible()
    steps.shot("call-on-graph")

    # English on the switch; sign out revokes the tokens.
    page.click("text=English")
    expect(page.get_by_role("link", name="Call history")).to_be_visible()
    steps.shot("english")
    page.click("text=Sign out")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    steps.shot("signed-out")
