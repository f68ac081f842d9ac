"""Settings: secrets never show when the settings are printed or logged."""

from __future__ import annotations

from bot.settings import Settings


def test_secrets_are_masked_when_printed(monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:very-secret-token")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-secret")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "webhook-secret")
    settings = Settings(_env_file=None)
    shown = f"{settings!r} {settings}"
    for secret in ("very-secret-token", "twilio-secret", "webhook-secret"):
        assert secret not in shown
    assert settings.telegram_bot_token.get_secret_value() == "123:very-secret-token"
    assert settings.telegram_enabled
