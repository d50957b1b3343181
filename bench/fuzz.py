"""Fuzz every operation of a real server for a chosen time and print what broke.

    .venv/bin/python bench/fuzz.py [--minutes 5] [--database sqlite|postgresql] [--seed N]

Rounds until the time is up; each round has its own random seed (printed, and `--seed N`
replays that round first) and runs
  * every operation with schemathesis' generated cases (valid and invalid), a third of them
    with unicode-heavy text put into the body and query (lone surrogates, non-ASCII digits,
    RTL and zero-width marks, NUL, astral characters, long strings);
  * schemathesis' stateful tests over the links it infers from the schema (create → read →
    update → delete of scenarios, campaigns, audio, numbers …).
The server is `voicebox serve` (with its dialer) on a scratch database of its own; requests carry
a live token of a real tenant, who owns a scenario, a number, a campaign, a call and an audio file
made afresh each round: half the generated ids are replaced by theirs, so the handlers get past
"not found". A finding is a 5xx, a timeout or a dropped connection; the table
lists each (operation, status) with its count and one curl reproducer (`$TOKEN`: a bearer token
of the tenant; the server's log, kept with VOICEBOX_BENCH_KEEP=1, has the traceback).
"""

from __future__ import annotations

import argparse
import io
import math
import random
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import requests
import schemathesis
from _server import PG_DEFAULT, Server
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.generation.stateful import run_state_machine_as_test

NASTY = [
    "\udc00", "a\ud800b", "\ud83d", "³", "٣", "１２３", "𝟘𝟙", "٠", "\u200f\u202e", "\u200b\u200d",
    "\x00", "\u0301\u0301", "😀" * 50, "Ж" * 5000, "\ufeff", "\uffff", "\U0010ffff", "ß" * 3,
    "İı", "'\"--;", "=1+1", "\r\n\t", "9" * 40, "-0", "1e400", "NaN",
]
TIMEOUT = 60
SCENARIO = {
    "title": "Fuzz", "type": "outgoing", "customVariables": ["fio"],
    "states": [
        {"type": "Initial", "name": "start", "success": "call"},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}", "success": "ask",
         "error": "end"},
        {"type": "IVR", "name": "ask", "awaitingTime": 2, "repeatCount": 1,
         "keyboardInput": True, "announcement": {"type": "text", "text": "{{fio}}, нажмите 1"},
         "inputAnalysis": [{"dtmf": "1", "success": "end"}], "onNoInput": "end",
         "onInvalidInput": "end", "success": "end", "error": "end"},
        {"type": "ReleaseCall", "name": "end"}],
}


def _tone_wav() -> bytes:
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(i / 8000 * 2 * math.pi * 440)))
                      for i in range(8000))
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(frames), b"WAVE", b"fmt ", 16,
                         1, 1, 8000, 16000, 2, 16, b"data", len(frames))
    return header + frames


def make_objects(server: Server) -> dict[str, list[Any]]:
    """Real objects of the tenant (scenario, number, campaign, call, audio), so that a share of
    the fuzzed ids name something that exists and the handlers' deeper paths run."""
    base = f"/v1/customers/{server.customer_id}"
    pools: dict[str, list[Any]] = {}
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=TIMEOUT) as http:
        scenario = http.post(f"{base}/scenarios", json=SCENARIO).json().get("id")
        free = http.get("/v1/numbers", headers={"Range": "numbers=0-0"}).json()
        number = free[0]["number"] if free else None
        if number is not None:
            http.post(f"{base}/numbers", json={"orderItemNumber": str(number)})
        owned = http.get(f"{base}/numbers").json()
        campaign = http.post(f"{base}/campaigns", json={
            "name": "Fuzz", "campaignType": "Исходящая по http", "scenario": {"id": str(scenario)},
            "callerNumber": {"id": str(owned[0]["number"]) if owned else "0"}}).json()
        call = None
        if isinstance(campaign, dict) and campaign.get("entryPoint"):
            call = http.post("/v1/sb", json={"method": campaign["entryPoint"]["id"],
                                              "number": "+79161234567",
                                              "data": {"fio": "Ф"}}).json().get("id")
        audio = http.post(f"{base}/audio", files={"file": ("tone.wav", io.BytesIO(_tone_wav()))})
    campaign_id = campaign.get("id") if isinstance(campaign, dict) else None
    pools["scenario_id"] = [scenario]
    pools["campaign_id"] = pools["report_id"] = pools["campaignId"] = [campaign_id]
    pools["number_id"] = [number] + [n.get("id") for n in owned if isinstance(n, dict)]
    pools["call_id"] = [call]
    pools["audio_id"] = [audio.json().get("id") if audio.status_code == 201 else None]
    return {key: [v for v in values if v is not None] for key, values in pools.items()}


@dataclass
class Findings:
    counts: Counter = field(default_factory=Counter)
    reproducers: dict[tuple[str, str], str] = field(default_factory=dict)
    seeds: dict[tuple[str, str], int] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    calls: int = 0
    stateful_calls: int = 0

    def add(self, operation: str, status: str, reproducer: str, seed: int) -> None:
        key = (operation, status)
        self.counts[key] += 1
        self.reproducers.setdefault(key, reproducer)
        self.seeds.setdefault(key, seed)


def _nasty_text(value: Any, rng: random.Random) -> Any:
    """Replace some strings inside a JSON-like value with unicode-heavy ones."""
    if isinstance(value, str):
        return rng.choice(NASTY) + value if rng.random() < 0.5 else rng.choice(NASTY)
    if isinstance(value, dict):
        return {k: _nasty_text(v, rng) if rng.random() < 0.6 else v for k, v in value.items()}
    if isinstance(value, list):
        return [_nasty_text(v, rng) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and rng.random() < 0.3:
        return rng.choice(["³", "١٢", "９", "9" * 30])
    return value


class Fuzzer:
    def __init__(self, server: Server, findings: Findings, deadline: float):
        self.server = server
        self.findings = findings
        self.deadline = deadline
        self.schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        self.operations = [result.ok() for result in self.schema.get_all_operations()]
        self.seed = 0
        self.rng = random.Random(0)
        self.objects: dict[str, list[Any]] = {}

    def new_round(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.objects = make_objects(self.server)

    @property
    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    def _prepare(self, case: Any) -> None:
        """The tenant's own customer id; half the time a real object's id for the others."""
        for params in (case.path_parameters, case.query):
            if not isinstance(params, dict):
                continue
            for name in list(params):
                if name == "customer_id":
                    params[name] = self.server.customer_id
                elif self.objects.get(name) and self.rng.random() < 0.5:
                    params[name] = self.rng.choice(self.objects[name])

    def _curl(self, case: Any) -> str:
        try:
            curl = case.as_curl_command(base_url=self.server.url)
        except (UnicodeError, ValueError, TypeError):
            return repr(case)
        return curl.replace("-X ", "-H \"Authorization: Bearer $TOKEN\" -X ", 1)

    def _call(self, case: Any) -> Any:
        """Send a case; record a finding; the response, or None when the client could not send it."""
        self.findings.calls += 1
        label = case.operation.label
        try:
            response = case.call(base_url=self.server.url, headers=self.server.headers,
                                 timeout=TIMEOUT)
        except requests.Timeout:
            self.findings.add(label, "timeout", self._curl(case), self.seed)
            return None
        except requests.ConnectionError:
            self.findings.add(label, "connection dropped", self._curl(case), self.seed)
            if not self.server.alive:
                raise SystemExit(f"the server died; its log:\n{self.server.log_tail()}") from None
            return None
        except (UnicodeError, ValueError, TypeError):
            self.findings.statuses["unsendable"] += 1  # the client cannot encode it: no finding
            return None
        self.findings.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.findings.add(label, str(response.status_code), self._curl(case), self.seed)
        return response

    def operations_round(self, examples: int) -> None:
        for operation in self.operations:
            if not self.time_left:
                return
            strategy = operation.as_strategy()

            @hypothesis.seed(self.seed)
            @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                                 phases=[Phase.generate], derandomize=False,
                                 suppress_health_check=list(HealthCheck))
            @hypothesis.given(case=strategy, unicode_heavy=st.integers(0, 2),
                              rng_seed=st.integers(0, 2**32))
            def run(case: Any, unicode_heavy: int, rng_seed: int) -> None:
                if not self.time_left:
                    return
                self._prepare(case)
                if unicode_heavy == 0:
                    rng = random.Random(rng_seed)
                    if isinstance(case.body, dict | list):
                        case.body = _nasty_text(case.body, rng)
                    if case.query:
                        case.query = _nasty_text(case.query, rng)
                self._call(case)

            run()

    def stateful_round(self, scenarios: int) -> None:
        fuzzer = self

        class Machine(self.schema.as_state_machine()):  # type: ignore[misc]
            def before_call(self, case: Any) -> None:
                fuzzer._prepare(case)

            def call(self, case: Any, **kwargs: Any) -> Any:
                # reject(), not an exception: a failing run would be replayed against a server
                # whose state has moved on (Hypothesis then reports a flaky strategy).
                if not fuzzer.time_left:
                    hypothesis.reject()
                fuzzer.findings.stateful_calls += 1
                response = fuzzer._call(case)
                if response is None:
                    hypothesis.reject()
                return response

            def validate_response(self, *args: Any, **kwargs: Any) -> None:
                return None  # findings are recorded in call(); keep walking

        try:
            run_state_machine_as_test(Machine, settings=hypothesis.settings(
                max_examples=scenarios, deadline=None, database=None, stateful_step_count=8,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                derandomize=False))
        except Exception as error:  # a broken machine must not end the run
            self.findings.statuses[f"stateful: {type(error).__name__}"] += 1


def _print_table(findings: Findings, minutes: float, database: str, rounds: list[int]) -> None:
    print(f"\n{database}: {findings.calls} requests ({findings.stateful_calls} in stateful "
          f"sequences) in {minutes:.1f} min, "
          f"{len(rounds)} rounds, seeds {rounds}")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(findings.statuses.items(), key=str))
    print(f"statuses: {statuses}")
    if not findings.counts:
        print("findings: none (no 5xx, timeout or dropped connection)")
        return
    print(f"\n{'operation':<62} {'status':>8} {'count':>6} {'seed':>11}")
    for (operation, status), count in findings.counts.most_common():
        print(f"{operation:<62} {status:>8} {count:>6} {findings.seeds[(operation, status)]:>11}")
    print("\nOne reproducer each:")
    for (operation, status), curl in findings.reproducers.items():
        print(f"# {operation} → {status}\n{curl}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server for the scratch db")
    parser.add_argument("--seed", type=int, help="replay this round's seed first")
    parser.add_argument("--examples", type=int, default=20, help="cases per operation a round")
    parser.add_argument("--scenarios", type=int, default=30, help="stateful runs a round")
    args = parser.parse_args()

    findings = Findings()
    rounds: list[int] = []
    started = time.monotonic()
    with Server(args.database, pg_server=args.pg) as server:
        print(f"server {server.url} (pid {server.process.pid}, {args.database}); "
              f"fuzzing for {args.minutes:g} min", flush=True)
        fuzzer = Fuzzer(server, findings, started + args.minutes * 60)
        while fuzzer.time_left:
            seed = args.seed if args.seed is not None and not rounds \
                else random.SystemRandom().randrange(2**31)
            rounds.append(seed)
            fuzzer.new_round(seed)
            print(f"round {len(rounds)}: seed {fuzzer.seed} "
                  f"({len(findings.counts)} findings so far)", flush=True)
            fuzzer.operations_round(args.examples)
            fuzzer.stateful_round(args.scenarios)
        _print_table(findings, (time.monotonic() - started) / 60, args.database, rounds)


if __name__ == "__main__":
    main()
