"""People's addresses: `telegram:<chat id>`, `tel:+<E.164>`, `console:<name>`.

A scheme prefix (as courier's URNs) keeps storage channel-blind; phone numbers are always stored
in E.164 so that `76 12 34 56` typed in Mali and `+22376123456` from Twilio are the same person.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

SCHEMES = {"telegram": "telegram", "tel": "sms", "console": "console"}
_CONSOLE_NAME = re.compile(r"^[\w.-]{1,48}$")


class AddressError(ValueError):
    """The text is not an address or phone number we can use."""


@lru_cache(maxsize=4096)  # parsing costs ~0.1 ms, and people text from the same number again
def phone_to_e164(raw: str, region: str = "ML") -> str:
    """'76 12 34 56' (region ML) -> '+22376123456'; raises AddressError if not a valid number."""
    try:
        number = phonenumbers.parse(raw.strip(), region.upper())
    except phonenumbers.NumberParseException as exc:
        raise AddressError(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise AddressError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(e164: str) -> str | None:
    """The ISO country of a phone number ('+33...' -> 'FR'), or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None
    except phonenumbers.NumberParseException:
        return None


def tel_address(raw: str, region: str = "ML") -> str:
    return "tel:" + phone_to_e164(raw, region)


def telegram_address(chat_id: int | str) -> str:
    return f"telegram:{int(chat_id)}"


def console_address(name: str) -> str:
    if not _CONSOLE_NAME.match(name):
        raise AddressError("a console name is 1-48 letters, digits, '.', '_' or '-'")
    return f"console:{name}"


def normalise_address(raw: str, region: str = "ML") -> str:
    """Any accepted form ('tel:+223...', 'telegram:123', '+33 6 12 34 56 78') to its address."""
    raw = raw.strip()
    scheme, sep, rest = raw.partition(":")
    if sep and scheme in SCHEMES:
        if scheme == "tel":
            return tel_address(rest, region)
        if scheme == "telegram":
            if not re.fullmatch(r"-?\d{1,20}", rest):
                raise AddressError("a Telegram address is telegram:<numeric chat id>")
            return telegram_address(rest)
        return console_address(rest)
    return tel_address(raw, region)


def channel_of(address: str) -> str:
    return SCHEMES[address.partition(":")[0]]


def mask(address: str) -> str:
    """For logs: keep the scheme and the last 3 characters, so no phone number is written."""
    scheme, _, rest = address.partition(":")
    return f"{scheme}:…{rest[-3:]}" if len(rest) > 3 else f"{scheme}:…"
