"""Each worker job is switchable (`voicebox worker --jobs …`): a housekeeping-only worker never
places a call while a dialer-only one runs the campaign; unknown names are refused."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.campaigns.helpers import RICH
from tests.dialer.conftest import all_final, insert_campaign, wait_until
from voicebox.dialer.jobs import ALL_JOBS, parse_jobs


def test_parse_jobs():
    assert parse_jobs(None) == parse_jobs("all") == ALL_JOBS
    assert parse_jobs(" Dialer, sweeper ,") == {"dialer", "sweeper"}
    with pytest.raises(ValueError, match="unknown job bogus; known: dialer, wakeup"):
        parse_jobs("dialer,bogus")


async def test_jobs_split_between_workers(app, make_tenant, dialer, caplog):
    tenant = await make_tenant(balance=RICH)
    housekeeping = await dialer(jobs=frozenset({"sweeper", "retention", "wakeup"}))
    calling = await dialer(jobs=frozenset({"dialer"}))
    assert {task.get_name() for task in housekeeping._tasks} == {
        "persister", "heartbeat", "sweeper", "wakeup"}  # retention: off in these settings
    assert {task.get_name() for task in calling._tasks} == {"persister", "heartbeat", "dialer"}
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000301", "+79990000302"])
    assert await wait_until(lambda: all_final(app, campaign.id), limit=60)
    assert housekeeping.started_calls == 0 and calling.started_calls == 2
    # A worker without the claim loop stops its housekeeping when asked, never by cancelling
    # it mid-transaction after the grace period (its sweeper was once taken for the claim loop).
    with caplog.at_level(logging.ERROR, logger="voicebox.dialer.worker"):
        await housekeeping.stop(grace=5.0)
    assert "did not stop" not in caplog.text
    assert all(task.done() and not task.cancelled() for task in housekeeping._tasks)


def test_worker_refuses_unknown_jobs(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
    env |= {"VOICEBOX_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    done = subprocess.run([str(Path(sys.executable).with_name("voicebox")), "worker",
                           "--jobs", "dialer,bogus"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "--jobs: unknown job bogus" in done.stdout + done.stderr
