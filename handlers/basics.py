"""Global keywords every channel understands: menu, help, greetings, stop, start, language,
leaving a flow, and the rest of a long SMS."""

from __future__ import annotations

from handlers.context import Context, MenuItem
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.text import fold
from knowledge.words import says, shipped, words
from storage import contacts

# Twilio answers these itself on long codes (its opt-out and opt-in words): we record the
# choice and stay silent on SMS rather than send a second, contradicting reply.
PROVIDER_OPT_OUT_WORDS = (
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "revoke",
    "optout",
)
PROVIDER_OPT_IN_WORDS = ("start", "yes", "unstop")

# Where a Telegram deep link (t.me/<bot>?start=<payload>) leads: prefix -> command text.
DEEP_LINKS = (("faq_", "FAQ {rest}"), ("", "INSCRIPTION {payload}"))


async def menu(ctx: Context) -> list[Reply]:
    """Show the main menu; it also leaves whatever flow was under way (nothing is saved)."""
    await ctx.end_flow()
    return [ctx.menu()]


async def help_(ctx: Context) -> list[Reply]:
    """Explain how to use the bot, then show the menu."""
    return [Reply(ctx.t("help")), ctx.menu()]


async def greet(ctx: Context) -> list[Reply]:
    """Answer a greeting with the menu (a new person has already been welcomed)."""
    if ctx.is_new:
        return [ctx.menu()]
    return [ctx.menu(ctx.t("greeting_back"))]


async def start(ctx: Context) -> list[Reply] | None:
    """Telegram's /start (with an optional deep-link payload), and START on any channel."""
    plain_yes = says(ctx.knowledge.locales, ctx.text, "yes")
    if plain_yes and ctx.flow is not None:
        # Inside a flow a yes answers the flow's question. On SMS Twilio has already taken YES
        # as an opt-in, so we record the same, silently, and let the flow have its answer.
        if ctx.channel == "sms":
            contacts.opt_in(ctx.contact)
        return None
    came_back = ctx.contact.opted_out
    if came_back:
        contacts.opt_in(ctx.contact)
    payload = ctx.args.strip()
    if payload and ctx.channel == "telegram":
        for prefix, command in DEEP_LINKS:
            if payload.lower().startswith(prefix):
                rest = payload[len(prefix) :]
                return await _reroute(ctx, command.format(rest=rest, payload=payload))
    if came_back:
        if ctx.channel == "sms" and fold(ctx.text) in PROVIDER_OPT_IN_WORDS:
            return []
        return [ctx.menu(ctx.t("start.back"))]
    if plain_yes:
        return None  # a plain yes belongs to whatever asked the question
    return await greet(ctx)


async def _reroute(ctx: Context, text: str) -> list[Reply]:
    ctx.text = text
    replies, _ = await ctx.router.route(ctx)
    return replies


async def stop(ctx: Context) -> list[Reply]:
    """Stop every bulk message at once, queued ones included."""
    already = ctx.contact.opted_out
    await ctx.end_flow()
    await contacts.opt_out(ctx.session, ctx.contact, ctx.now)
    if ctx.channel == "sms" and fold(ctx.text) in PROVIDER_OPT_OUT_WORDS:
        return []
    return [Reply(ctx.t("stop.already" if already else "stop.done"))]


async def language(ctx: Context) -> list[Reply]:
    """Change the language of every reply: LANGUE alone lists them, LANGUE en sets one."""
    locales = ctx.knowledge.locales
    wanted = fold(ctx.args) if ctx.args else fold(ctx.text)
    chosen = wanted if locales.supports(wanted) else locales.language_for_word(wanted)
    if chosen:
        ctx.contact.language = chosen
        return [ctx.menu(ctx.t("language.set"))]
    choices = tuple(Option(locales.name(lang), f"LANGUE {lang}") for lang in locales.languages)
    key = "language.unknown" if ctx.args else "language.choose"
    return [Reply(ctx.t(key), choices)]


async def cancel(ctx: Context) -> list[Reply]:
    """Leave the current flow without saving anything."""
    if ctx.flow is None:
        return [ctx.menu(ctx.t("flow.nothing_to_cancel"))]
    await ctx.end_flow()
    return [ctx.menu(ctx.t("flow.cancelled"))]


async def more(ctx: Context) -> list[Reply]:
    """Send what did not fit in the last SMS."""
    rest, ctx.contact.more_text = ctx.contact.more_text, None
    if not rest:
        return [Reply(ctx.t("more.nothing"))]
    return [Reply(rest)]


def keywords(language_words: tuple[str, ...]) -> list[Keyword]:
    return [
        Keyword(("menu", "accueil", "home", "0"), menu),
        Keyword(("aide", "help", "info"), help_),
        Keyword(
            (
                "bonjour",
                "bonsoir",
                "salut",
                "coucou",
                "hello",
                "hi",
                "hey",
                "salam",
                "i ni ce",
                "aw ni ce",
            ),
            greet,
        ),
        Keyword(("start", "commencer", "demarrer"), start, takes_argument=True),
        Keyword(("start", "oui", "yes", "unstop"), start),
        Keyword(
            (
                "stop",
                "arret",
                "arreter",
                "stopall",
                "unsubscribe",
                "end",
                "quit",
                "revoke",
                "optout",
                "desabonner",
                "desinscrire",
            ),
            stop,
        ),
        # CANCEL is an opt-out word for Twilio: on SMS it stops; elsewhere it leaves a flow.
        Keyword(("cancel",), stop, channels=("sms",)),
        Keyword(("cancel",), cancel, channels=("console", "telegram")),
        Keyword(tuple(sorted(words(shipped(), "cancel"))), cancel),  # ANNULER, RETOUR, BACK...
        Keyword(("langue", "language", "lang"), language, takes_argument=True),
        Keyword(("langue", "language", "lang", *language_words), language),
        Keyword(("plus", "more", "suite", "next"), more),
    ]


MENU = (MenuItem("menu.language", "LANGUE"),)
