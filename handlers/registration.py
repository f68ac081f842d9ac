"""Forum registration: choose an open forum, answer one question at a time, confirm, get a code.

Entered by INSCRIPTION / REGISTER (with an optional forum id), the menu, an FAQ answer's button
or a Telegram deep link (`start=fidima` arrives as "INSCRIPTION fidima"). The flow's state lives
in the database (`flow_states`), so it survives restarts and stateless SMS webhooks. Seats are
decided in `storage.registrations` under a lock on the forum; people promoted from the waitlist
are told through the outbox.
"""

from __future__ import annotations

import logging

from handlers import forum_editions
from handlers import registration_answers as answers_
from handlers.context import Context, MenuItem
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.addresses import mask, phone_region
from knowledge.countries import country_name
from knowledge.forums import Field, Forum, Forums
from knowledge.intents import intents_of
from knowledge.locales import Locales
from knowledge.normalise import normalise
from knowledge.text import fold
from knowledge.words import mentions, says, words
from storage import outbox, registrations
from storage.models import Contact, ForumEdition, Registration

logger = logging.getLogger(__name__)

FLOW = "registration"
FORUM_STEP = "forum"
SUMMARY_STEP = "summary"
FORUM_WORDS = frozenset({"forum", "forums", "fidima", "evenement", "event"})
MODIFY_WORDS = ("modifier", "corriger", "modify", "change", "edit", "correct")


# --- formatting ---------------------------------------------------------------------------------


def dates_text(locales: Locales, forum: Forum, lang: str) -> str:
    """'du 15 au 16 mars 2027', or 'encore à confirmer' while the dates are placeholders."""
    if not forum.dates_confirmed:
        return locales.t(lang, "registration.dates_tbc")
    start, end = locales.long_date(lang, forum.starts_on), locales.long_date(lang, forum.ends_on)
    if forum.starts_on == forum.ends_on:
        return locales.t(lang, "registration.date", start=start)
    return locales.t(lang, "registration.dates", start=start, end=end)


def forum_dates(ctx: Context, forum: Forum) -> str:
    return dates_text(ctx.knowledge.locales, forum, ctx.lang)


def _forums(ctx: Context) -> Forums | None:
    """The forums as described (names, fields): enough where no edition matters."""
    return ctx.knowledge.forums


async def _live(ctx: Context) -> Forums | None:
    """The forums with the editions staff opened: dates, place, capacity, whether it is open."""
    return await forum_editions.resolved_forums(ctx.session, ctx.knowledge.forums)


def _display(ctx: Context, field: Field, value: str | None, *, sms: bool = False) -> str:
    """An answer as the person reads it back: a country's name, a choice's label."""
    if value is None:
        return ctx.t("registration.not_given")
    if field.type == "country":
        return country_name(value, ctx.lang)
    if field.type == "choice":
        choice = field.choice(value)
        if choice is not None:
            return (choice.sms if sms else choice.label)[ctx.lang]
    return value


def _status_text(ctx: Context, registration: Registration, position: int | None) -> str:
    if registration.status == "waitlisted":
        return ctx.t("registration.status_waitlisted", position=position)
    return ctx.t("registration.status_confirmed")


def _forum_name(ctx: Context, forum_id: str, lang: str | None = None) -> str:
    forums = _forums(ctx)
    forum = forums.get(forum_id) if forums else None
    return forum.short_name[lang or ctx.lang] if forum else forum_id


forum_name = _forum_name  # for other handlers (handlers/intents.py)


async def edition_name(ctx: Context, registration: Registration, lang: str | None = None) -> str:
    """The forum's name with its edition's first day ("FIDIMA, 15 mars 2027"), so a person
    registered for two editions tells them apart; the name alone without an edition row."""
    lang = lang or ctx.lang
    name = _forum_name(ctx, registration.forum_id, lang)
    edition = await ctx.session.get(ForumEdition, registration.edition_id)
    if edition is None:
        return name
    return f"{name}, {ctx.knowledge.locales.long_date(lang, edition.starts_on)}"


async def _seats(ctx: Context, registration: Registration) -> int | None:
    """The capacity a seat freed in the registration's edition is given within: its latest
    edition's while that is the registration's (open or closed: the forum still takes place)
    and the forum has not ended; None (nobody promoted) for an earlier or finished edition."""
    forums = await forum_editions.resolved_forums(
        ctx.session, ctx.knowledge.forums, with_closed=True
    )
    forum = forums.get(registration.forum_id) if forums else None
    if forum is None or forum.edition_id != registration.edition_id:
        return None
    if forum.dates_confirmed and forum.local_date(ctx.now) > forum.ends_on:
        return None
    return forum.capacity


# --- entering the flow --------------------------------------------------------------------------


def find_forum(forums: Forums, text: str) -> Forum | None:
    """The forum a person names: its id, short or full name, code prefix, or one word of a name."""
    folded = fold(text).replace("_", " ").replace("-", " ")
    if not folded:
        return None
    for forum in forums.forums.values():
        names = {forum.id.replace("_", " "), forum.code_prefix, *forum.short_name.values()}
        names |= set(forum.name.values())
        if folded in {fold(n).replace("-", " ") for n in names}:
            return forum
    if len(folded) < 4:
        return None
    found = [
        forum
        for forum in forums.forums.values()
        if any(
            f" {folded} " in f" {fold(n).replace('-', ' ')} "
            for n in (*forum.short_name.values(), *forum.name.values())
        )
    ]
    return found[0] if len(found) == 1 else None


async def start(ctx: Context) -> list[Reply] | None:
    """INSCRIPTION [forum]: start the named forum's registration, or choose an open forum."""
    forums = await _live(ctx)
    if forums is None:
        return [ctx.menu(ctx.t("registration.unavailable"))]
    if ctx.args:
        forum = find_forum(forums, ctx.args)
        if forum is not None:
            return await _begin(ctx, forum)
        if not set(fold(ctx.args).split()) & FORUM_WORDS:
            return None  # "register a company in Mali" is a question for the FAQ
    return await _choose(ctx)


async def _choose(ctx: Context, text: str | None = None) -> list[Reply]:
    forums = await _live(ctx)
    assert forums is not None
    open_forums = forums.open_forums(ctx.now)
    if not open_forums:
        await ctx.end_flow()
        return forum_editions.offer_all(ctx, forums)
    if len(open_forums) == 1 and text is None:
        return await _begin(ctx, open_forums[0])
    await ctx.start_flow(FLOW, FORUM_STEP, {})
    options = tuple(
        Option(forum.short_name[ctx.lang], f"INSCRIPTION {forum.id}") for forum in open_forums
    )
    return [Reply(text or ctx.t("registration.choose"), options)]


def _prefill(ctx: Context) -> dict[str, str]:
    """What we already know: the contact's name and country, an SMS sender's own number."""
    contact = ctx.contact
    known: dict[str, str] = {}
    if contact.name:
        known["name"] = contact.name
    address_scheme, _, rest = contact.address.partition(":")
    country = contact.country or (phone_region(rest) if address_scheme == "tel" else None)
    if country:
        known["country"] = country
    if address_scheme == "tel":
        known["contact"] = rest
    return known


async def start_forum(ctx: Context, forum: Forum) -> list[Reply]:
    """Registration for `forum` (resolved with its edition), or the offer to be told."""
    return await _begin(ctx, forum)


async def _begin(ctx: Context, forum: Forum) -> list[Reply]:
    if not forum.is_open(ctx.now):
        await ctx.end_flow()
        return forum_editions.offer(ctx, forum)
    existing = await registrations.live_for(
        ctx.session, forum.id, ctx.contact.id, forum.edition_id
    )
    if existing is not None:
        await ctx.end_flow()
        return [await _already(ctx, existing)]
    forums = _forums(ctx)
    assert forums is not None
    fields = forums.fields_of(forum)
    data = {
        "forum": forum.id,
        "edition": forum.edition_id,  # the edition whose dates the person was shown
        "answers": {},
        "prefill": _prefill(ctx),
    }
    await ctx.start_flow(FLOW, fields[0].id, data)
    dates, place = forum_dates(ctx, forum), forum.place[ctx.lang]
    intro = Reply(
        ctx.t(
            "registration.intro",
            name=forum.name[ctx.lang],
            description=forum.description[ctx.lang],
            dates=dates,
            place=place,
            count=len(fields),
        ),
        # Short on SMS: a newcomer's welcome, this and the first question share the budget.
        sms_text=ctx.t(
            "registration.intro_sms", forum=forum.short_name[ctx.lang], count=len(fields)
        ),
    )
    return [intro, ask(ctx, fields[0], data)]


async def _already(ctx: Context, registration: Registration) -> Reply:
    position = await registrations.position(ctx.session, registration)
    return Reply(
        ctx.t(
            "registration.already",
            forum=await edition_name(ctx, registration),
            code=registration.code,
            status=_status_text(ctx, registration, position),
        )
    )


# --- one question at a time ---------------------------------------------------------------------


def ask(ctx: Context, field: Field, data: dict, lead: str | None = None) -> Reply:
    """The question for `field`: why it is asked, the choices, how to skip or keep an answer."""
    sms = ctx.channel == "sms"
    lines = [lead] if lead else [field.prompt[ctx.lang]]
    options = [
        Option((choice.sms if sms else choice.label)[ctx.lang], choice.id)
        for choice in field.choices
    ]
    known = data.get("prefill", {}).get(field.id)
    if field.optional and not field.choices and known is None:
        lines.append(ctx.t("registration.skip_hint"))
    if known is not None:
        lines.append(ctx.t("registration.keep_hint", value=_display(ctx, field, known, sms=sms)))
        if not sms:  # on SMS the hint says OUI; a numbered line would cost the segment
            options.append(ctx.option("registration.keep", "OUI"))
    return Reply("\n".join(lines), tuple(options))


async def step(ctx: Context) -> list[Reply] | None:
    """Take the answer to the current question, or the choice of forum, or the confirmation."""
    forums = await _live(ctx)
    assert ctx.flow is not None
    if forums is None:
        await ctx.end_flow()
        return None
    data = dict(ctx.flow.data)
    leaving = _leaving(ctx)
    if leaving is not None:
        await ctx.end_flow()
        if leaving == "cancel_registration":  # "je veux annuler" is no city: as ANNULER does
            return [ctx.menu(ctx.t("flow.cancelled"))]
        return None  # "je veux parler à un conseiller": the router does what it says
    if ctx.flow.step == FORUM_STEP:
        forum = find_forum(forums, ctx.text)
        if forum is None:
            return await _choose(ctx, ctx.t("registration.choose_again"))
        return await _begin(ctx, forum)
    forum = forums.get(data.get("forum", ""))
    if forum is None or (ctx.flow.step != SUMMARY_STEP and ctx.flow.step not in forum.fields):
        await ctx.end_flow()  # forums.yaml changed under this flow: start again
        return [ctx.menu(ctx.t("registration.unavailable"))]
    if ctx.flow.step == SUMMARY_STEP:
        return await _at_summary(ctx, forums, forum, data)
    field = forums.fields[ctx.flow.step]
    if _asks(ctx):
        return await _question_aside(ctx, field, data)
    result = answers_.check(ctx, field, data)
    if result.error is not None:
        return [ask(ctx, field, data, lead=result.error)]
    data["answers"] = {**data.get("answers", {}), field.id: result.value}
    fields = forums.fields_of(forum)
    index = forum.fields.index(field.id)
    if index + 1 < len(fields):
        await ctx.set_step(fields[index + 1].id, data)
        return [ask(ctx, fields[index + 1], data)]
    await ctx.set_step(SUMMARY_STEP, data)
    return [summary(ctx, forums, forum, data)]


# What a person may say in the middle of the questions that is no answer to them: they want
# out of the registration ("je veux annuler ma place", "je voudrais parler à quelqu'un").
LEAVING_INTENTS = frozenset({"cancel_registration", "menu", "human", "unsubscribe", "delete_data"})
# A sentence, not a word: MENU, ANNULER and the like are keywords, taken before the flow.
LEAVING_MIN_WORDS = 3


def _leaving(ctx: Context) -> str | None:
    if len(ctx.text.split()) < LEAVING_MIN_WORDS:  # "Montréal", "Awa Traoré": answers
        return None
    found = intents_of(ctx.knowledge).match(ctx.text)
    if found is None or found.negated or found.intent not in LEAVING_INTENTS:
        return None
    return found.intent


def _asks(ctx: Context) -> bool:
    """Whether the message is a question rather than an answer: a question word among its first
    words once SMS spellings are read ("c quand le fidima" -> "c est quand..."), or a sentence
    with a "?" ("France ?", an unsure answer, stays an answer)."""
    if "?" in ctx.text and len(ctx.text.split()) >= LEAVING_MIN_WORDS:
        return True
    head = " ".join(fold(normalise(ctx.text)).split()[:3])
    return mentions(head, words(ctx.knowledge.locales, "asking"))


async def _question_aside(ctx: Context, field: Field, data: dict) -> list[Reply] | None:
    """A question in place of an answer is not stored as a city or a name: it is answered when
    the FAQ can, and the same question of the form is asked again; someone in danger on the
    route leaves the form for the urgent request (the router)."""
    # Imported here: handlers.faq imports this module (dates_text).
    from handlers.faq import answer_aside

    match, replies = await answer_aside(ctx)
    prompt = field.prompt[ctx.lang]
    if replies:
        if ctx.channel == "sms":  # every character is paid: the field's name, not its prompt
            lead = ctx.t("registration.resume_sms", label=field.label[ctx.lang])
        else:
            lead = ctx.t("registration.resume", prompt=prompt)
        resume = ask(ctx, field, data, lead=lead)
        if ctx.channel == "sms" and not ctx.fits_sms([*replies, resume]):
            # What does not fit an SMS budget waits for PLUS: the form's question must arrive.
            return [resume, *replies]
        return [*replies, resume]
    if match.outcome == "answer":  # urgent: nothing of the form matters more
        await ctx.end_flow()
        return None
    return [ask(ctx, field, data, lead=ctx.t("registration.question_later", prompt=prompt))]


def summary(ctx: Context, forums: Forums, forum: Forum, data: dict) -> Reply:
    """Everything the person gave, to check before confirming."""
    answers = data.get("answers", {})

    def lines(sms: bool) -> str:
        # "Nom : Awa" in French, "Name: Awa" in English: each locale's typography.label_value.
        rows = [
            ctx.t(
                "typography.label_value",
                label=ctx.t("registration.forum_label"),
                value=forum.short_name[ctx.lang],
            )
        ]
        rows += [
            ctx.t(
                "typography.label_value",
                label=field.label[ctx.lang],
                value=_display(ctx, field, answers.get(field.id), sms=sms),
            )
            for field in forums.fields_of(forum)
        ]
        return "\n".join(rows)

    return Reply(
        ctx.t("registration.summary", lines=lines(False)),
        _summary_options(ctx),
        sms_text=ctx.t("registration.summary_sms", lines=lines(True)),
    )


def _summary_options(ctx: Context) -> tuple[Option, ...]:
    return (
        ctx.option("registration.confirm", "OUI"),
        ctx.option("registration.modify", "MODIFIER"),
        ctx.option("registration.cancel", "ANNULER"),
    )


async def _at_summary(ctx: Context, forums: Forums, forum: Forum, data: dict) -> list[Reply]:
    answer = fold(ctx.text)
    if says(ctx.knowledge.locales, answer, "yes"):
        return await _confirm(ctx, forum, data)
    if says(ctx.knowledge.locales, answer, "no"):
        await ctx.end_flow()
        return [ctx.menu(ctx.t("registration.abandoned"))]
    if answer in MODIFY_WORDS:
        # Go through the questions again, each offering the answer given as the one to keep.
        given = {k: v for k, v in data.get("answers", {}).items() if v is not None}
        data = {**data, "answers": {}, "prefill": {**data.get("prefill", {}), **given}}
        first = forums.fields_of(forum)[0]
        await ctx.set_step(first.id, data)
        return [ask(ctx, first, data)]
    return [Reply(ctx.t("registration.summary_again"), _summary_options(ctx))]


async def _confirm(ctx: Context, forum: Forum, data: dict) -> list[Reply]:
    await ctx.end_flow()
    if not forum.is_open(ctx.now):  # it closed while the person was answering
        return [Reply(ctx.t("registration.not_open", forum=forum.short_name[ctx.lang]))]
    if data.get("edition", forum.edition_id) != forum.edition_id:
        # Staff closed the edition the person was answering for and opened another, with other
        # dates: start again with that one, whose dates and place they have not seen yet.
        return await _begin(ctx, forum)
    answers = data.get("answers", {})
    outcome = await registrations.register(
        ctx.session,
        forum_id=forum.id,
        edition_id=forum.edition_id,
        code_prefix=forum.code_prefix,
        capacity=forum.capacity,
        contact_id=ctx.contact.id,
        answers=answers,
        now=ctx.now,
    )
    await notify_promoted(ctx, outcome.promoted)
    if outcome.existing:
        return [await _already(ctx, outcome.registration)]
    # Kept to prefill the next registration; the summary said so before the person confirmed.
    if answers.get("name"):
        ctx.contact.name = answers["name"]
    if answers.get("country"):
        ctx.contact.country = answers["country"]
    registration = outcome.registration
    logger.info(
        "registration %s for %s: %s", mask(ctx.contact.address), forum.id, registration.status
    )
    values = {
        "forum": forum.short_name[ctx.lang],
        "code": registration.code,
        "dates": forum_dates(ctx, forum),
        "position": outcome.position,
    }
    kind = "waitlisted" if registration.status == "waitlisted" else "confirmed"
    return [
        Reply(
            ctx.t(f"registration.{kind}", **values),
            sms_text=ctx.t(f"registration.{kind}_sms", **values),
        )
    ]


async def notify_promoted(ctx: Context, promoted: list[Registration]) -> None:
    """Tell people who just got a seat from the waitlist, through the outbox."""
    for registration in promoted:
        contact = await ctx.session.get(Contact, registration.contact_id)
        if contact is None:
            continue
        # A promotion answers the person's own request, like a reply: it is queued even for
        # someone who said STOP to bulk messages (the dispatcher has the last word).
        text = ctx.t(
            "registration.promoted",
            contact.language,
            forum=await edition_name(ctx, registration, contact.language),
            code=registration.code,
        )
        await outbox.enqueue(
            ctx.session,
            contact,
            text,
            kind="registration",
            source=f"registration:{registration.forum_id}",
            dedupe_key=f"registration:promoted:{registration.id}",
            now=ctx.now,
        )


# --- a person's registrations -------------------------------------------------------------------


async def mine(ctx: Context) -> list[Reply]:
    """MES INSCRIPTIONS: a person's registrations, with codes and status or waitlist position."""
    found = await registrations.of_contact(ctx.session, ctx.contact.id)
    if not found:
        return [Reply(ctx.t("registration.mine_none"))]
    lines = []
    for registration in found:
        position = await registrations.position(ctx.session, registration)
        lines.append(
            ctx.t(
                "registration.mine_line",
                forum=await edition_name(ctx, registration),
                code=registration.code,
                status=_status_text(ctx, registration, position),
            )
        )
    return [Reply(ctx.t("registration.mine", lines="\n".join(lines)))]


async def cancel_by_code(ctx: Context) -> list[Reply] | None:
    """ANNULER <code> / CANCEL <code>: cancel one's own registration; not mine without a code."""
    code = registrations.normalise_code(ctx.args) if ctx.args else None
    if code is None:
        return None  # bare ANNULER leaves a flow; "annuler mon rdv" is a question
    registration = await registrations.by_code(ctx.session, code)
    if registration is None or registration.contact_id != ctx.contact.id:
        # Someone else's code gets the same answer as an unknown one: codes reveal nothing.
        return [Reply(ctx.t("registration.not_yours", code=code))]
    if registration.status == "cancelled":
        return [Reply(ctx.t("registration.already_cancelled", code=code))]
    promoted = await registrations.cancel(
        ctx.session, registration, await _seats(ctx, registration), ctx.now
    )
    await notify_promoted(ctx, promoted)
    logger.info(
        "registration %s for %s cancelled", mask(ctx.contact.address), registration.forum_id
    )
    return [
        Reply(
            ctx.t("registration.cancelled", code=code, forum=await edition_name(ctx, registration))
        )
    ]


KEYWORDS = [
    Keyword(("inscription", "register", "inscrire", "registration"), start, takes_argument=True),
    Keyword(("s inscrire", "sinscrire", "sign up", "signup"), start),
    Keyword(
        (
            "mes inscriptions",
            "mes inscription",
            "my registrations",
            "my registration",
            "inscriptions",
            "registrations",
        ),
        mine,
    ),
    Keyword(("annuler", "cancel"), cancel_by_code, takes_argument=True),
]
FLOWS = {FLOW: step}
MENU = (MenuItem("registration.menu", "INSCRIPTION"),)
