"""Settings from the environment (`VOICEBOX_*`), with embedded defaults that need nothing."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; defaults run on SQLite with the simulator and offline speech."""

    model_config = SettingsConfigDict(env_prefix="VOICEBOX_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("var"), validate_default=True)
    database_url: str | None = None
    log_level: str = "INFO"

    access_token_ttl: int = Field(default=3600, ge=60)
    refresh_token_ttl: int = Field(default=30 * 24 * 3600, ge=60)
    authorization_code_ttl: int = Field(default=300, ge=10)

    # Login limits (docs/api.md, Authentication): failures per window, then a lockout.
    login_max_failures_per_user: int = Field(default=10, ge=1)
    login_max_failures_per_client: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=100, ge=1)
    login_failure_window_seconds: float = Field(default=900.0, gt=0)
    login_lockout_seconds: float = Field(default=900.0, gt=0)

    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=1000, ge=1)

    seed_numbers: bool = True
    number_reservation_max_seconds: int = Field(default=24 * 3600, ge=60)

    http_allowed_networks: str = ""

    # Dialer and telephony (docs/operations.md).
    telephony: str = "sim"
    sim_time_scale: float = Field(default=1.0, gt=0)
    sim_audio: bool = True  # simulated calls carry audio frames; false: text mode (load tests)
    dialer_concurrency: int = Field(default=1000, ge=1)
    dialer_lease_seconds: float = Field(default=30.0, gt=0)
    dialer_poll_seconds: float = Field(default=0.25, gt=0)
    dialer_batch: int = Field(default=200, ge=1)
    # Each call started reserves this many seconds at the callee's price from the customer's
    # money until it ends (docs/operations.md, "Money holds"); 0 turns holds off.
    dialer_hold_seconds: int = Field(default=1, ge=0)
    default_timezone: str = "Europe/Moscow"
    home_region: str = "RU"
    sb_rate_per_second: float = Field(default=50.0, gt=0)
    sb_burst: int = Field(default=100, ge=1)

    # Audio files, call recordings and reports (docs/api.md, docs/operations.md).
    audio_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    audio_max_seconds: float = Field(default=600.0, gt=0)
    recordings: str = "on"  # "off" skips recording (benchmarks)
    recording_format: str = "wav"  # wav, or ogg / mp3: a compressed copy is also kept and served
    recording_stereo: bool = True  # robot left, subscriber right; False mixes to mono
    recording_retention_days: int = Field(default=0, ge=0)  # 0 keeps recordings forever

    # Text to speech (docs/speech.md): engines in preference order; yandex joins when keyed.
    tts_engines: str = "festival,piper,espeak"
    tts_strict: bool = False  # a missing engine fails start-up instead of falling back
    tts_cache_dir: Path | None = None  # default <data_dir>/cache/tts
    yandex_api_key: str | None = None
    yandex_iam_token: str | None = None
    yandex_folder_id: str | None = None
    yandex_tts_url: str = "https://tts.api.cloud.yandex.net/speech/v1/tts:synthesize"

    # Numbers: reservations against squatting, the monthly renewal (docs/api.md, operations.md).
    number_reservations_per_customer: int = Field(default=20, ge=1)
    number_renewal_grace_days: float = Field(default=3.0, ge=0)
    number_renewal_interval_seconds: float = Field(default=300.0, gt=0)

    # SIP driver (VOICEBOX_TELEPHONY=sip; docs/operations.md): checked by telephony/sip/config.py.
    sip_trunk: str | None = None  # sip:user:password@host:port
    sip_bind: str = "0.0.0.0:5060"
    rtp_ports: str = "30000-30999"
    sip_register: str = "off"
    sip_strip_plus: str = "false"
    sip_inbound_from: str = "trunk"  # trunk | any | IPv4 networks, comma-separated

    # Web console: its public origin when not served on a loopback address (OAuth redirect URI).
    console_url: str | None = None
    # Storage for uploaded audio, recordings, the TTS cache (docs/operations.md, Storage):
    # unset = the data folder; s3://bucket/prefix = an S3-compatible bucket shared by every machine.
    storage_url: str | None = None
    s3_endpoint: str | None = None  # e.g. http://minio:9000; unset = AWS
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    @field_validator("data_dir", "tts_cache_dir", "asr_model_dir")
    @classmethod
    def _anchored(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        return value if value.is_absolute() else data_base_dir() / value

    # Speech recognition and answering-machine detection (docs/speech.md).
    asr: str = "whisper"  # "off": no recogniser (speech counts as no input)
    asr_strict: bool = False  # a missing model fails start-up instead of falling back to off
    asr_model_dir: Path | None = None  # default <data_dir>/models/whisper-base
    asr_threads: int = Field(default=2, ge=1)  # CTranslate2 threads per worker
    asr_workers: int = Field(default=1, ge=1)
    asr_queue: int = Field(default=8, ge=1)  # waiting utterances; full → the dialer claims no calls
    asr_timeout: float = Field(default=3.0, gt=0)  # waited longer → empty result, "overload"
    asr_beam: int = Field(default=5, ge=1)
    asr_min_confidence: float = Field(default=0.4, ge=0, le=1)
    amd_initial_silence: float = Field(default=2.5, gt=0)
    amd_greeting: float = Field(default=1.5, gt=0)
    amd_after_greeting_silence: float = Field(default=0.8, gt=0)
    amd_max_words: int = Field(default=4, ge=1)
    amd_total: float = Field(default=5.0, gt=0)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.sqlite_path}"

    @property
    def sqlite_path(self) -> Path:
        """The embedded database's file (used when `database_url` is not set)."""
        return (self.data_dir / "voicebox.db").resolve()


def checkout_root() -> Path | None:
    """The source checkout this package runs from (`pip install -e`), if it is one."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "voicebox").is_dir() \
        else None


def data_base_dir() -> Path:
    """What a relative `VOICEBOX_DATA_DIR` is taken from, whatever the current directory: the
    checkout when running from one, else `$XDG_DATA_HOME/voicebox` (`~/.local/share/voicebox`).
    So `scripts/serve.sh` and `voicebox admin …` run from any folder find the same database."""
    checkout = checkout_root()
    if checkout is not None:
        return checkout
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "voicebox"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
