"""A traveller's names written together: how an alert typed as one word, or with the space one
letter off, is found and scored (``HüseynliAynur``, ``Հովհաննիսյա նԼուսինե``).

The traveller's surname parts and given names are written together in the orders a clerk
might have typed them (all of them, given names first, one surname part with one given name),
and compared with an alert name's tokens written together: the same letters are ``JOINED``
(0.95), the same skeleton ``VARIANT`` (0.93). The space one letter off is found by the
surname and the first given name split one letter early or late, looked up as a pair of
skeletons.

**Where the space falls in Armenian script.** ե and ո print YE and VO at the start of a name
and E and O inside it (``names.armenian``), so a space moved in front of one of them changes
the letters: ``ԲագրատյանՋ եսիկա`` prints BAGRATYANJ YESIKA for BAGRATYAN JESIKA. A token
after the first is written together without that initial Y or V (``_inside``), on both sides.

**Without a birth date** (``strict``) only the tokens' own skeletons written together count
(a skeleton of the whole folds doubles across the join, and -YANTS must stay -YANTS), and only
joins that hold the document's first given name: SONA MURADYAN written together is the second
given name of SIRARPI SONA MURADYAN, not a one-word alert on her.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cta.domain.screening.normalise import skeleton
from cta.domain.screening.score import JOINED, VARIANT, same_suffix

__all__ = ["JOIN_TOKENS", "JoinedNames"]

JOIN_TOKENS = 4  # names written together: the first four, and a surname part with a given name
_OTHER_SUFFIXES = ("YANTS", "IANTS", "YANTZ", "IANTZ")
_INITIAL = (("YE", "E"), ("VO", "O"))


def _inside(token: str) -> str:
    """A token as it prints inside a word: Armenian's initial YE and VO as E and O."""
    for initial, inside in _INITIAL:
        if token.startswith(initial) and len(token) > len(initial):
            return inside + token[len(initial) :]
    return token


def glue(tokens: Sequence[str]) -> str:
    """Tokens written as one word (the second and later as they print inside a word)."""
    return "".join([tokens[0], *(_inside(t) for t in tokens[1:])]) if tokens else ""


def _other_suffixes(text: str) -> int:
    return sum(text.count(suffix) for suffix in _OTHER_SUFFIXES)


@dataclass(slots=True)
class JoinedNames:
    """A traveller's joins (see the module's docstring).

    ``joins``: glued MRZ text → token positions; ``firsts``: the joins that hold the first given
    name; ``skeletons``: the skeletons of each join (of the whole, and of the tokens' skeletons
    written together) → the join, looked up as single tokens; ``raw``: the tokens' skeletons
    written together → the join (what counts without a birth date); ``shifted``: pairs of
    skeletons, the surname and the first given name with the space one letter off.
    """

    joins: dict[str, list[int]] = field(default_factory=dict)
    firsts: frozenset[str] = frozenset()
    skeletons: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    lengths: frozenset[int] = frozenset()
    shifted: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, surname: Sequence[str], given: Sequence[str], shapes: Sequence[str]) -> (
        JoinedNames
    ):
        """The joins of a document's surname parts and given names (``shapes``: the
        skeletons of ``surname + given``)."""
        if not surname or not given:
            return cls()
        tokens = [*surname, *given]
        at = list(range(len(tokens)))[:JOIN_TOKENS]
        parts, names = at[: len(surname)], at[len(surname) :]
        orders = [at, [*names, *parts]]
        orders += [order for g in names for order in ([*parts, g], [g, *parts])]
        orders += [pair for s in parts for g in names for pair in ([s, g], [g, s])]
        inside = [skeleton(_inside(t)) if _inside(t) != t else shapes[i]
                  for i, t in enumerate(tokens)]
        joins: dict[str, list[int]] = {}
        raw: dict[str, str] = {}
        skeletons: dict[str, str] = {}
        for order in orders:
            text = glue([tokens[i] for i in order])
            if text in joins:
                continue
            joins[text] = order
            together = shapes[order[0]] + "".join(inside[i] for i in order[1:])
            raw.setdefault(together, text)
            skeletons.setdefault(together, text)
            skeletons.setdefault(skeleton(text), text)
            skeletons.setdefault(skeleton(together), text)
        first = len(surname)
        firsts = frozenset(text for text, order in joins.items() if first in order)
        return cls(joins=joins, firsts=firsts, skeletons=skeletons, raw=raw,
                   lengths=frozenset(len(t) + d for t in joins for d in range(-2, 3)),
                   shifted=_shifted(list(surname), given[0], shapes, len(surname)))

    def score(self, tokens: Sequence[str], strict: bool) -> float:
        """``JOINED`` or ``VARIANT`` when an alert name's tokens written together are the
        traveller's names written together, else 0."""
        if not self.joins:
            return 0.0
        text = glue(tokens)
        if text in self.joins:
            return JOINED if not strict or text in self.firsts else 0.0
        if len(text) not in self.lengths:
            return 0.0
        shape = skeleton(text)
        if strict:
            ours = self.raw.get(shape)
            if ours is None or ours not in self.firsts or (
                    _other_suffixes(ours) != _other_suffixes(text)):
                return 0.0
        else:
            ours = self.skeletons.get(shape)
        return VARIANT if ours is not None and same_suffix(ours, text) else 0.0


def _shifted(surname: list[str], first_given: str, shapes: Sequence[str], given_at: int) -> (
    list[tuple[str, str]]
):
    """The surname (whole, and each of its first two parts) and the first given name, either
    way round, split one letter early or late: as the skeletons of the MRZ pieces, and as
    pieces of the tokens' skeletons written together (which keeps a variant ending, POOOFF
    against a ``Пооо вЮлий`` alert)."""
    shifted: list[tuple[str, str]] = []
    whole = "".join(surname)
    for first, second in ((whole, first_given), (first_given, whole)):
        text = first + second
        for cut in (len(first) - 1, len(first) + 1):
            if 0 < cut < len(text):
                shifted.append((skeleton(text[:cut]), skeleton(text[cut:])))
    parts = [shapes[i] for i in range(min(len(surname), 2))]
    if len(surname) > 1:
        parts.insert(0, "".join(shapes[: len(surname)]))
    given_shape = shapes[given_at]
    for part in parts:
        for first, second in ((part, given_shape), (given_shape, part)):
            text = first + second
            for cut in (len(first) - 1, len(first) + 1):
                if 0 < cut < len(text):
                    shifted.append((text[:cut], text[cut:]))
    return list(dict.fromkeys(shifted))
