"""`diaspora-bot sms ...`, run as staff would run it, against a fake Android phone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import outbox
from storage.db import Database
from storage.models import Contact
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


def test_stats_show_the_providers_as_a_table(tmp_path: Path, phone: FakeAndroidGateway) -> None:
    assert run(["sms", "android", "health"], tmp_path, **android_env(phone)).returncode == 0
    asyncio.run(_outbox_rows(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"))
    result = run(["stats"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("provider "))
    assert lines[at].split() == ["provider", "sent", "delivered", "failed", "last", "heard"] + [
        "from",
        "health",
    ]
    android, twilio = lines[at + 1].split(), lines[at + 2].split()
    # android: 2 taken (1 delivered since), 1 failed; heard from at the health check.
    assert android[:4] == ["android", "2", "1", "1"] and android[-1] == "(1.0.0)"
    assert android[-2] == "pass" and android[-3] == "UTC"
    # twilio never answered a health check: "-", never `None`.
    assert twilio == ["twilio", "1", "0", "0", "-", "-"]
    assert "None" not in result.stdout and "{" not in result.stdout
    assert "sms_by_provider" in json.loads(run(["stats", "--json"], tmp_path).stdout)


async def _outbox_rows(url: str) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.transaction() as session:
            contact = Contact(address="tel:+22376123456", channel="sms", language="fr")
            session.add(contact)
            await session.flush()
            statuses = [("android", "sent"), ("android", "delivered"), ("android", "failed")]
            for n, (provider, status) in enumerate([*statuses, ("twilio", "sent")]):
                row = await outbox.enqueue(
                    session, contact, "Forum", kind="broadcast", source="broadcast:1",
                    dedupe_key=f"b{n}", now=now, provider=provider,
                )  # fmt: skip
                assert row is not None
                row.status = status
    finally:
        await db.dispose()
