"""What people mean in their own words, before the FAQ: "je veux m'abonner aux messages" does
what ABONNER does, "je voudrais parler à un conseiller humain" opens the request at once, and
small talk ("merci bcp", "i ni ce", "👍") gets a short friendly line, not "no sure answer".

The phrasings are data (knowledge/intents.yaml); each intent is done by the feature's own
handler, so a typed keyword and a sentence meaning it take the same path.
"""

from __future__ import annotations

from handlers import basics, consultations, languages, privacy, registration, subscriptions
from handlers.context import KEEP_LIST, Context
from handlers.router import Handler
from handlers.vocabulary import Option, Reply
from knowledge.intents import SMALL_TALK, IntentMatch, intents_of
from knowledge.text import fold
from storage import registrations

# Intent -> what does it. Small talk and `about` are answered here.
ACTIONS: dict[str, Handler] = {}


async def understand(ctx: Context) -> list[Reply] | None:
    """A sentence that means one of the bot's actions, or small talk; None for a question."""
    found = intents_of(ctx.knowledge).match(ctx.text)
    if found is None:
        return None
    ctx.extra["intent"] = found.intent
    if found.intent in SMALL_TALK:  # "thank you very much" never moves a conversation
        return await small_talk(ctx, found.intent)
    _follow_language(ctx, found)
    return await ACTIONS[found.intent](ctx)


def _follow_language(ctx: Context, found: IntentMatch) -> None:
    """A whole sentence in another language we speak ("I want to subscribe" from a person we
    knew as French) moves the conversation to it, as the FAQ does; short words never do."""
    if found.lang is None or found.lang == ctx.lang:
        return
    if not ctx.knowledge.locales.supports(found.lang) or len(fold(ctx.text).split()) < 3:
        return
    if ctx.knowledge.detect_language(ctx.text, ctx.lang) == found.lang:
        languages.follow(ctx, found.lang)


async def small_talk(ctx: Context, kind: str) -> list[Reply]:
    """One short line (one SMS segment). A newcomer gets the menu (the conversation puts the
    one-line welcome above it)."""
    if ctx.is_new:
        return [ctx.menu()]
    ctx.extra[KEEP_LIST] = True  # "ok" after a list: its numbers still hold
    return [Reply(ctx.t(f"conversations.small_talk.{kind}"))]


async def about(ctx: Context) -> list[Reply]:
    """ "c koi ce numero": what the service is, in one SMS segment, and the menu elsewhere."""
    if ctx.is_new:
        return [ctx.menu()]  # the welcome line above it already says what we are
    text = ctx.t("conversations.about")
    if ctx.channel == "sms":
        ctx.extra[KEEP_LIST] = True  # one segment, nothing added; the last list still holds
        return [Reply(text)]
    return [ctx.menu(text)]


async def unsubscribe(ctx: Context) -> list[Reply]:
    """ "je ne veux plus recevoir de messages": what STOP does, with its reply (never silent:
    Twilio only answers its own one-word keywords)."""
    return await basics.stop(ctx)


async def talk_to_a_person(ctx: Context) -> list[Reply]:
    """Open the counsellor request at once, and say so."""
    return await consultations.request_now(ctx)


async def cancel_registration(ctx: Context) -> list[Reply]:
    """The person's registrations, each with its own cancel choice (ANNULER <code>)."""
    found = await registrations.of_contact(ctx.session, ctx.contact.id)
    if not found:
        return [Reply(ctx.t("registration.mine_none"))]
    forum = named_forum(ctx)
    if forum is not None and any(r.forum_id == forum.id for r in found):
        found = [r for r in found if r.forum_id == forum.id]
    options = tuple(
        Option(
            ctx.t(
                "conversations.cancel_option",
                forum=registration.forum_name(ctx, r.forum_id),
                code=r.code,
            ),
            f"ANNULER {r.code}",
        )
        for r in found
    )
    return [Reply(ctx.t("conversations.cancel_choose"), options)]


async def register(ctx: Context) -> list[Reply]:
    """ "je veux m'inscrire au fidima": the registration, for the forum named if one is."""
    forum = named_forum(ctx)
    ctx.args = forum.id if forum else ""
    return await registration.start(ctx) or []


def named_forum(ctx: Context):  # noqa: ANN201 - knowledge.forums.Forum | None
    """The one forum a sentence names ("...au FIDIMA"), word by word; None if none or several."""
    forums = ctx.knowledge.forums
    if forums is None:
        return None
    found = {
        forum.id: forum
        for word in fold(ctx.text).split()
        if len(word) >= 3 and word not in ("forum", "forums")
        for forum in (registration.find_forum(forums, word),)
        if forum is not None
    }
    return next(iter(found.values())) if len(found) == 1 else None


async def change_language(ctx: Context) -> list[Reply]:
    """ "parlez moi en anglais": that language if one is named, else the list. A language named
    with a "not" ("je ne comprends pas l'anglais") is the one NOT wanted: the list."""
    locales = ctx.knowledge.locales
    found = intents_of(ctx.knowledge).match(ctx.text)
    named = [] if found is not None and found.negated else fold(ctx.text).split()
    for word in named:
        chosen = locales.language_for_word(word)
        if chosen:
            ctx.args = chosen
            return await basics.language(ctx)
    ctx.args = ""
    ctx.text = "LANGUE"
    return await basics.language(ctx)


async def help_(ctx: Context) -> list[Reply]:
    return await basics.help_(ctx)


ACTIONS.update(
    {
        "subscribe": subscriptions.subscribe,
        # "suis-je abonné ?": the state, what MON ABONNEMENT says (knowledge/intents.yaml `states`)
        "my_subscription": subscriptions.status,
        "unsubscribe": unsubscribe,
        "cancel_registration": cancel_registration,
        "my_registrations": registration.mine,
        "register": register,
        "human": talk_to_a_person,
        "language": change_language,
        "my_data": privacy.my_data,
        "delete_data": privacy.ask_delete,
        "help": help_,
        "menu": basics.menu,
        "about": about,
    }
)
