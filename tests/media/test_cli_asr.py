"""`voicebox asr transcribe | detect` as real processes: JSON lines, errors, exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media.conftest import lying_about_its_size, quiet, sparse_wav, video_only
from voicebox.media.audio import compress, wav_bytes, write_wav
from voicebox.media.caller_voices import over_the_line

VOICEBOX = str(Path(sys.executable).with_name("voicebox"))


def run(args, model_dir, tmp_path, **env):
    environment = {**os.environ, "VOICEBOX_DATA_DIR": str(tmp_path / "data"),
                   "VOICEBOX_ASR_MODEL_DIR": str(model_dir), **env}
    done = subprocess.run([VOICEBOX, "asr", *map(os.fsencode, args)], capture_output=True,
                          text=True, env=environment, timeout=300)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


def sox(src: Path, dest: Path, *options: str) -> Path:
    subprocess.run(["sox", str(src), *options, str(dest)], check=True)
    return dest


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
    files["stereo"] = write_wav(tmp_path / "stereo.wav", quiet(1.0), channels=2, rate=16000)
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
    assert stereo == {**silent, "file": str(wavs["stereo"])}  # 16 kHz stereo is converted
    assert set(broken) == set(empty) == set(missing) == {"file", "error"}
    assert empty["error"] == "empty.wav: contains no audio"


async def test_telephone_recordings_in_any_format_are_heard(wavs, whisper_dir, tmp_path):
    """μ-law and A-law WAV as call recorders write them, wide-band, stereo, 8-bit, MP3, OGG."""
    src = wavs["neint"]
    files = [
        sox(src, tmp_path / "ulaw.wav", "-e", "u-law"),
        sox(src, tmp_path / "alaw.wav", "-e", "a-law"),
        sox(src, tmp_path / "cd.wav", "-r", "44100", "-c", "2"),
        sox(src, tmp_path / "8bit.wav", "-r", "16000", "-b", "8"),
        await compress(src, tmp_path / "neint.mp3"),
        await compress(src, tmp_path / "neint.ogg"),
    ]
    code, lines, stderr = run(["transcribe", *files, "--language", "ru", "--expect", "intents"],
                              whisper_dir, tmp_path)
    assert code == 0 and stderr == ""
    assert [line["file"] for line in lines] == list(map(str, files))
    assert [line["intent"] for line in lines] == ["refuse"] * len(files)


def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """One of each file a user or an attacker may hand the command, and none it can hear."""
    one_second = wav_bytes(quiet(1.0), rate=16000)
    files = {name: tmp_path / name for name in (
        "missing.wav", "folder", "pipe.wav", "zero.wav", "text.wav", "cut.wav", "liar.wav",
        "header-only.wav", "two-hours.wav", "long.ogg", "video.ogg", "flac.wav")}
    files["folder"].mkdir()
    os.mkfifo(files["pipe.wav"])
    files["zero.wav"].write_bytes(b"")
    files["text.wav"].write_text("this is not audio\n" * 100)
    files["cut.wav"].write_bytes(one_second[:10001])
    files["liar.wav"].write_bytes(lying_about_its_size(one_second))
    files["header-only.wav"].write_bytes(one_second[:44])
    sparse_wav(files["two-hours.wav"], 7200)
    video_only(files["video.ogg"])
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono:d=700", "-c", "libopus", str(files["long.ogg"])],
                   check=True)
    subprocess.run(["sox", "-n", "-t", "flac", str(files["flac.wav"]), "synth", "1", "sine",
                    "440"], check=True)
    files["latin1"] = tmp_path / os.fsdecode(b"\xe9t\xe9.wav")  # not UTF-8
    files["latin1"].write_bytes(b"RIFF")
    return files


@pytest.mark.parametrize("command", ["transcribe", "detect"])
def test_bad_inputs_each_get_a_clear_error_without_the_model(tmp_path, command):
    """Recognition is off: it is never reached, since no file can be heard."""
    files = bad_inputs(tmp_path)
    code, lines, stderr = run([command, *files.values()], tmp_path / "no-model", tmp_path,
                              VOICEBOX_ASR="off")
    assert code == 1 and stderr == ""
    assert all(set(line) == {"file", "error"} for line in lines)
    errors = {Path(line["file"]).name: line["error"] for line in lines}
    assert list(errors) == [path.name for path in files.values()]
    assert not [error for error in errors.values() if str(tmp_path) in error]  # no paths
    latin1 = files["latin1"].name
    for name, start in {  # after a colon, what ffmpeg said
        "missing.wav": "missing.wav: No such file or directory",
        "folder": "folder: is a directory",
        "pipe.wav": "pipe.wav: not a regular file",
        "zero.wav": "zero.wav: the file is empty",
        "text.wav": "text.wav is not a readable audio file: text.wav: ",
        "cut.wav": "cut.wav is corrupt: ",
        "liar.wav": "liar.wav is corrupt: ",
        "header-only.wav": "header-only.wav: contains no audio",
        "two-hours.wav": "two-hours.wav: longer than 600 s (it lasts 7200 s)",
        "long.ogg": "long.ogg: longer than 600 s (it lasts 700 s)",
        "video.ogg": "video.ogg: contains no audio stream",
        "flac.wav": "flac.wav: unsupported audio format 'flac'; expected one of WAV, MP3, OGG",
        latin1: f"{latin1} is not a readable audio file: \ufffdt\ufffd.wav: ",
    }.items():
        assert errors[name].startswith(start), errors[name]


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
