"""What a person wants to do ("jveu recevoir les messages chaque semaine": subscribe), and small
talk ("merci bcp", "i ni ce", "👍"), read from knowledge/intents.yaml.

It reuses the FAQ's text tools, so a rule is right once for both: `fold`, the SMS spellings of
sms_spellings.yaml (`spelled_tokens`), the typo corrector and the word-overlap index (rare words
weigh more, a message must be mostly about a phrasing, words no phrasing uses count against it).
Negation words fold into one marker, because "je ne veux plus recevoir" is the opposite of "je
veux recevoir" and they share every other word: an intent must never be read as its opposite.

Word overlap with the phrasings alone overfits them: "je voudrais annuler ma place au forum" shares
too little with "je veux annuler mon inscription" to be read (a held-out set written by someone
else: 0.63 right). So a second signal, `cues` in intents.yaml, reads the shape of a request: an
action word and the thing it acts on ("annuler" / "cancel" / "retirer" + "inscription" / "place" /
"forum"; "voir" / "show" + "données" / "info"), as whole words or word starts per language
(conjugations, nouns and SMS spellings share a start; each word is read as typed and as the typo
corrector reads it), with the polarity it needs ("je ne pourrai pas venir au forum" is a
cancellation, "venir au forum" a registration; an undoing word is never part of the thing undone:
"cancel my subscription" is not "subscribe"). A message is read as an intent when:
- its phrasings' overlap is confident (MIN_SCORE, MIN_LEAD), and no cue of another intent fits
  it (a negated message needs a cue of the intent itself: "il n'y a pas de forum pour les femmes
  ?" is a question), or
- cues of exactly one intent fit it, and its phrasings give that intent some support
  (CUE_MIN_SCORE).
Reading the wrong action is the worst outcome, so where a message says two things it is left to
the FAQ (which asks): cues of two intents fit ("je veux voir mes données avant de les
supprimer"); a negated message read whole and clause by clause gives different intents ("je ne
reçois pas les messages, abonnez moi": where does the "not" belong?); a clause says "not" to an
undoing word ("je ne veux pas me désabonner"). Either way the guards stay: at most MAX_WORDS
words, and no word specific to an FAQ subject that neither the intent nor a cue uses ("annuler
un transfert" is a question; STRICT_FAQ_WORD for what cues alone read, and for "help", which
people say before many questions).

A request is the person's; words of an intent in a message about something else are not one
(session 5, `_not_a_request`, data in intents.yaml `requests`), so the engine declines where:
- the message is one word that does not say an intent alone ("Montréal", which the typo
  corrector reads as "montrez" of "montrez moi le menu"; "Awa", "commerce": answers to a
  registration's questions): one word is read only as a one-word phrasing or a word of
  `requests: alone` ("menu", "humain", "anglais"), as typed or ONE_WORD_TYPO edits from it;
- it asks about a thing and says nothing of the person: a word of `asks` (what, quel, quand, a
  copula: "le forum est annulé ?", "what is the menu at the forum dinner", "quelles langues
  parle-t-on au mali") and none of `person` (je, mon, vous, my, you...); "comment" / "how" is no
  such word ("comment s'abonner" is a request), and `about` and `help`, whose phrasings are such
  questions, are exempt;
- an action word is followed by "à" / "to" and a word no intent knows: another thing is named
  ("m'abonner à canal plus", "subscribe to netflix");
- an undoing word that every cue of the intent refuses is in it (`cue_sets: undo`, "résilier
  mon abonnement"): refused on the phrasings' path as on the cues' (subscribe, register).
Development set: tests/knowledge/intents_precision5.yaml; blind set intents_blind5.yaml.

Session 6 (intents6): what looked like an action and was not one, or was its opposite.
- A "not" of seeing, receiving, knowing or being (`cue_sets: unseen`) is a problem told: "je ne
  reçois pas les messages" did STOP. A cue may refuse what other words say in the message
  (`unless`), and a clause's cue that a word of another clause refuses is dropped ("tu es un
  robot, je veux un humain").
- `vetoes` (intents.yaml) lists the sets whose words, refused by every cue of an intent, refuse
  it on the phrasings' path too: undoing, looking, other people ("my son doesn't speak
  french"), a report ("the bot answered in french"), food, a mistake ("je me suis désabonné par
  erreur": asked, not guessed), a state ("am i subscribed"), a hypothesis ("if i unsubscribe").
- Read from its phrasings alone, an intent is refused when the message names a thing of
  another intent's (`cue_sets: things`) that it never names ("who is the fidima organiser"), or
  lacks its anchors (delete_data: "delete my appointment", "forget it").
- A negated subscribing word stops the messages only where the "not" says "no more" (`NO_MORE`:
  "plus", "stop", "anymore", undoing words): "je ne veux pas m'abonner" declines the offer.
- Words cut by a hyphen are joined where together they are a word we know ("dé-sabonner"); the
  typo corrector never drops or adds an undoing prefix (knowledge/typos.py), and knows the
  undoing words of `synonyms`; a forum's short name in a person's request names the forum, not
  an FAQ subject; "stop svp" (every word says the intent alone) and small talk with one letter
  off in a long word are read.

Session 6, second round (intents7): a question or a story with an action's words.
- A question whether an action is done (`states` in intents.yaml, `States`): a conjugated being
  or auxiliary word then the action said as done ("suis-je abonné ?", "is my data deleted?",
  "vous avez annulé mon inscription ?"), a "did" ("did you delete my data"), or a state word
  ("mon abonnement marche ?"), with no wish ("je veux être abonné") and no request form of it
  ("je ne suis pas encore abonné, abonnez-moi"). It shows the state where there is one
  (`shown`: my_subscription, what MON ABONNEMENT says; my_registrations), else the FAQ.
- Declining is no undoing: a "not" of subscribing or registering needs the "no more" marker
  ("je ne veux pas m'abonner aux sms", "je ne veux pas m'inscrire au forum" act on nothing).
- Cue sets that refuse an action where they name something else: erasing a message
  (`erase`: "supprime le message" is no STOP), a wish given up (`declined`), who did it
  (`asker`), maybe (`maybe`), changing (`change`: "changer mon numéro" is no erasure), the
  phone's credit, another service's account, data stolen (`harmed`) or asked for (`needed`).

Meaning (the FAQ's sentence encoder) was measured as a third signal and left out: at thresholds
that keep questions out, it recovered 4 of the 11 misses left on the development sets, but it
does not see polarity or objects ("je veux annuler un transfert d'argent": cancel_registration at
cosine 0.76; "je veux m'abonner à canal plus": subscribe at 0.82), it would cost ~2 ms per
message, and it exists only once the encoder has loaded, where the intent check must read a
message the same from the first second (issue 13). Figures: docs/benchmarks.md, "Intents".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz.distance import OSA

from knowledge.lexical import LexicalIndex, stem
from knowledge.normalise import spelled_tokens
from knowledge.normalise import stem as singular
from knowledge.text import fold
from knowledge.typos import TypoCorrector
from knowledge.yamlfile import read_yaml

INTENTS_FILE = Path(__file__).parent / "intents.yaml"
# The forums' names: their words name a forum, not an FAQ subject (IntentIndex._names_a_subject).
FORUMS_FILE = Path(__file__).parent / "forums.yaml"
NEGATION = "negation"
# Added beside the negation marker where the "not" says "no more" ("je ne veux PLUS", "stop",
# "désabonner", "anymore"): stopping what is, not declining what is offered ("je ne veux pas
# m'abonner" is no STOP). A filler word: cues read it, the overlap does not.
NO_MORE = "nomoremark"
# Small talk: answered with a friendly line, never a knowledge gap (handlers/intents.py).
SMALL_TALK = frozenset({"greeting", "thanks", "ok", "laugh", "bye", "emoji"})
# Where an intent starts (0-100 word-overlap score), and how far it must lead the next intent.
# Tuned on the phrasings of intents.yaml against the FAQ's question sets (none may be read as an
# intent); measured on tests/knowledge/intents_heldout.yaml: docs/benchmarks.md, issue 13.
MIN_SCORE = 55.0
MIN_LEAD = 8.0
# Intents looked at beyond the best (the negation filter may set the best ones aside).
RANKED = 5
# FAQ idf from which a word names a subject of its own (used by 3 of 48 entries or fewer).
RARE_FAQ_WORD = 2.8
# The same for `strict` intents (help): any word used by a dozen entries or fewer ("entreprise",
# "investir", "money") makes "j'ai besoin d'aide pour ..." a question. Tuned on
# tests/knowledge/intents_dev4.yaml (2.8: three help questions read as help; 1.7: none).
STRICT_FAQ_WORD = 1.7
# Messages longer than this are questions or stories, not "I want to subscribe".
MAX_WORDS = 14
# Weight of the message's coverage against the phrasing's (as the FAQ's COVERAGE_BALANCE).
BALANCE = 0.55
# Word-overlap score (0-100) from which an intent whose cues fit the message is read as it.
# Tuned on tests/knowledge/intents_dev4.yaml, checked on intents_heldout.yaml and on the FAQ's
# question sets (faq_eval.yaml, faq_heldout.yaml: none may be read as an intent).
CUE_MIN_SCORE = 10.0
# A one-word message is read as an intent only if it is a word that says it alone (intents.yaml
# `requests: alone`, one-word phrasings) or this many edits from one (a letter typed, dropped,
# changed or two swapped: "menuu", "humian"). Tuned on tests/knowledge/intents_precision5.yaml:
# the typo corrector's nearest word is 2 edits from "Montréal" ("montrez") and 3 from
# "comptable" ("compte").
ONE_WORD_TYPO = 1
# Small talk of several words is read with a typo in its words of this many letters or more
# ("assalamou aleikoum", session 6); shorter words are too close to each other.
SHORT_TYPO_LENGTH = 5
_PARTS = re.compile(r"[,.;!?\n]+")
# Where a negation stops: "je ne reçois pas les messages, abonnez moi" says two things.
_CLAUSES = re.compile(r"[,.;:!?\n]+|\b(?:mais|but)\b", re.IGNORECASE)
# Two words joined by a hyphen ("dé-sabonner", "un-subscribe", "abonnez-moi").
_HYPHENATED = re.compile(r"(\w+)[-\u2010\u2011](\w+)")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "merciii", "mdrrrr", "okkkk"


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    score: float  # 0-100; 100 for a whole-message short phrasing or an emoji-only message
    lang: str | None  # the language of the phrasing matched, None for short ones and emoji
    # The message says "not" ("je ne comprends pas l'anglais"): a language it names is the one
    # it does not want.
    negated: bool = False


@dataclass(frozen=True)
class Cue:
    """One shape of a request: a word of each group (`act`, `what`), none of `unless`, and the
    negation it needs (`negated` in intents.yaml: true, "yes": "je ne pourrai pas venir";
    absent, "no": "je veux venir"; "any"). A cue
    word ending in "*" is a word start ("annul*": annuler, annulez, annulation, annulé)."""

    lang: str
    groups: tuple[frozenset[str], ...]
    negation: str = "no"
    unless: frozenset[str] = frozenset()

    def fits(self, words: list[str]) -> bool:
        return self._shaped(words) and not any(_is(w, self.unless) for w in words)

    def refuses(self, words: list[str]) -> bool:
        """The cue would fit but for a word of `unless`."""
        return self._shaped(words) and any(_is(w, self.unless) for w in words)

    def _shaped(self, words: list[str]) -> bool:
        """A word of each group, and the negation the cue needs."""
        negated = NEGATION in words
        if (self.negation == "yes" and not negated) or (self.negation == "no" and negated):
            return False
        return all(any(_is(w, group) for w in words) for group in self.groups)

    def uses(self, word: str) -> bool:
        return any(_is(word, group) for group in self.groups)


def _cue_word(word: object) -> str:
    text = str(word)
    return fold(text.rstrip("*")) + ("*" if text.endswith("*") else "")


@lru_cache(maxsize=256)
def _split(cue_words: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Whole words, and word starts (the "*" ones, without it)."""
    starts = tuple(c[:-1] for c in cue_words if c.endswith("*"))
    return frozenset(c for c in cue_words if not c.endswith("*")), starts


def _is(word: str, cue_words: frozenset[str]) -> bool:
    """`word` is one of `cue_words`, or starts with one of those ending in "*"."""
    whole, starts = _split(cue_words)
    return word in whole or (bool(starts) and word.startswith(starts))


@dataclass(frozen=True)
class Requests:
    """intents.yaml `requests`: what tells a person's request from a question about a thing."""

    person: frozenset[str] = frozenset()
    asks: frozenset[str] = frozenset()
    exempt: frozenset[str] = frozenset()
    object_after: frozenset[str] = frozenset()
    # Per intent, the words that say it alone (besides its one-word phrasings).
    alone: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class States:
    """intents.yaml `states`: a question whether an action is done ("suis-je abonné ?", "is my
    data deleted?") is no request to do it."""

    # Being, conjugated ("suis", "est", "are", "was"; not "être" / "be": "je veux être abonné").
    being: frozenset[str] = frozenset()
    # Words that make it a request again ("je ne suis pas encore abonné, je VEUX l'être").
    wish: frozenset[str] = frozenset()
    # Per intent: its action said as done ("abonné", "deleted"), and said as asked for
    # ("abonnez", "delete"): a request form anywhere keeps the request.
    done: dict[str, frozenset[str]] = field(default_factory=dict)
    asked: dict[str, frozenset[str]] = field(default_factory=dict)
    # A past asked about ("did you delete my data?", "did i subscribe?"): a question, whatever
    # form the verb takes; and words of a state ("mon abonnement est actif ?", "still").
    past: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()
    # Per intent: what such a question is answered with ("suis-je abonné ?": the subscription's
    # state, MON ABONNEMENT); none: the FAQ ("is my data deleted?").
    shown: dict[str, str] = field(default_factory=dict)

    def asks_whether_done(self, spelled: list[str], intent: str) -> bool:
        """A being word, then the intent's action said as done, and no wish nor request form of
        it: "suis-je abonné ?", "je suis abonné ?", "are my messages stopped?"."""
        done = self.done.get(intent)
        if not done or any(_is(w, self.wish) for w in spelled):
            return False
        if any(_is(w, self.past) for w in spelled):
            return True
        if any(_is(w, self.asked.get(intent, frozenset())) for w in spelled):
            return False
        if any(_is(w, self.status) for w in spelled):
            return True
        being = [
            i
            for i, w in enumerate(spelled)
            if _is(w, self.being) or (w == "m" and i > 0 and spelled[i - 1] == "i")  # "i'm"
        ]
        return bool(being) and any(_is(w, done) for w in spelled[being[0] + 1 :])


@dataclass(frozen=True)
class _Negation:
    always: frozenset[str]
    plus_words: frozenset[str]
    plus_after: frozenset[str]
    # English "n't" folds to "tu" ("don't" -> "don tu"): a negation after these.
    contracted: frozenset[str] = frozenset()
    # "pas encore", "not yet": not a refusal ("je ne suis pas encore abonné").
    not_yet: frozenset[str] = frozenset()
    # Words that say "no more" (stop, arrêtez, anymore): NO_MORE beside them.
    no_more: frozenset[str] = frozenset()


def _squeeze(folded: str) -> str:
    return _REPEATS.sub(r"\1", folded)


# What an emoji message is made of: symbols and punctuation ("👍", ":)"), with the marks,
# joiners, tags and spaces that build emoji sequences ("❤️", "👨‍👩‍👧", a flag). Unassigned code
# points and non-characters (U+FFFF; category Cn), private-use ones (Co), surrogates and control
# characters are no emoji (session 6: U+FFFF alone was read as one).
_EMOJI_PARTS = ("S", "P")
_EMOJI_GLUE = frozenset({"Mn", "Me", "Cf", "Zs"})


def is_emoji_only(text: str) -> bool:
    """No letter or digit, but a symbol or punctuation, and nothing that is not a character:
    "👍", "🙏🙏", ":)", "❤️"."""
    stripped = text.strip()
    if not stripped:
        return False
    categories = [unicodedata.category(ch) for ch in stripped]
    return any(c.startswith(_EMOJI_PARTS) for c in categories) and all(
        c.startswith(_EMOJI_PARTS) or c in _EMOJI_GLUE for c in categories
    )


class IntentIndex:
    def __init__(
        self,
        intents: dict[str, dict[str, list[str]]],
        negation: _Negation,
        known_words: Iterable[str] = (),
        *,
        synonyms: dict[str, str] | None = None,
        softeners: Iterable[str] = (),
        filler: Iterable[str] = (),
        rarity: Callable[[str], float] | None = None,
        cues: dict[str, list[Cue]] | None = None,
        strict: Iterable[str] = (),
        requests: Requests | None = None,
        undo: Iterable[str] = (),
        forum_names: Iterable[str] = (),
        things: Iterable[str] = (),
        states: States | None = None,
        state_words: Iterable[str] = (),
    ) -> None:
        self._things = frozenset(things)
        self._states = states or States()
        # intents.yaml `cue_sets: state` ("am", "est", "deja"): no veto of a state question.
        self._state_words = frozenset(state_words)
        self._requests = requests or Requests()
        self._negation = negation
        self._synonyms = synonyms or {}
        self._softeners = frozenset(softeners)
        # Function words that say nothing about the intent (the overlap index weighs the rest).
        self._filler = frozenset(filler) | {NO_MORE}
        # How specific a word is to a few FAQ entries (FaqIndex.word_rarity): such a word that
        # the intent's phrasings never use makes the message a question ("c'est quoi le
        # FIDIMA" is not "c'est quoi ce numero").
        self._rarity = rarity or (lambda _word: 0.0)
        self.names: list[str] = list(intents)
        self._short: dict[str, str] = {}
        docs: list[tuple[int, list[str]]] = []
        typed_docs: list[tuple[int, list[str]]] = []
        self._doc_lang: list[str] = []
        vocabulary: set[str] = set(known_words)
        # What people say, per intent and language ("short": whole messages).
        self.phrasings: dict[str, dict[str, list[str]]] = {
            name: {lang: p for lang, p in by_lang.items() if lang not in ("anchors", "strict")}
            for name, by_lang in intents.items()
        }
        # Small talk said with one word ("mrc"): its intent, to read "mrc bcp", "dac merci".
        self._short_words: dict[str, str] = {}
        # Words one of which a message must use to be read as the intent (intents.yaml).
        self._anchors: dict[int, frozenset[str]] = {}
        # Intents whose words come before many questions: see STRICT_FAQ_WORD.
        self._strict = {i for i, name in enumerate(intents) if name in set(strict)}
        for i, (name, by_lang) in enumerate(intents.items()):
            if by_lang.get("anchors"):
                self._anchors[i] = frozenset(fold(w) for w in by_lang["anchors"])
            for phrase in by_lang.get("short", ()):
                key = self._short_key(phrase)
                self._short[key] = name
                if " " not in key:
                    self._short_words.setdefault(key, name)
            for lang, phrases in by_lang.items():
                if lang in ("short", "anchors", "strict"):
                    continue
                for phrase in phrases:
                    spelled = spelled_tokens(phrase)
                    vocabulary.update(spelled)
                    typed_docs.append((i, [t for t in spelled if t not in self._filler]))
                    tokens = self._marked(spelled)
                    if tokens:
                        docs.append((i, tokens))
                        self._doc_lang.append(lang)
        # Undoing words are words people type: "desabonement" is a typo of "desabonnement",
        # which is "ne abonner" (session 6: no phrasing uses it, and the corrector had only
        # "abonnement" to offer). Only those: "inscris" is no typo of "inscrits".
        vocabulary.update(
            word
            for word, meaning in self._synonyms.items()
            if meaning.split()[0] in negation.always
        )
        self._typos = TypoCorrector(vocabulary)
        self.known_words = frozenset(vocabulary)
        # The FAQ's words: one of them that the intent's phrasings never use makes the message a
        # question ("c'est quoi le FIDIMA" is not "c'est quoi ce numéro").
        self._intent_stems: list[set[str]] = [set() for _ in self.names]
        for owner, tokens in docs:
            self._intent_stems[owner].update(stem(t) for t in tokens)
        # ... as typed too: "désabonnez" is a word of unsubscribe's, though read "ne abonner".
        for owner, typed in typed_docs:
            self._intent_stems[owner].update(stem(t) for t in typed)
        self._lexical = LexicalIndex(docs, len(self.names))
        self._phrasing_words = frozenset(t for _, tokens in docs for t in tokens)
        self._docs = docs
        # Action + object shapes per intent (intents.yaml `cues`), by intent index.
        self._cues: dict[int, list[Cue]] = {
            self.names.index(name): list(found)
            for name, found in (cues or {}).items()
            if name in self.names
        }
        # Words of intents.yaml `vetoes` sets (undoing, looking, other people, a report, food)
        # that every cue of an intent refuses (subscribe, register, language, menu) refuse it on
        # the phrasings' path too: "résilier mon abonnement" is never "subscribe", however close
        # its other words are to "mon abonnement", nor is "je veux voir mes messages", nor "the
        # bot answered in french" "answer in french".
        self._vetoes: dict[int, frozenset[str]] = {
            i: frozenset.intersection(*(cue.unless for cue in found)) & frozenset(undo)
            for i, found in self._cues.items()
            if found
        }
        # The words of the forums' short names (knowledge/forums.yaml: "forum des FEMMES",
        # "DIASPO-ISTM"): for an intent about forums they name the forum, not an FAQ subject
        # ("je veux m'inscrire au forum des femmes" was a question: "femmes" is rare in the FAQ).
        self._forum_names = frozenset(forum_names)
        self._forum_intents = frozenset(
            i for i, stems in enumerate(self._intent_stems) if "forum" in stems
        )
        # Words that say an intent alone ("menu", "humain", "anglais", "abonnement"): a phrasing
        # of one word ("le menu"), or intents.yaml `requests: alone`. A one-word message is read
        # only as one of these, as typed or with a typo (ONE_WORD_TYPO).
        self._keywords: dict[int, frozenset[str]] = {i: frozenset() for i, _ in enumerate(intents)}
        for owner, tokens in docs:
            content = [t for t in tokens if t not in self._softeners]
            if len(content) == 1:
                self._keywords[owner] = self._keywords[owner] | {content[0]}
        for name, words in self._requests.alone.items():
            if name in self.names:
                i = self.names.index(name)
                self._keywords[i] = self._keywords[i] | words

    @classmethod
    def load(
        cls,
        path: Path = INTENTS_FILE,
        known_words: Iterable[str] = (),
        rarity: Callable[[str], float] | None = None,
        forums: Path = FORUMS_FILE,
    ) -> IntentIndex:
        raw = read_yaml(path) or {}
        neg = raw.get("negation") or {}
        negation = _Negation(
            frozenset(fold(str(w)) for w in neg.get("always", ())),
            frozenset(fold(str(w)) for w in neg.get("plus_words", ())),
            frozenset(fold(str(w)) for w in neg.get("plus_after", ())),
            frozenset(fold(str(w)) for w in neg.get("contracted", ())),
            frozenset(fold(str(w)) for w in neg.get("not_yet", ())),
            frozenset(fold(str(w)) for w in neg.get("no_more", ())),
        )
        intents = {
            str(name): {
                str(lang): [str(p) for p in phrases or ()]
                for lang, phrases in v.items()
                if lang != "strict"
            }
            for name, v in (raw.get("intents") or {}).items()
        }
        strict = [str(n) for n, v in (raw.get("intents") or {}).items() if v.get("strict")]
        synonyms = {
            fold(str(variant)): fold(str(canonical))
            for canonical, variants in (raw.get("synonyms") or {}).items()
            for variant in variants or ()
        }
        softeners = [fold(str(w)) for w in raw.get("softeners") or ()]
        sets = {
            f"${name}": [_cue_word(w) for w in words or ()]
            for name, words in (raw.get("cue_sets") or {}).items()
        }

        def cue_words(words: Iterable[object]) -> frozenset[str]:
            unknown = [str(w) for w in words or () if str(w).startswith("$") and w not in sets]
            if unknown:
                raise ValueError(f"{path}: no cue_sets for {unknown}")
            return frozenset(c for w in words or () for c in sets.get(str(w), [_cue_word(w)]))

        cues = {
            str(name): [
                Cue(
                    str(lang),
                    tuple(
                        cue_words(rule[group])
                        for group in ("act", "what", "with")
                        if rule.get(group)
                    ),
                    {True: "yes", "any": "any"}.get(rule.get("negated", False), "no"),
                    cue_words(rule.get("unless") or ()),
                )
                for lang, rules in by_lang.items()
                for rule in rules or ()
            ]
            for name, by_lang in (raw.get("cues") or {}).items()
        }
        return cls(
            intents,
            negation,
            known_words,
            synonyms=synonyms,
            softeners=softeners,
            filler=[fold(str(w)) for w in raw.get("filler") or ()],
            rarity=rarity,
            cues=cues,
            strict=strict,
            requests=_requests(raw.get("requests") or {}),
            # The words of intents.yaml `vetoes` sets (undoing, looking, other people...) refuse
            # an intent on the phrasings' path too (below).
            undo=[w for name in raw.get("vetoes") or () for w in sets.get(f"${name}", ())],
            forum_names=_forum_names(forums),
            things=sets.get("$things", ()),
            states=_states(raw.get("states") or {}),
            state_words=sets.get("$state", ()),
        )

    def _short_key(self, text: str) -> str:
        return " ".join(spelled_tokens(_squeeze(fold(text))))

    def _marked(self, spelled: list[str]) -> list[str]:
        """Tokens without filler, negation words as one marker."""
        return [w for w in self._words(spelled) if w not in self._filler]

    def _words(self, spelled: list[str]) -> list[str]:
        """Every word after synonyms, negation words as one marker (cues read "sur moi", which
        the overlap leaves out as filler)."""
        out: list[str] = []
        previous = ""
        negation = self._negation
        words: list[str] = []
        for t in spelled:
            meaning = self._synonyms.get(t, t).split()
            words += meaning
            if len(meaning) > 1 and meaning[0] in negation.always:
                words.append(NO_MORE)  # an undoing word: "désabonner" is "no more abonner"
        for token in words:
            if token == NO_MORE:
                out.append(NO_MORE)
            elif token in negation.plus_words and previous in negation.plus_after:
                out += [NEGATION, NO_MORE]
            elif token in negation.always or (token == "tu" and previous in negation.contracted):
                out += [NEGATION, NO_MORE] if token in negation.no_more else [NEGATION]
            elif token in negation.not_yet and NEGATION in out[-3:]:
                out = [w for w in out if w != NEGATION]
            else:
                out += [token, NO_MORE] if token in negation.no_more else [token]
            previous = token
        return out

    def _rejoined(self, text: str) -> str:
        """Words cut by a hyphen joined again where together they are a word we know: "dé-sabonner"
        is "désabonner", never "de" + "sabonner" (s'abonner); "abonnez-moi" stays two words."""

        def join(found: re.Match[str]) -> str:
            joined = found.group(1) + found.group(2)
            folded = fold(joined)
            known = folded in self._synonyms or folded in self.known_words
            return joined if known and " " not in folded else found.group(0)

        return _HYPHENATED.sub(join, text)

    def _not_undoing(self, text: str) -> bool:
        """ "je ne veux pas me désabonner", "i don't want to unsubscribe": a "not" of an undoing
        word in one clause, neither the undoing nor its opposite. ("je ne veux plus" counts two
        markers too, but has no undoing word.)"""
        for clause in _CLAUSES.split(text):
            spelled = spelled_tokens(_squeeze(fold(clause or "")))
            undoing = any(
                t in self._synonyms and self._synonyms[t].split()[0] in self._negation.always
                for t in spelled
            )
            if undoing and self._words(spelled).count(NEGATION) > 1:
                return True
        return False

    def match(self, text: str) -> IntentMatch | None:
        """The intent `text` expresses, or None (then it is a question for the FAQ)."""
        if is_emoji_only(text):
            return IntentMatch("emoji", 100.0, None)
        text = self._rejoined(text)
        folded = _squeeze(fold(text))
        if not folded:
            return None
        spelled = spelled_tokens(folded)
        short = self._short.get(" ".join(spelled)) or self._small_talk_words(spelled)
        if short is None:  # "barika, aw ni ce": small talk in several parts
            parts = [
                self._short.get(" ".join(spelled_tokens(_squeeze(fold(part)))))
                for part in _PARTS.split(text)
                if fold(part)
            ]
            if len(parts) > 1 and all(parts):
                short = parts[0]
        if short is None:
            short = self._short_with_typo(spelled)
        if short is not None:
            return IntentMatch(short, 100.0, None)
        if len(spelled) > MAX_WORDS:
            return None
        found = self._read(text, spelled)
        if found is None and (alone := self._said_alone_only(spelled)) is not None:
            return IntentMatch(self.names[alone], 100.0, None)
        return found

    def _read(self, text: str, spelled: list[str]) -> IntentMatch | None:
        """The intent of a message that is no small talk: its phrasings and its cues."""
        words = self._words(self._typos.correct_all(spelled))
        tokens = [w for w in words if w not in self._filler]
        if not tokens or (NEGATION in tokens and self._not_undoing(text)):
            return None
        scores = self._lexical.score_entries(tokens, BALANCE)
        typed = self._words(spelled)
        negated = NEGATION in tokens
        cued = self._cued(text, words, typed)
        if cued is None:
            return None
        best = self._by_phrasings(tokens, scores)
        if len(cued) > 1:
            # Two actions' shapes ("je ne reçois pas les messages, abonnez moi"; "voir mes
            # données avant de les supprimer"): asking which costs less than doing the wrong one.
            return None
        if best is not None and best not in cued and (cued or (negated and best in self._cues)):
            # The shape says another action ("withdraw my registration"), or a negated
            # message has no request's shape ("il n'y a pas de forum pour les femmes ?").
            best = None
        if best is not None:
            anchors = self._anchors.get(best)
            # an anchor may be a function word ("forget ME" is delete_data, "forget it" not)
            if anchors is not None and not anchors & set(words) and best not in cued:
                return None
            if best not in cued and self._names_another_thing(words + typed, best):
                return None
            lang = self._best_lang(tokens, best)
            strict = best in self._strict
        elif len(cued) == 1:
            ((best, cue),) = cued.items()
            if scores[best] < CUE_MIN_SCORE:
                return None
            lang, strict = cue.lang, True  # less said like a phrasing: more wary of subjects
        else:
            return None
        # "suis-je abonné ?", "is my data deleted?": asking whether it is done, never doing it
        # (session 6, intents7: the first subscribed the person). Shown where there is a state
        # to show (the subscription's, the registrations), else left to the FAQ.
        name = self.names[best]
        vetoes = self._vetoes.get(best, frozenset())
        if self._states.asks_whether_done(spelled, name):
            shown = self._states.shown.get(name)
            if shown is None:
                return None
            name, vetoes = shown, vetoes - self._state_words  # "am", "est" make it a state
        if vetoes and any(_is(w, vetoes) for w in set(words) | set(typed)):
            return None
        if self._not_a_request(spelled, tokens, best, best in cued):
            return None
        # The words as typed: a typo corrected into an FAQ word ("finalement" -> "financement")
        # is a guess, not a subject.
        # A forum's name in a request of the person's names the forum ("inscrivez MOI au forum
        # des femmes"); without one it may be the subject ("inscription forum des femmes").
        named = self._forum_names if self._requests.person & set(spelled) else frozenset()
        content = [w for w in typed if w not in self._filler]
        if self._names_a_subject(content, best, strict, named):
            return None
        return IntentMatch(name, round(float(scores[best]), 1), lang, negated)

    def _cued(self, text: str, words: list[str], typed: list[str]) -> dict[int, Cue] | None:
        """The intents whose cues fit the message; None when its clauses disagree about them.

        Each word is read as typed and as corrected ("assister" is not the typo corrector's
        "sister"). A message of several clauses is read whole and clause by clause. With a
        negation in it, both readings must agree: where the negation belongs is unclear ("je ne
        reçois pas les messages, abonnez moi"; "je suis abonné mais je ne veux plus"; "je ne suis
        pas inscrit, je veux m'inscrire"), and asking costs less than the opposite action."""

        def fitting(reading: list[str]) -> dict[int, Cue]:
            return {i: cue for i, cues in self._cues.items() for cue in cues if cue.fits(reading)}

        reading = words + [w for w in typed if w not in words]
        whole = fitting(reading)
        clauses = [c for c in _CLAUSES.split(text) if c and fold(c)]
        if len(clauses) < 2:
            return whole
        parts: dict[int, Cue] = {}
        for clause in clauses:
            spelled = spelled_tokens(_squeeze(fold(clause)))
            corrected = self._words(self._typos.correct_all(spelled))
            as_typed = self._words(spelled)
            parts.update(fitting(corrected + [w for w in as_typed if w not in corrected]))
        if NEGATION in words and set(parts) != set(whole):
            return None
        # A clause's cue that a word elsewhere refuses is no request: "tu es un robot, je veux un
        # humain" asks for a person (about's cue refuses "veux"), not what the bot is.
        refused = {i for i, cues in self._cues.items() for cue in cues if cue.refuses(reading)}
        parts = {i: cue for i, cue in parts.items() if i in whole or i not in refused}
        return {**parts, **whole}

    def _not_a_request(
        self, spelled: list[str], tokens: list[str], intent: int, cued: bool = False
    ) -> bool:
        """The message is not this intent's request, though it uses its words:
        - one word that does not say the intent alone ("Montréal", read by the typo corrector as
          "montrez" of "montrez moi le menu"; "Abou"): a city, a name, an answer to a question;
        - a question about a thing, with no word of the person ("le forum est annulé ?", "what is
          the menu at the forum lunch"; intents.yaml `requests`);
        - an action on another thing, named right after it ("m'abonner à canal plus",
          "subscribe to netflix").
        One word said to the person ("appelez-MOI svp") with the shape of the intent's request
        (`cued`) is a request, though the word alone would not be."""
        content = [t for t in tokens if t not in self._softeners]
        typed = [t for t in spelled if t not in self._filler and t not in self._softeners]
        to_me = cued and bool(self._requests.person & set(spelled) - {"vous", "you"})
        if (
            len(content) == 1
            and len(typed) == 1
            and not to_me
            and not self._said_alone(typed[0], intent)
        ):
            return True
        requests = self._requests
        name = self.names[intent]
        if (
            name not in requests.exempt | SMALL_TALK
            and not requests.person & set(spelled)
            and requests.asks & set(spelled)
        ):
            return True
        # "qui a créé ce service": "qui" is no action, and "a" its verb
        return name not in requests.exempt and self._names_another_object(spelled, intent)

    def _said_alone_only(self, spelled: list[str]) -> int | None:
        """The intent every word says alone, politeness aside: "stop svp", "menu stp" (a "stop"
        is a negation marker to the rest of the engine, which then finds nothing negated)."""
        content = [t for t in spelled if t not in self._filler and t not in self._softeners]
        if not content:
            return None
        found = {
            i
            for t in content
            for i, words in self._keywords.items()
            if _is(t, words) or _is(self._synonyms.get(t, t), words)
        }
        if len(found) != 1:
            return None
        (intent,) = found
        keywords = self._keywords[intent]
        anchors = self._anchors.get(intent)
        if anchors is not None and not anchors & set(self._words(spelled)):
            return None  # "oubliez" alone is "never mind": delete_data needs "moi"
        return intent if all(_is(t, keywords) for t in content) else None

    def _said_alone(self, typed: str, intent: int) -> bool:
        """`typed` is a word that says the intent alone, or a typo of one (ONE_WORD_TYPO)."""
        keywords = self._keywords[intent]
        if _is(typed, keywords) or _is(self._synonyms.get(typed, typed), keywords):
            return True
        whole, _starts = _split(keywords)
        return any(OSA.distance(typed, word) <= ONE_WORD_TYPO for word in whole)

    def _names_another_object(self, spelled: list[str], intent: int) -> bool:
        """An action word of the intent, then "à" / "to" and a word no intent knows."""
        acts = frozenset(w for cue in self._cues.get(intent, ()) for w in cue.groups[0])
        words = [w for t in spelled for w in self._synonyms.get(t, t).split()]
        for before, prep, after in zip(words, words[1:], words[2:], strict=False):
            if prep not in self._requests.object_after or not _is(before, acts):
                continue
            following = [w for w in words[words.index(after) :] if w not in self._filler]
            if following and not self._known_here(following[0]):
                return True
        return False

    def _names_another_thing(self, words: list[str], intent: int) -> bool:
        """A thing another intent acts on (intents.yaml `cue_sets: things`: the messages, a forum,
        a registration, the data...) that this intent's phrasings and cues never name: read from
        its phrasings alone, "who is the forum organiser" is not "who is this", nor "voir mes
        messages" "voir mes inscriptions"."""
        own = self._intent_stems[intent]
        cues = self._cues.get(intent, ())
        return any(
            _is(w, self._things) and stem(w) not in own and not any(c.uses(w) for c in cues)
            for w in words
        )

    def _known_here(self, word: str) -> bool:
        """A word of an intent's phrasings or cues, or a softener ("svp")."""
        return (
            word in self._phrasing_words
            or word in self._softeners
            or word == NEGATION
            or self._cue_word(word)
        )

    def _by_phrasings(self, tokens: list[str], scores: np.ndarray) -> int | None:
        """The intent whose phrasings the message clearly says, or None."""
        # An intent whose closest phrasing says "not" when the message does not (or the
        # reverse) is out of the running: "je ne veux plus recevoir" shares every other word
        # with "je veux recevoir", and must never be read as it, nor be kept from its own
        # intent by it.
        ranked = [
            int(i)
            for i in np.argsort(-scores)[:RANKED]
            if scores[i] > 0 and self._negation_agrees(tokens, int(i))
        ]
        if not ranked:
            return None
        best = ranked[0]
        runner_up = float(scores[ranked[1]]) if len(ranked) > 1 else 0.0
        score = float(scores[best])
        if score < MIN_SCORE or score - runner_up < MIN_LEAD:
            return None
        return best

    def _names_a_subject(
        self, tokens: list[str], intent: int, strict: bool, named: frozenset[str] = frozenset()
    ) -> bool:
        """A word specific to a few FAQ entries that neither the intent's phrasings nor any
        cue use: the message is a question ("c'est quoi le FIDIMA", "annuler un transfert")."""
        limit = STRICT_FAQ_WORD if strict else RARE_FAQ_WORD
        named = named if intent in self._forum_intents else frozenset()
        # Three letters can name a thing ("abonnement bus" is a bus pass); the first half of a
        # "don't" ("don tu") is no thing, whatever the FAQ's "don" (a gift) weighs.
        return any(
            len(t) > 2
            and t not in self._negation.contracted
            and stem(t) not in self._intent_stems[intent]
            and not self._cue_word(t)
            and singular(t) not in named
            and self._rarity(t) >= limit
            for t in tokens
        )

    def _cue_word(self, token: str) -> bool:
        return any(cue.uses(token) for cues in self._cues.values() for cue in cues)

    def _short_with_typo(self, spelled: list[str]) -> str | None:
        """A short formula of several words with a letter off in its long words ("salam
        aleikoum", "bonne journéé"): each word as written, or ONE_WORD_TYPO edits from it when both
        have SHORT_TYPO_LENGTH letters or more. One-word formulas are left exact ("merci" is
        not "merch")."""
        if not 1 < len(spelled) <= 4:
            return None
        found = {
            name
            for key, name in self._short.items()
            if len(words := key.split()) == len(spelled)
            and all(
                a == b
                or (
                    min(len(a), len(b)) >= SHORT_TYPO_LENGTH
                    and OSA.distance(a, b) <= ONE_WORD_TYPO
                )
                for a, b in zip(spelled, words, strict=True)
            )
        }
        return found.pop() if len(found) == 1 else None

    def _small_talk_words(self, spelled: list[str]) -> str | None:
        """ "mrc bcp", "dac merci", "merci beaucoup monsieur": one-word small talk with
        softeners around it; the intent of its first small-talk word."""
        kinds = [self._short_words.get(t) for t in spelled if t not in self._softeners]
        if kinds and all(kinds):
            return kinds[0]
        return None

    def _negation_agrees(self, tokens: list[str], intent: int) -> bool:
        negated = NEGATION in tokens
        stems = {t[:6] for t in tokens}
        best_overlap, agrees = -1, True
        for (owner, doc), _lang in zip(self._docs, self._doc_lang, strict=True):
            if owner != intent:
                continue
            overlap = len(stems & {t[:6] for t in doc})
            if overlap > best_overlap:
                best_overlap, agrees = overlap, (NEGATION in doc) == negated
        return agrees

    def _best_lang(self, tokens: list[str], intent: int) -> str | None:
        stems = {t[:6] for t in tokens}
        best, lang = -1, None
        for (owner, doc), doc_lang in zip(self._docs, self._doc_lang, strict=True):
            if owner == intent:
                overlap = len(stems & {t[:6] for t in doc})
                if overlap > best:
                    best, lang = overlap, doc_lang
        return lang


def _forum_names(path: Path) -> frozenset[str]:
    """The words of the forums' short names, in every language, of 4 letters or more ("femmes",
    "women", "fidima"). Not their long names: "how can i join the diaspora investors forum"
    asks what FIDIMA is (an FAQ question)."""
    raw = read_yaml(path) if path.exists() else {}
    texts = [
        str(text)
        for forum in (raw or {}).get("forums") or ()
        for text in ((forum or {}).get("short_name") or {}).values()
    ]
    return frozenset(singular(w) for text in texts for w in fold(text).split() if len(w) > 3)


def _requests(raw: dict) -> Requests:
    def words(values: Iterable[object]) -> frozenset[str]:
        return frozenset(_cue_word(w) for w in values or ())

    return Requests(
        **{key: words(values) for key, values in raw.items() if key != "alone"},
        alone={str(name): words(values) for name, values in (raw.get("alone") or {}).items()},
    )


def _states(raw: dict) -> States:
    def words(values: Iterable[object]) -> frozenset[str]:
        return frozenset(_cue_word(w) for w in values or ())

    def per_intent(key: str) -> dict[str, frozenset[str]]:
        return {str(name): words(values) for name, values in (raw.get(key) or {}).items()}

    return States(
        being=words(raw.get("being")),
        wish=words(raw.get("wish")),
        done=per_intent("done"),
        asked=per_intent("asked"),
        past=words(raw.get("past")),
        status=words(raw.get("status")),
        shown={str(name): str(shown) for name, shown in (raw.get("shown") or {}).items()},
    )


@lru_cache(maxsize=1)
def default_intents() -> IntentIndex:
    return IntentIndex.load()


def intents_of(knowledge: object) -> IntentIndex:
    """The knowledge's intents, or the shipped ones (for knowledge built without them)."""
    return getattr(knowledge, "intents", None) or default_intents()
