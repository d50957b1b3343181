"""The TTS cache shared through a bucket (a real moto S3 server): a prompt one machine
synthesised is fetched by another instead of synthesised again; each keeps its local copy as
the fast path."""

from __future__ import annotations

from tests.s3server import ACCESS_KEY, SECRET_KEY
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.storage import storage_from_url


async def test_two_machines_share_prompts_through_the_bucket(s3_server, tmp_path):
    bucket = s3_server.make_bucket()
    machines = []
    for name in ("a", "b"):
        storage = storage_from_url(f"s3://{bucket}/vb", data_dir=tmp_path / name,
                                   endpoint=s3_server.endpoint, access_key_id=ACCESS_KEY,
                                   secret_access_key=SECRET_KEY)
        service = SpeechService([EspeakEngine()], cache_dir=tmp_path / name / "tts",
                                order={"ru": ["espeak"], "en": ["espeak"]}, storage=storage)
        await service.start()
        machines.append((service, storage))
    (first, storage), (second, _) = machines
    try:
        made = await first.synthesize("Hello from machine A", language="en")
        assert first.cache.misses == 1
        assert [key async for key in storage.list("tts/")] == [
            f"tts/{made.stem}.wav"]

        fetched = await second.synthesize("Hello from machine A", language="en")
        assert (second.cache.misses, second.cache.shared) == (0, 1)  # not synthesised again
        assert fetched.read_bytes() == made.read_bytes()
        assert fetched.is_relative_to(tmp_path / "b" / "tts")  # its own local cache

        again = await second.synthesize("Hello from machine A", language="en")
        assert again == fetched and second.cache.shared == 1  # the local fast path
    finally:
        for service, _ in machines:
            await service.close()
