"""A person's own data: see what is kept and why, and erase it."""

from __future__ import annotations

from handlers.context import Context, MenuItem
from handlers.erasure import erase_person
from handlers.router import Keyword
from handlers.vocabulary import Reply
from knowledge.text import fold
from storage import contacts, forum_editions

FLOW = "delete_data"
YES_WORDS = ("oui", "yes", "o", "y")


async def my_data(ctx: Context) -> list[Reply]:
    """Show everything kept about the person, why, and how to erase it."""
    counts = await contacts.personal_data_counts(ctx.session, ctx.contact)
    none = ctx.t("privacy.none")
    contact = ctx.contact
    summary = ctx.t(
        "privacy.summary",
        address=contact.address,
        language=ctx.knowledge.locales.name(contact.language),
        country=contact.country or none,
        name=contact.name or none,
        subscribed=ctx.t("privacy.word_yes" if contact.subscribed else "privacy.word_no"),
        registrations=counts["registrations"],
        messages=counts["messages"],
    )
    waiting = await forum_editions.interests_of(ctx.session, contact.id)
    if waiting:  # "tell me when registration opens" requests (issue 12)
        forums = ctx.knowledge.forums
        names = [
            forums.forums[f].short_name[ctx.lang] if forums and f in forums.forums else f
            for f in waiting
        ]
        summary += "\n" + ctx.t("editions.privacy_interests", forums=", ".join(names))
    return [Reply(summary)]


async def ask_delete(ctx: Context) -> list[Reply]:
    """Ask for confirmation before erasing everything."""
    await ctx.start_flow(FLOW, "confirm")
    return [Reply(ctx.t("privacy.confirm_delete"))]


async def confirm_delete(ctx: Context) -> list[Reply]:
    """Erase the person on OUI / YES; anything else keeps their data."""
    if fold(ctx.text) not in YES_WORDS:
        await ctx.end_flow()
        return [ctx.menu(ctx.t("privacy.delete_kept"))]
    await erase_person(ctx)
    ctx.flow = None
    ctx.deleted = True
    return [Reply(ctx.t("privacy.deleted"))]


KEYWORDS = [
    Keyword(("mes donnees", "my data", "donnees", "data", "mydata", "mesdonnees"), my_data),
    Keyword(
        ("supprimer", "effacer", "delete", "erase", "supprimer mes donnees", "delete my data"),
        ask_delete,
    ),
]
FLOWS = {FLOW: confirm_delete}
MENU = (MenuItem("menu.my_data", "MES DONNEES"),)
