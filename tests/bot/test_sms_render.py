from __future__ import annotations

import random

import pytest

from bot.channels.sms_render import SmsRendering, render_sms, sms_text
from handlers.vocabulary import Option, Reply
from knowledge.gsm7 import is_gsm7, segments

MORE = "Envoyez PLUS pour la suite"
YES_NO = (Option("Oui", "oui"), Option("Non", "non"))


def render(*replies: Reply, max_segments: int = 2, option_hint: str | None = None):
    return render_sms(replies, max_segments=max_segments, more_hint=MORE, option_hint=option_hint)


def test_a_short_reply_is_one_message():
    assert render(Reply("Bonjour !")) == SmsRendering(["Bonjour !"], "", ())


def test_sms_text_is_preferred_to_text():
    result = render(Reply("Une longue réponse pour Telegram.", sms_text="Réponse courte."))
    assert result.messages == ["Réponse courte."]


def test_our_text_is_transliterated_to_gsm7():
    result = render(Reply("Votre inscription à la Fête: « très » bien — merci…"))
    assert result.messages == ['Votre inscription à la Fete: "très" bien - merci...']
    assert is_gsm7(result.messages[0])


def test_markup_is_stripped_and_blank_lines_collapsed():
    text = (
        "<b>Passeport</b>\n\n\n*Pieces* : l'acte de **naissance** et la carte _NINA_.\n\n"
        '<a href="https://example.org/p">Formulaire</a> &amp; `code`\n'
        "Voir faq_nationality_dual   ou  [le site](https://example.org)"
    )
    assert sms_text(text) == (
        "Passeport\nPieces : l'acte de naissance et la carte NINA.\n"
        "Formulaire (https://example.org/p) & code\n"
        "Voir faq_nationality_dual ou le site (https://example.org)"
    )


def test_options_are_numbered_lines_under_the_text():
    result = render(
        Reply("Voulez-vous vous inscrire ?", options=YES_NO),
        option_hint="Répondez par le numéro",
    )
    assert result.messages == [
        "Voulez-vous vous inscrire ?\n1. Oui\n2. Non\nRépondez par le numéro"
    ]
    assert result.options == YES_NO
    assert result.rest == ""


def test_options_are_numbered_across_replies_in_order():
    forums = (Option("FIDIMA", "forum fidima"), Option("Forum des Maliens", "forum fm"))
    result = render(Reply("Oui ou non ?", options=YES_NO), Reply("Forums :", options=forums))
    assert result.messages == [
        "Oui ou non ?\n1. Oui\n2. Non\nForums :\n3. FIDIMA\n4. Forum des Maliens"
    ]
    assert result.options == YES_NO + forums


def test_short_replies_are_joined_into_one_message():
    result = render(Reply("Merci."), Reply("Votre inscription est notée."), Reply("A bientôt."))
    assert result.messages == ["Merci.\nVotre inscription est notée.\nA bientot."]
    assert result.segments == 1


def test_replies_are_not_joined_when_that_costs_a_segment():
    first, second = "a" * 160, "b" * 160  # 1 + 1 segments apart, 3 joined
    result = render(Reply(first), Reply(second), max_segments=3)
    assert result.messages == [first, second]
    assert result.segments == 2


def test_an_emoji_reply_does_not_turn_the_others_into_ucs2():
    text = "Votre demande est enregistrée. " * 4
    result = render(Reply(text.strip()), Reply("🎉" * 30), max_segments=3)
    assert len(result.messages) == 2
    assert segments(result.messages[0]).encoding == "GSM-7"


def test_a_long_answer_stays_within_budget_and_ends_with_the_hint():
    answer = " ".join(f"Phrase numéro {i} sur la procédure au consulat." for i in range(40))
    result = render(Reply(answer), max_segments=2)
    assert len(result.messages) == 1
    message = result.messages[0]
    assert segments(message).segments <= 2
    assert message.endswith("\n" + MORE)  # the marker on a line of its own
    assert message.removesuffix("\n" + MORE).endswith(".")  # cut at a sentence end
    sent = message.removesuffix("\n" + MORE)
    assert (sent + " " + result.rest).split() == sms_text(answer).split()


def test_options_survive_when_the_text_is_cut():
    answer = "Le passeport se demande au consulat avec l'acte de naissance. " * 10
    result = render(
        Reply(answer, options=YES_NO), max_segments=2, option_hint="Repondez par le numero"
    )
    message = result.messages[0]
    assert segments(message).segments <= 2
    assert "\n1. Oui\n2. Non\nRepondez par le numero\n" in message
    assert message.endswith("\n" + MORE)
    assert result.rest.startswith("Le passeport")
    assert result.options == YES_NO


def test_a_first_line_before_a_long_answer_is_never_cut_to_a_fragment():
    # A first message: the welcome line, then the answer and its choice. The room left beside
    # the answer and its list held six letters: "Welcom", with "e to the info..." on MORE.
    welcome = "Welcome to the info service of Mali's ministry for Malians abroad."
    answer = (
        "Registration is open: next edition 20 January 2027 to 22 January 2027, Bamako.\n"
        "FIDIMA (Forum of Investors of the Malian Diaspora, Dec 2009) studied the obstacles to "
        "diaspora investment and recommended a guarantee fund and support for investors."
    )
    result = render(
        Reply(welcome), Reply(answer, options=(Option("Registration for this forum", "X"),))
    )
    message = result.messages[0]
    assert segments(message).segments <= 2
    assert message.startswith(welcome + "\nRegistration is open: next edition 20 January")
    assert "\n1. Registration for this forum\n" in message and message.endswith(MORE)
    assert result.rest.startswith("FIDIMA") or result.rest.startswith("diaspora")


def test_options_too_many_for_the_budget_are_cut_like_text():
    options = tuple(Option(f"Forum numero {i} de la diaspora", f"forum {i}") for i in range(20))
    result = render(Reply("Choisissez un forum :", options=options), max_segments=1)
    message = result.messages[0]
    assert segments(message).segments <= 1
    assert message.startswith("Choisissez un forum :\n1. Forum numero 0")
    assert message.endswith("\n" + MORE)
    # Cut between option lines, never inside one ("6." is not a sentence end).
    assert message.removesuffix("\n" + MORE).endswith(" de la diaspora")
    assert result.rest.startswith(f"{message.count(chr(10))}. Forum numero")  # header + marker
    assert "20. Forum numero 19 de la diaspora" in result.rest
    assert len(result.options) == 20


def test_nothing_to_send():
    assert render() == SmsRendering([], "", ())
    assert render(Reply("  \n ")) == SmsRendering([], "", ())


def test_budget_must_be_positive():
    with pytest.raises(ValueError):
        render(Reply("Bonjour"), max_segments=0)


_WORDS = [
    "le",
    "passeport",
    "consulat",
    "Bamako",
    "Fête",
    "très",
    "€",
    "{x}",
    "😀",
    "naissance",
    "l'acte",
    "n°",
    "ça",
    "*gras*",
]


def _random_reply(rng: random.Random) -> Reply:
    text = " ".join(
        rng.choice(_WORDS) + rng.choice(["", ".", "\n"]) for _ in range(rng.randrange(0, 120))
    )
    options = tuple(
        Option(" ".join(rng.choices(_WORDS, k=rng.randrange(1, 4))), str(i))
        for i in range(rng.choice([0, 0, 2, 3, 9]))
    )
    return Reply(text or "ok", options=options)


def test_budget_and_content_invariants_on_random_replies():
    rng = random.Random(99)
    for _ in range(600):
        replies = [_random_reply(rng) for _ in range(rng.randrange(1, 4))]
        budget = rng.randrange(1, 4)
        result = render_sms(replies, max_segments=budget, more_hint=MORE)
        assert result.segments <= budget
        assert all(result.messages)
        expected_options = tuple(o for r in replies for o in r.options)
        assert result.options == expected_options
        if result.rest:
            assert result.messages[-1].endswith(MORE)
        # Every option line is either sent or held in rest, never lost.
        everything = "\n".join(result.messages) + "\n" + result.rest
        for number, option in enumerate(expected_options, start=1):
            assert f"{number}. {sms_text(option.label)}" in everything.replace(" " + MORE, "\n")
