"""The core's whole vocabulary: a message in, replies out.

Nothing past a channel adapter knows what a Telegram update or a Twilio form is: adapters turn
provider payloads into an `Inbound`, and render the `Reply` objects the handlers return.

People are identified by scheme-prefixed addresses (as nyaruka/courier's URNs), so storage never
branches on channel: `telegram:<chat id>`, `tel:+<E.164>`, `console:<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

CHANNELS = ("console", "sms", "telegram")


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as every channel adapter hands it to the core."""

    channel: str  # "console", "sms" or "telegram": how to reply
    address: str  # scheme-prefixed, see the module docstring
    text: str
    provider_id: str | None = None  # Telegram update/message id, Twilio MessageSid: dedupe key
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    language_hint: str | None = None  # e.g. Telegram's language_code, used on first contact
    user_id: str | None = None  # the sender inside a chat (Telegram user id), for staff checks
    user_name: str | None = None  # the sender's display name (Telegram), for staff's notes
    reply_to: str | None = None  # provider id of the message this one replies to (staff answers)
    # "text", or what came instead of text ("sticker", "photo", "voice", "location", ...): the
    # core answers anything but text with a polite "I only understand text" and the menu.
    kind: str = "text"
    # The provider answers the opt-out and opt-in words itself (Twilio on long codes): the bot
    # records the choice and stays silent rather than send a second reply. A local SIM (Android
    # gateway) or a short code (SMPP) answers nothing: there the bot's reply is the only one.
    provider_answers_stop: bool = False


@dataclass(frozen=True)
class Option:
    """A choice offered to the person: a button on Telegram, a numbered line on SMS.

    `value` is text the router understands as if the person had typed it, so a button press and a
    typed answer take the same path, and a stale button still means something after a restart.
    """

    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    """One message back to the person.

    `sms_text` is a shorter version for SMS (an FAQ entry's short answer); renderers for other
    channels ignore it.
    """

    text: str
    options: tuple[Option, ...] = ()
    sms_text: str | None = None

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "options": [{"label": o.label, "value": o.value} for o in self.options],
        }
