"""Global keywords every channel understands: menu, help, greetings, stop, start, language,
leaving a flow, and the rest of a long SMS."""

from __future__ import annotations

from handlers import languages
from handlers.context import KEEP_LIST, Context, MenuItem
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.text import fold
from knowledge.words import says, shipped, words
from storage import contacts

# Twilio answers these itself on long codes (its opt-out and opt-in words): on its route
# (Inbound.provider_answers_stop) we record the choice and stay silent rather than send a
# second, contradicting reply.
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
    """Explain how to use the bot, then show the menu; while a list other than the menu is on
    screen, say that its numbers still work instead (AIDE must not lose the list); in the
    middle of a flow, that its question still waits."""
    if ctx.flow is not None:
        # In the middle of a registration or a confirmation the menu would hide the question
        # that waits for an answer: its numbers were taken for the menu's, and a later "deux"
        # was kept as the person's name. Help, and the question still waits.
        ctx.extra[KEEP_LIST] = True
        going_on = ctx.t("conversations.help_in_flow")
        return [Reply(f"{ctx.t('help')}\n{going_on}", sms_text=f"{ctx.t('help_sms')}\n{going_on}")]
    menu = ctx.menu()
    values = [value for _, value in ctx.contact.last_options or []]
    if values and values != [option.value for option in menu.options]:
        ctx.extra[KEEP_LIST] = True
        keep = ctx.t("conversations.help_keep_list")
        return [Reply(f"{ctx.t('help')}\n{keep}", sms_text=f"{ctx.t('help_sms')}\n{keep}")]
    return [Reply(ctx.t("help"), sms_text=ctx.t("help_sms")), menu]


async def greet(ctx: Context) -> list[Reply]:
    """A newcomer gets the menu (under the one-line welcome); others a short hello, in one SMS
    segment (the menu's numbered lines would cost a second one)."""
    if ctx.is_new:
        return [ctx.menu()]
    if ctx.channel == "sms":
        ctx.extra[KEEP_LIST] = True
        return [Reply(ctx.t("conversations.small_talk.greeting"))]
    return [ctx.menu(ctx.t("greeting_back"))]


async def start(ctx: Context) -> list[Reply] | None:
    """Telegram's /start (with an optional deep-link payload), and START on any channel."""
    plain_yes = says(ctx.knowledge.locales, ctx.text, "yes")
    if plain_yes and ctx.flow is not None:
        # Inside a flow a yes answers the flow's question. Twilio has already taken YES as an
        # opt-in, so we record the same, silently, and let the flow have its answer.
        if ctx.inbound.provider_answers_stop:
            contacts.opt_in(ctx.contact)
        return None
    came_back = ctx.contact.opted_out
    resumed = came_back and _come_back(ctx)
    payload = ctx.args.strip()
    if payload and ctx.channel == "telegram":
        for prefix, command in DEEP_LINKS:
            if payload.lower().startswith(prefix):
                rest = payload[len(prefix) :]
                return await _reroute(ctx, command.format(rest=rest, payload=payload))
    if came_back:
        if ctx.inbound.provider_answers_stop and fold(ctx.text) in PROVIDER_OPT_IN_WORDS:
            return []  # Twilio answers its own START; what it gives back is as below
        if resumed:
            return [Reply(ctx.t("conversations.start_back_subscribed"))]
        subscribe = ctx.option("subscriptions.option_subscribe", "ABONNER")
        return [Reply(ctx.t("conversations.start_back_ask"), (subscribe,))]
    if plain_yes:
        return None  # a plain yes belongs to whatever asked the question
    return await greet(ctx)


def _come_back(ctx: Context) -> bool:
    """Undo a STOP: bulk messages again, and the weekly series if the STOP interrupted it.
    True if the series was given back."""
    contact = ctx.contact
    contacts.opt_in(contact)
    resumed = contact.subscribed_before_stop
    if resumed:
        contact.subscribed = True  # where the series stopped: awareness_next is kept
        contact.subscribed_before_stop = False
    return resumed


async def _reroute(ctx: Context, text: str) -> list[Reply]:
    ctx.text = text
    replies, _ = await ctx.router.route(ctx)
    return replies


async def stop(ctx: Context) -> list[Reply]:
    """Stop every bulk message at once, queued ones included."""
    already = ctx.contact.opted_out
    await ctx.end_flow()
    if not already:  # START gives the weekly series back to those who had it
        ctx.contact.subscribed_before_stop = ctx.contact.subscribed
    await contacts.opt_out(ctx.session, ctx.contact, ctx.now)
    if ctx.inbound.provider_answers_stop and fold(ctx.text) in PROVIDER_OPT_OUT_WORDS:
        return []
    # Says what stops (bulk messages) and what does not (answers to what they write).
    return [Reply(ctx.t("conversations.stop_already" if already else "conversations.stop_done"))]


async def language(ctx: Context) -> list[Reply]:
    """Change the language of every reply: LANGUE alone lists them, LANGUE en sets one."""
    locales = ctx.knowledge.locales
    wanted = fold(ctx.args) if ctx.args else fold(ctx.text)
    chosen = wanted if locales.supports(wanted) else locales.language_for_word(wanted)
    if chosen:
        ctx.contact.language = chosen
        languages.chose(ctx)  # theirs until they say otherwise: what they write no longer moves it
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
    ctx.extra[KEEP_LIST] = True  # the list shown with the first part still holds
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
