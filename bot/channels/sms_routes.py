"""Which SMS provider carries a message to a number: `SMS_ROUTES`, rules read in order.

`+223=android,+33=twilio,*=twilio`: a number starting with +223 (Mali) goes through the phone
with a local SIM, everything else through Twilio. The first rule whose prefix matches wins, as
in RapidPro's channel selection by country. Without rules, or for a number no rule matches, the
first configured provider carries it: with one provider everything goes through it, as before
routes existed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

ANY = "*"
_PREFIX = re.compile(r"^\+\d{1,15}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


@dataclass(frozen=True)
class Rule:
    prefix: str  # "+223", or "*" for any number
    provider: str

    def matches(self, number: str) -> bool:
        return self.prefix == ANY or number.startswith(self.prefix)


class SmsRoutes:
    """Ordered rules from number prefix to provider name, checked against configured ones."""

    def __init__(self, rules: Sequence[Rule], providers: Sequence[str]) -> None:
        if not providers:
            raise ValueError("SMS routes need at least one configured provider")
        unknown = sorted({r.provider for r in rules} - set(providers))
        if unknown:
            raise ValueError(
                f"SMS_ROUTES names {', '.join(unknown)}, not configured "
                f"(configured: {', '.join(providers)})"
            )
        self.providers = tuple(providers)
        # The catch-all is explicit from here on: what no rule takes goes to the first provider.
        self.rules = tuple(rules)
        if not any(r.prefix == ANY for r in self.rules):
            self.rules += (Rule(ANY, self.providers[0]),)

    @classmethod
    def parse(cls, raw: str, providers: Sequence[str]) -> SmsRoutes:
        """`+223=android,*=twilio` (commas or semicolons, spaces ignored)."""
        rules: list[Rule] = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            prefix, sep, provider = (x.strip() for x in part.partition("="))
            provider = provider.lower()
            if not sep or not _PROVIDER.match(provider):
                raise ValueError(f"SMS_ROUTES: {part!r} is not PREFIX=PROVIDER (+223=android)")
            if prefix != ANY and not _PREFIX.match(prefix):
                raise ValueError(f"SMS_ROUTES: {prefix!r} is not + and digits, nor *")
            rules.append(Rule(prefix, provider))
        return cls(rules, providers)

    def provider_for(self, address: str) -> str:
        """The provider for a `tel:` address (or a bare +number)."""
        number = address.removeprefix("tel:")
        for rule in self.rules:
            if rule.matches(number):
                return rule.provider
        return self.providers[0]  # unreachable: the last rule is a catch-all

    def claims(self, provider: str) -> list[tuple[str, tuple[str, ...]]]:
        """The numbers this provider carries, as (prefix, earlier prefixes it must not match):
        what the outbox claim of this provider's lane selects (storage.outbox.route_filter)."""
        taken: list[str] = []
        mine: list[tuple[str, tuple[str, ...]]] = []
        for rule in self.rules:
            if rule.provider == provider:
                mine.append((rule.prefix, tuple(taken)))
            if rule.prefix == ANY:
                break  # nothing after a catch-all is ever reached
            taken.append(rule.prefix)
        return mine

    @property
    def single(self) -> bool:
        """Only one provider carries anything: no routing needed."""
        return len({r.provider for r in self.rules}) == 1

    def describe(self) -> str:
        return ",".join(f"{r.prefix}={r.provider}" for r in self.rules)
