"""A number that is no option of the last list: say which numbers work, and show the list again.

It used to fall through to the FAQ ("42": "no sure answer, ask a counsellor?"), and the next
"2" then opened a ticket whose question was "42".
"""

from __future__ import annotations

from handlers.context import Context
from handlers.router import is_option_number
from handlers.vocabulary import Option, Reply


async def not_an_option(ctx: Context) -> list[Reply] | None:
    """'42' after a list of 6: "reply with a number from 1 to 6" and the list; no list: the menu.

    A number that IS an option never gets here: the conversation replaced it by the option's
    value before routing (handlers.router.chosen_option), and 0 is the MENU keyword.
    """
    if not is_option_number(ctx.text):
        return None
    options = ctx.contact.last_options
    if not options:
        return [ctx.menu(ctx.t("conversations.number_no_list"))]
    shown = tuple(Option(label, value) for label, value in options)
    return [Reply(ctx.t("conversations.number_not_option", n=len(shown)), shown)]
