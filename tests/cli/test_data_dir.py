"""Every `voicebox` command finds the server's data whatever the current directory, and refuses
(naming the path and the variable) rather than silently starting an empty database elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicebox.config import Settings, data_base_dir

VOICEBOX = str(Path(sys.executable).with_name("voicebox"))


def _run(*args: str, cwd: Path, data_dir: Path | str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
    env |= {"VOICEBOX_DATA_DIR": str(data_dir), "VOICEBOX_SEED_NUMBERS": "false",
            "COLUMNS": "200"}
    return subprocess.run([VOICEBOX, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_default_and_relative_data_dir_do_not_depend_on_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("VOICEBOX_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    default = Settings().data_dir
    assert default.is_absolute() and default == data_base_dir() / "var"
    monkeypatch.setenv("VOICEBOX_DATA_DIR", "some/data")
    assert Settings().data_dir == data_base_dir() / "some" / "data"
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(tmp_path / "abs"))
    assert Settings().data_dir == tmp_path / "abs"


def test_admin_refuses_a_data_dir_without_a_database(tmp_path: Path):
    empty = tmp_path / "empty"
    result = _run("admin", "create-customer", "--name", "Acme", cwd=tmp_path, data_dir=empty)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert str(empty / "voicebox.db") in message
    assert "VOICEBOX_DATA_DIR" in message
    assert not (empty / "voicebox.db").exists()


@pytest.mark.slow
def test_admin_from_any_directory_writes_the_same_database(tmp_path: Path):
    data = tmp_path / "data"
    assert _run("db", "upgrade", cwd=tmp_path, data_dir=data).returncode == 0
    first, second = tmp_path / "a", tmp_path / "b" / "c"
    first.mkdir()
    second.mkdir(parents=True)
    ids = []
    for cwd in (first, second):
        result = _run("admin", "create-customer", "--name", "Acme", cwd=cwd, data_dir=data)
        assert result.returncode == 0, result.stderr
        ids.append(json.loads(result.stdout)["id"])
    assert ids[1] == ids[0] + 1
    assert not list(first.iterdir()) and not list(second.iterdir())
