"""The SMS providers the settings configure, behind the one SMS channel (bot/channels/sms.py).

Twilio for numbers abroad (`twilio`), an Android phone with a local SIM (`android`), a short
code over SMPP (`smpp`): one module each here; SMS_ROUTES chooses one per number.
"""

from __future__ import annotations

from bot.channels.sms import SmsChannel, SmsProvider
from bot.channels.sms_routes import SmsRoutes
from bot.services import Services


def sms_providers(services: Services) -> list[SmsProvider]:
    """The configured providers, in the settings' order (the first carries unrouted numbers)."""
    settings = services.settings
    found: list[SmsProvider] = []
    for name in settings.sms_providers:
        if name == "twilio":
            from bot.channels.sms_providers.twilio import TwilioSms

            found.append(TwilioSms(settings))
        elif name == "android":
            from bot.channels.sms_providers.android import AndroidSms

            found.append(AndroidSms(settings, services.db))
        elif name == "smpp":
            from bot.channels.sms_providers.smpp import SmppSms

            found.append(SmppSms(settings))
    return found


def sms_channel(services: Services) -> SmsChannel | None:
    """The SMS channel over every configured provider, routed by SMS_ROUTES; None if none is.
    Raises ValueError for routes that name a provider not configured."""
    providers = sms_providers(services)
    if not providers:
        return None
    routes = SmsRoutes.parse(services.settings.sms_routes, [p.name for p in providers])
    return SmsChannel(services, providers, routes)
