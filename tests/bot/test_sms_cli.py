"""`diaspora-bot sms ...`, run as staff would run it, against a fake Android phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.test_cli import run
from tests.fakes.android_gateway import FakeAndroidGateway


@pytest.fixture
def phone() -> Iterator[FakeAndroidGateway]:
    with FakeAndroidGateway("sms", "pw") as fake:
        yield fake


def android_env(phone: FakeAndroidGateway, **extra: str) -> dict[str, str]:
    return {
        "ANDROID_SMS_URL": phone.url,
        "ANDROID_SMS_USERNAME": "sms",
        "ANDROID_SMS_PASSWORD": "pw",
        "PUBLIC_URL": "https://bot.example.org",
        **extra,
    }


def test_register_webhook_tells_the_phone_where_to_post(
    tmp_path: Path, phone: FakeAndroidGateway
) -> None:
    result = run(["sms", "android", "register-webhook"], tmp_path, **android_env(phone))
    assert result.returncode == 0, result.stderr
    assert "registered https://bot.example.org/sms/android for: sms:received" in result.stdout
    assert {hook["url"] for hook in phone.webhooks.values()} == {
        "https://bot.example.org/sms/android"
    }


def test_register_webhook_says_plainly_when_the_phone_refuses(
    tmp_path: Path, phone: FakeAndroidGateway
) -> None:
    env = android_env(phone, ANDROID_SMS_PASSWORD="wrong")
    result = run(["sms", "android", "register-webhook"], tmp_path, **env)
    assert result.returncode == 1
    assert "the phone did not accept the webhooks" in result.stdout
    assert "Traceback" not in result.stderr


def test_routes_name_the_provider_of_each_number(
    tmp_path: Path, phone: FakeAndroidGateway
) -> None:
    env = android_env(
        phone,
        TWILIO_ACCOUNT_SID="AC" + "a" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM="+15005550006",
        SMS_ROUTES="+223=android,*=twilio",
    )
    result = run(["sms", "routes", "+22376123456", "+33612345678"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "+22376123456\tandroid" in result.stdout
    assert "+33612345678\ttwilio" in result.stdout
