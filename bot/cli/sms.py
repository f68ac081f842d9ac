"""`diaspora-bot sms`: the SMS providers: routes per number, the Android phone's webhook and
health (docs/sms-in-mali.md)."""

from __future__ import annotations

import argparse

from bot.channels.sms_routes import SmsRoutes
from bot.services import Services
from bot.settings import Settings


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sms", help="SMS providers: routes, the Android gateway")
    actions = parser.add_subparsers(dest="sms_action", required=True)
    routes = actions.add_parser("routes", help="the configured providers and SMS_ROUTES")
    routes.add_argument("numbers", nargs="*", help="+223... numbers: which provider carries each")
    routes.set_defaults(run=_routes)
    android = actions.add_parser("android", help="the Android SMS gateway (a phone, a local SIM)")
    steps = android.add_subparsers(dest="android_action", required=True)
    steps.add_parser(
        "register-webhook", help="ask the app to post its events to {PUBLIC_URL}/sms/android"
    ).set_defaults(run=_register)
    steps.add_parser("health", help="ask the phone how it is (its /health)").set_defaults(
        run=_health
    )


async def _routes(args: argparse.Namespace) -> int:
    settings = Settings()
    providers = settings.sms_providers
    if not providers:
        print("no SMS provider is configured (docs/sms-in-mali.md)")
        return 1
    try:
        routes = SmsRoutes.parse(settings.sms_routes, providers)
    except ValueError as error:
        print(error)
        return 2
    print(f"providers: {', '.join(providers)}")
    print(f"routes: {routes.describe()}")
    for number in args.numbers:
        print(f"{number}\t{routes.provider_for(number)}")
    return 0


async def _android(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.channels.sms_providers.android import AndroidSms

    settings = Settings()
    if not settings.android_sms_enabled:
        print("set ANDROID_SMS_URL and ANDROID_SMS_PASSWORD first (docs/sms-in-mali.md)")
        return None, None
    services = await Services.start(settings, answers=False)
    return services, AndroidSms(settings, services.db)


async def _register(args: argparse.Namespace) -> int:
    services, phone = await _android(args)
    if phone is None:
        return 1
    try:
        events = await phone.register_webhooks()
    except ValueError as error:
        print(error)
        return 2
    except Exception as error:  # the phone off, wrong credentials: say so, no traceback
        print(f"the phone did not accept the webhooks: {type(error).__name__} {error}")
        return 1
    finally:
        await phone.close()
        await services.close()
    print(f"registered {services.settings.public_url}/sms/android for: {', '.join(events)}")
    return 0


async def _health(args: argparse.Namespace) -> int:
    services, phone = await _android(args)
    if phone is None:
        return 1
    try:
        status, detail = await phone.check_health()
    finally:
        await phone.close()
        await services.close()
    print(f"android: {status}" + (f" ({detail})" if detail else ""))
    return 0 if status in ("pass", "warn") else 1
