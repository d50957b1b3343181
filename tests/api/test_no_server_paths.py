"""Error messages name what the client sent, never where the server keeps it."""

from __future__ import annotations

import pytest

BAD_UPLOADS = [
    (b"this is plain text, not audio at all\n" * 20, "notes.mp3"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage-garbage", "broken.wav"),
    (b"OggS\x00\x02" + b"\x00" * 20 + b"garbage" * 50, "broken.ogg"),
    (b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 300, "frames.mp3"),
]


@pytest.mark.parametrize(("content", "filename"), BAD_UPLOADS)
async def test_bad_upload_errors_show_no_server_path(client, tenant, app, content, filename):
    response = await client.post(
        f"/v1/customers/{tenant.id}/audio", headers=tenant.headers,
        files={"file": (filename, content, "application/octet-stream")},
    )
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        text = response.text
        assert "/tmp" not in text and "vb-upload-" not in text, text
        assert str(app.state.settings.data_dir) not in text
