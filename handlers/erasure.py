"""SUPPRIMER + OUI: the person and every trace of them (storage/erasure.py says what goes).

Here is what only the conversation layer knows: how their questions were kept in the staff's
list of gaps (cleaned, contact details masked), and how a phone number may be written in other
people's messages (national or international, with spaces).
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.context import Context
from knowledge.addresses import AddressError, phone_to_e164
from knowledge.personal import PHONE, PHONE_MASK, mask_contact_details
from knowledge.text import clean
from storage import erasure, tickets
from storage.models import Message


async def erase_person(ctx: Context) -> None:
    contact = ctx.contact
    texts = await ctx.session.scalars(
        select(Message.text).where(Message.contact_id == contact.id, Message.direction == "in")
    )
    examples = {mask_contact_details(clean(text)) for text in texts}
    scheme, _, number = contact.address.partition(":")
    region = ctx.config.default_region

    def scrub(text: str) -> str:
        def replace(match) -> str:  # type: ignore[no-untyped-def]
            try:
                same = phone_to_e164(match.group(0), region) == number
            except AddressError:
                same = False
            return PHONE_MASK if same else match.group(0)

        return PHONE.sub(replace, text)

    await tickets.withdraw_undelivered(ctx.session, contact.id)
    await erasure.erase(
        ctx.session,
        contact,
        gap_examples=examples,
        scrub_number=scrub if scheme == "tel" else None,
    )
