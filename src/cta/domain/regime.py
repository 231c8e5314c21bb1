"""The regime: what each nationality needs to enter, how long it may stay, which documents count.

A regime is data (``cta/policy/*.toml``); this module only gives it a shape and the questions
the rest of the domain asks of it. A named regime has versions with effective dates that do not
overlap (``RegimeSeries``); one version is a ``Regime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import pairwise

from cta.domain.internal_checks import InternalCheckKinds

__all__ = [
    "Category",
    "DocumentRule",
    "NationalityRule",
    "Regime",
    "RegimeSeries",
    "Source",
    "StayLimit",
]


class Category(StrEnum):
    """What a nationality needs under a regime (DESIGN.md glossary, plus today's national kinds)."""

    FREE_MOVEMENT = "free_movement"  # member nationals: no visa, no stay limit
    AUTHORIZATION = "authorization"  # visa-exempt, but needs a travel authorisation
    VISA_EXEMPT = "visa_exempt"  # nothing to obtain before travel
    E_VISA = "e_visa"  # a visa applied for online before travel
    VISA_ON_ARRIVAL = "visa_on_arrival"  # a visa issued at the crossing point
    VISA = "visa"  # a visa applied for at a consulate before travel
    NO_ADMISSION = "no_admission"  # not admitted at all

    @property
    def needs_visa(self) -> bool:
        return self in (Category.E_VISA, Category.VISA_ON_ARRIVAL, Category.VISA)

    @property
    def needs_authorization(self) -> bool:
        return self is Category.AUTHORIZATION

    @property
    def is_visa_free(self) -> bool:
        """Admitted without any visa (the ``derive`` rules count these)."""
        return self in (Category.FREE_MOVEMENT, Category.AUTHORIZATION, Category.VISA_EXEMPT)


@dataclass(frozen=True, slots=True)
class StayLimit:
    """At most ``limit`` days of presence in any window of ``window`` days."""

    limit: int
    window: int

    def __post_init__(self) -> None:
        # A limit equal to its window limits nothing: every window holds at most W days.
        if not 1 <= self.limit < self.window:
            raise ValueError(f"stay limit {self.limit} must be 1 or more and below {self.window}")


@dataclass(frozen=True, slots=True)
class NationalityRule:
    """The category of a nationality, its stay limit (``None``: no limit), and the longest
    single stay (``per_entry``; ``None``: no such limit), as in Georgia's "one full year"."""

    category: Category
    stay: StayLimit | None = None
    note: str = ""
    per_entry: int | None = None

    def __post_init__(self) -> None:
        if self.per_entry is not None and self.per_entry < 1:
            raise ValueError(f"a stay of at most {self.per_entry} days per entry allows none")


@dataclass(frozen=True, slots=True)
class DocumentRule:
    """Which travel documents a regime accepts, and how new and how long valid they must be."""

    member_document_codes: frozenset[str] = frozenset({"P", "I", "A", "C"})
    tcn_document_codes: frozenset[str] = frozenset({"P"})
    max_age_years: int | None = 10  # issued within the last N years (None: no limit)
    min_validity_months: int = 3  # valid at least N months after the planned exit


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact of a policy file comes from, and when it was checked."""

    title: str
    url: str = ""
    retrieved: date | None = None


@dataclass(frozen=True, slots=True)
class Regime:
    """One version of a named regime, in force from ``effective_from`` to ``effective_to``."""

    name: str
    members: frozenset[str]
    effective_from: date
    effective_to: date | None  # inclusive; None: open-ended
    rules: Mapping[str, NationalityRule]
    default_rule: NationalityRule  # nationalities not listed (stateless persons, refugees, ...)
    documents: DocumentRule = field(default_factory=DocumentRule)
    title: str = ""
    sources: tuple[Source, ...] = ()
    # how long a member may check at its internal borders, by kind (None: the regime allows
    # no such checks; cta.domain.internal_checks)
    internal_checks: InternalCheckKinds | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def is_member_national(self, nationality: str) -> bool:
        return nationality in self.members

    def rule_for(self, nationality: str) -> NationalityRule:
        """The rule for a nationality; member nationals move freely with no stay limit."""
        if nationality in self.members:
            return NationalityRule(Category.FREE_MOVEMENT)
        return self.rules.get(nationality, self.default_rule)

    def category_for(self, nationality: str) -> Category:
        return self.rule_for(nationality).category


@dataclass(frozen=True, slots=True)
class RegimeSeries:
    """All versions of one named regime, ordered by effective date, never overlapping."""

    name: str
    versions: tuple[Regime, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError(f"regime {self.name} has no version")
        ordered = sorted(self.versions, key=lambda r: r.effective_from)
        for earlier, later in pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(
                    f"regime {self.name}: versions from {earlier.effective_from} and "
                    f"{later.effective_from} overlap"
                )
        object.__setattr__(self, "versions", tuple(ordered))

    def in_force_on(self, on: date) -> Regime | None:
        """The version in force on a date, or ``None`` when none is."""
        for version in self.versions:
            if version.in_force(on):
                return version
        return None

    def as_if_on(self, on: date) -> Regime:
        """The version in force on a date; before the first, the first; in a gap, the last one."""
        current = self.versions[0]
        for version in self.versions:
            if version.effective_from <= on:
                current = version
        return current
