"""Settings from the environment (and an optional `.env` file). The README lists every one."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.context import HandlerConfig
from handlers.limits import CostLimits


def _ids(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/diaspora-bot.db"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # https://bot.example.org: turns on webhooks (Telegram, Twilio)
    log_level: str = "INFO"
    max_request_bytes: int = 256 * 1024  # a larger request body is refused (413) while read
    # The back office's contacts CSV upload alone may be larger (about 100,000 rows in 8 MiB).
    max_upload_bytes: int = 8 * 1024 * 1024

    default_language: str = "fr"
    # Languages offered to people, comma-separated; each has knowledge/locales/<code>.yaml. A
    # translated one (bm, snk) is offered only once its core strings are reviewed
    # (docs/translating.md). LANGUAGE_DRAFTS=true shows unreviewed drafts: reviewers only.
    languages: str = "fr,en"
    language_drafts: bool = False
    default_region: str = "ML"  # how national phone numbers are read: 76 12 34 56 in Mali
    flow_ttl_hours: float = 24
    max_text_length: int = 1600
    # FAQ search with sentence embeddings where words leave a doubt (knowledge/semantic.py):
    # +3 points of top-1 accuracy; ~3 s of CPU at start, in the background. docs/benchmarks.md.
    faq_semantic: bool = True
    # Where the FAQ texts' sentence embeddings are kept between starts (issue 13: the first
    # answer waits for them); empty: computed at every start.
    faq_cache_dir: str = "./data/cache"

    # Telegram
    # Secrets are SecretStr: printed or logged (a settings dump, a traceback) they show as ****.
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr = SecretStr("")
    staff_telegram_ids: str = ""  # comma-separated Telegram user ids: admins
    staff_agent_telegram_ids: str = ""  # comma-separated: may answer tickets, not broadcast
    staff_chat_id: str = ""  # Telegram group where staff see new tickets

    # SMS (Twilio)
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_from: str = ""  # +1555..., or a Messaging Service SID MG...
    twilio_api_url: str = "https://api.twilio.com"
    sms_max_segments: int = 2

    # SMS providers besides Twilio, and routes per number (docs/sms-in-mali.md)
    sms_routes: str = ""  # +223=android,*=twilio: prefix -> provider, first match wins
    android_sms_url: str = ""  # the phone's API: http://192.168.1.20:8080 (local mode), cloud
    android_sms_username: str = ""
    android_sms_password: str = ""
    android_sms_sim: int = 0  # 1-3 on a phone with several SIMs; 0: the phone's default
    android_sms_signing_key: str = ""  # the app's Settings > Webhooks > Signing Key
    android_sms_health_seconds: float = 60.0  # how often the phone's /health is asked
    android_sms_silent_minutes: float = 15.0  # an alert in the log past this much silence
    smpp_host: str = ""
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_source_addr: str = ""  # the short code
    smpp_tps: float = 10.0  # submit_sm a second the SMSC allows (the aggregator's contract)
    smpp_window: int = 10  # submit_sm awaiting their response at once
    smpp_enquire_link_seconds: float = 30.0
    # An SMSC that did not get our deliver_sm_resp in time sends the same deliver_sm again:
    # the same text from the same number within this many seconds is that redelivery.
    smpp_redelivery_seconds: float = 60.0
    smpp_bind: bool = True  # false: this process does not bind (another `run` holds the session)

    # Outbox, dispatcher and scheduler (bulk sending)
    telegram_max_rate: float = 25.0  # messages a second (Telegram allows about 30)
    sms_max_rate: float = 1.0  # segments a second (a Twilio long code sends 1)
    # Per provider when routes spread numbers over several; 0: the default named beside it.
    sms_max_rate_twilio: float = 0.0  # default SMS_MAX_RATE
    sms_max_rate_android: float = 0.2  # a phone: about 12 segments a minute
    sms_max_rate_smpp: float = 0.0  # default SMPP_TPS
    quiet_hours: str = "21:00-08:00"  # recipient's local time; empty: off
    outbox_batch_size: int = 20  # rows a worker holds `sending`: the most a crash leaves unknown
    outbox_max_attempts: int = 5
    outbox_retry_seconds: float = 30.0  # first retry; doubles each time, at most an hour
    outbox_stale_seconds: float = 300.0  # a claim this old belongs to a dead worker
    dispatcher_enabled: bool = True
    dispatcher_id: str = ""  # a stable name per worker (default host:pid)
    scheduler_enabled: bool = True
    awareness_cron: str = "0 10 * * 1"  # UTC, crontab weekdays (1 = Monday)
    forum_reminders_cron: str = "0 9 * * *"
    broadcast_poll_seconds: float = 10.0
    leader_retry_seconds: float = 5.0

    # Back office (/admin): a signed-in browser left alone this long is signed out.
    admin_idle_minutes: int = 30

    # Cost limits per sender (handlers/limits.py; README "Cost limits").
    limit_inbound_per_minute: int = 10
    limit_replies_per_hour: int = 60
    limit_loop_repeats: int = 5
    limit_loop_fast_replies: int = 6
    limit_family_per_day: int = 3
    limit_family_per_number: int = 2
    ticket_notice_minutes: float = 5.0

    # Message texts older than this are removed, daily (counts kept; docs/privacy.md). 0: kept.
    message_retention_days: int = 180
    retention_cron: str = "30 3 * * *"

    # Polls: a person is invited to at most one poll in this many days (joining one with
    # SONDAGE does not count).
    poll_invitation_interval_days: float = 7.0

    # Forum reminders: days before a forum's start (its local date), comma-separated.
    reminder_days: str = "7,1"

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("reminder_days")
    @classmethod
    def _days_list(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise ValueError("REMINDER_DAYS is whole numbers of days, comma-separated: 7,1")
        return ",".join(parts)

    @field_validator("smpp_system_id", "smpp_password", "smpp_system_type")
    @classmethod
    def _smpp_lengths(cls, value: str, info) -> str:  # noqa: ANN001
        # SMPP 3.4's limits (C-octet strings): an SMSC would refuse the bind.
        most = {"smpp_system_id": 15, "smpp_password": 8, "smpp_system_type": 12}[info.field_name]
        if len(value) > most:
            raise ValueError(f"{info.field_name.upper()} is at most {most} characters in SMPP")
        return value

    @property
    def language_list(self) -> tuple[str, ...]:
        """("fr", "en") from "fr, en"; the default language always included."""
        listed = [p.strip().lower() for p in self.languages.replace(";", ",").split(",")]
        ordered = dict.fromkeys([*(p for p in listed if p), self.default_language])
        return tuple(ordered)

    @property
    def reminder_days_before(self) -> tuple[int, ...]:
        """For handlers.forum_reminders.queue_due_reminders: (7, 1) from "7,1"."""
        return tuple(sorted({int(p) for p in self.reminder_days.split(",") if p}, reverse=True))

    @property
    def poll_invitation_interval(self) -> timedelta:
        return timedelta(days=self.poll_invitation_interval_days)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token.get_secret_value())

    @property
    def twilio_enabled(self) -> bool:
        token = self.twilio_auth_token.get_secret_value()
        return bool(self.twilio_account_sid and token and self.twilio_from)

    @property
    def android_sms_enabled(self) -> bool:
        return bool(self.android_sms_url and self.android_sms_password)

    @property
    def smpp_enabled(self) -> bool:
        return bool(self.smpp_host and self.smpp_system_id and self.smpp_bind)

    @property
    def sms_providers(self) -> list[str]:
        """The configured SMS providers, in this order: a number no route names goes through
        the first (Twilio first, as before routes existed)."""
        enabled = {
            "twilio": self.twilio_enabled,
            "android": self.android_sms_enabled,
            "smpp": self.smpp_enabled,
        }
        return [name for name, on in enabled.items() if on]

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_providers)

    def sms_rate(self, provider: str) -> float:
        """Segments a second through one provider."""
        rates = {
            "twilio": self.sms_max_rate_twilio or self.sms_max_rate,
            "android": self.sms_max_rate_android,
            "smpp": self.sms_max_rate_smpp or self.smpp_tps,
        }
        return rates.get(provider) or self.sms_max_rate

    def sms_rates(self) -> dict[str, float]:
        """The dispatcher's SMS lanes: "sms" for a single provider, "sms:<provider>" each."""
        providers = self.sms_providers
        rates = {"sms": self.sms_rate(providers[0]) if len(providers) == 1 else self.sms_max_rate}
        rates.update(
            {f"sms:{name}": self.sms_rate(name) for name in ("twilio", "android", "smpp")}
        )
        return rates

    def handler_config(self) -> HandlerConfig:
        return HandlerConfig(
            default_language=self.default_language,
            default_region=self.default_region,
            flow_ttl=timedelta(hours=self.flow_ttl_hours),
            max_text_length=self.max_text_length,
            sms_max_segments=self.sms_max_segments,
            staff_admins=_ids(self.staff_telegram_ids),
            staff_agents=_ids(self.staff_agent_telegram_ids),
            staff_chat_id=self.staff_chat_id.strip(),
            poll_invitation_interval=self.poll_invitation_interval,
            limits=CostLimits(
                inbound_per_minute=self.limit_inbound_per_minute,
                replies_per_hour=self.limit_replies_per_hour,
                loop_repeats=self.limit_loop_repeats,
                loop_fast_replies=self.limit_loop_fast_replies,
                family_invitations_per_day=self.limit_family_per_day,
                family_invitations_per_number=self.limit_family_per_number,
                ticket_notice_minutes=self.ticket_notice_minutes,
            ),
        )
