"""`voicebox asr transcribe | detect` as real processes: JSON lines, errors, exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media.conftest import quiet
from voicebox.media.audio import write_wav
from voicebox.media.caller_voices import over_the_line

VOICEBOX = str(Path(sys.executable).with_name("voicebox"))


def run(args, model_dir, tmp_path, **env):
    environment = {**os.environ, "VOICEBOX_DATA_DIR": str(tmp_path / "data"),
                   "VOICEBOX_ASR_MODEL_DIR": str(model_dir), **env}
    done = subprocess.run([VOICEBOX, "asr", *map(str, args)], capture_output=True, text=True,
                          env=environment, timeout=300)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


@pytest.fixture
def wavs(tmp_path, caller_phrases):
    import random

    rng = random.Random(5)
    files = {name: write_wav(tmp_path / f"{name}.wav", over_the_line(caller_phrases[name], rng))
             for name in ("neint", "dva", "voicemail", "hello")}
    files["silent"] = write_wav(tmp_path / "silent.wav", quiet(2.0))
    files["empty"] = write_wav(tmp_path / "empty.wav", b"")
    files["broken"] = tmp_path / "broken.wav"
    files["broken"].write_bytes(b"RIFF not really a wave")
    files["stereo"] = write_wav(tmp_path / "stereo.wav", quiet(1.0), channels=2)
    return files


def test_transcribe_prints_one_line_per_file_and_fails_only_the_unreadable(
        wavs, whisper_dir, tmp_path):
    code, lines, stderr = run(["transcribe", wavs["neint"], wavs["broken"], wavs["silent"],
                               wavs["empty"], wavs["stereo"], tmp_path / "missing.wav",
                               "--language", "ru", "--expect", "intents"], whisper_dir, tmp_path)
    assert code == 1 and "Traceback" not in stderr
    assert [line["file"] for line in lines] == [str(wavs[n]) for n in (
        "neint", "broken", "silent", "empty", "stereo")] + [str(tmp_path / "missing.wav")]
    spoken, broken, silent, empty, stereo, missing = lines
    assert set(spoken) == {"file", "text", "confidence", "intent", "digits"}
    assert spoken["intent"] == "refuse" and "интересно" in spoken["text"].lower()
    assert silent == {"file": str(wavs["silent"]), "text": "", "confidence": 0.0, "intent": "",
                      "digits": ""}
    assert empty["text"] == ""
    assert set(broken) == set(stereo) == set(missing) == {"file", "error"}
    assert "8000 Hz mono" in stereo["error"]


def test_transcribe_digits_and_detect(wavs, whisper_dir, tmp_path):
    code, lines, _ = run(["transcribe", wavs["dva"], "--language", "ru", "--expect", "digits"],
                         whisper_dir, tmp_path)
    assert code == 0 and lines[0]["digits"] == "2" and lines[0]["intent"] == ""
    code, lines, _ = run(["detect", wavs["voicemail"], wavs["hello"], wavs["silent"],
                          "--language", "ru"], whisper_dir, tmp_path)
    assert code == 0
    assert [(line["kind"], line["cause"]) for line in lines] == [
        ("machine", "voicemail_words"), ("human", "short_greeting"), ("unknown", "silence")]
    assert set(lines[0]) == {"file", "kind", "confidence", "cause"}


def test_recognition_off_exits_2_with_a_reason(wavs, whisper_dir, tmp_path):
    code, lines, stderr = run(["transcribe", wavs["dva"]], whisper_dir, tmp_path,
                              VOICEBOX_ASR="off")
    assert code == 2 and lines == []
    assert len(stderr.strip().splitlines()) == 1 and "off" in stderr
