"""How much a traveller and an alert look like one person: a score from 0 to 1, with reasons.

The **name score** aligns the traveller's name tokens with one alert name's tokens, one to one,
best pairs first, in any order (swapped surname and given names, a patronymic on one side
only). Each pair has a token similarity:

- 1.0 the same MRZ token; 0.93 the same skeleton (a transliteration variant, ``normalise``);
- otherwise the larger of the optimal-string-alignment similarity (rapidfuzz ``OSA``: one
  typo, one OCR slip or one swapped pair of letters is one edit) of the MRZ tokens and 0.95 ×
  that of the skeletons, its distance from 1 made 1.25 times longer (one edit in five
  letters gives 0.75, in ten 0.875: a short name one letter off is as often another name);
  0.9 for a token cut short where a document truncated a long name; 0 between a patronymic
  (-OVICH, -EVNA ...) and a token that is none unless their skeletons agree.

An adjacent transposition (ILKA for LIKA; in MRZ letters a block of one or two letters
swapped with its neighbour, as a swap of two Armenian or Georgian letters such as ``Խա`` gives
AKH for KHA) is a typing slip, not another name: 0.90, where OSA alone would give a four-letter
name 0.69.

**Without a birth date only slips count** (``strict``). When the birth dates cannot be compared
(the alert gives none, or the traveller's is unknown), nothing but the name says who the alert
is about, and a near surname is as often another family as a typo: BELOVA is not BELYAKOVA,
HAKOBYAN not HAKOBYANTS (Հակոբյանց, another surname in Armenian, though older texts fold
-YANTS into -YAN). So a pair then counts only when it is the same name up to the slips of
typing and transliteration (``is_slip``): the same MRZ token, the same skeleton where the
skeleton folds a romanisation variant (not the -YANTS/-YAN suffix), an adjacent transposition
of the MRZ letters (not of the skeletons': SADIYE would be a slip of SEYYIDE),
or a name cut short by a full MRZ field. Any other near spelling, even 0.95 similar, is no
match, so such a name alone never hits an undated alert. The cost: a traveller on an undated
alert whose document and alert differ by a real typo (a letter substituted, added or dropped)
is no longer found; ``docs/screening.md`` gives the figures.

Pairs under ``MATCH_MIN`` do not count. The name score is the mean similarity of the pairs,
weighted by token length (a typo in ANI says less than one in KHACHATRYAN), times a coverage
factor ``0.8 + 0.2 × c``, where c is the larger share of either side's letters that found a
partner (so a patronymic or second given name missing on one side costs nothing, and on both
sides a little). Two tokens must match when both sides have two; a single matching token
caps the name score at 0.6 of itself (a shared common surname is no hit), and a one-token
name against a longer one at 0.8.

A name typed as one word, or with the space one letter off (``HüseynliAynur``,
``Հովհաննիսյա նԼուսինե``), is found by its letters: when the alert name's tokens written
together are the traveller's surname and given names written together (in either order), the
name score is ``JOINED`` (0.95; 0.93 when the two agree in skeleton only), whatever the
token alignment says. This is a slip too, so it counts without a birth date.

The **score** adds to the name score what the birth date, nationality and sex say (see
``birth_adjustment`` and ``profile_adjustments``) and is cut to 0..1. Hits at or above
``THRESHOLD`` make the border check refer; it was chosen on the labelled benchmark
(``bench/bench_screen.py``, ``docs/screening.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from cta.domain.screening.normalise import skeleton

__all__ = [
    "DOCUMENT_NEAR_MISS_SCORE",
    "JOINED",
    "MATCH_MIN",
    "THRESHOLD",
    "Pair",
    "align",
    "birth_adjustment",
    "is_slip",
    "name_score",
    "profile_adjustments",
    "same_suffix",
    "token_similarity",
]

THRESHOLD = 0.85
MATCH_MIN = 0.70
VARIANT = 0.93
TRUNCATED = 0.90
TRANSPOSED = 0.90
JOINED = 0.95
DOCUMENT_NEAR_MISS_SCORE = 0.90
TYPO_COST = 1.25
NO_BIRTH_DATE = -0.06
FULL_BIRTH_DATE = 0.08
_PATRONYMIC = ("OVICH", "EVICH", "OVNA", "EVNA", "ICH", "ICHNA", "INICHNA")
# Suffixes the skeleton folds into -YAN that are another surname, not another spelling.
_OTHER_SUFFIX = ("YANTS", "IANTS", "IANTZ", "YANTZ", "IANC", "JANC", "YANC")
_MAX_SWAPPED = 4


def transposed(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two adjacent blocks of letters swapped, together at most
    four letters long (LIKA/ILKA, KHACHIK/AKHCHIK): one slip of typing, in any script."""
    if len(a) != len(b) or a == b:
        return False
    start = 0
    while a[start] == b[start]:
        start += 1
    end = len(a)
    while a[end - 1] == b[end - 1]:
        end -= 1
    middle, other = a[start:end], b[start:end]
    if not 2 <= len(middle) <= _MAX_SWAPPED:
        return False
    return any(other == middle[k:] + middle[:k] for k in range(1, len(middle)))


def same_suffix(a: str, b: str) -> bool:
    """False when one token ends in -YANTS (or a spelling of it) and the other does not."""
    return a.endswith(_OTHER_SUFFIX) == b.endswith(_OTHER_SUFFIX)


def is_slip(query: str, alert: str, query_skeleton: str | None = None,
            alert_skeleton: str | None = None) -> bool:
    """Whether two MRZ tokens are one name up to slips of typing and transliteration: equal,
    one skeleton (not by the -YANTS/-YAN fold), or an adjacent transposition of the letters
    themselves (one of the skeletons' letters would make SADIYE a slip of SEYYIDE)."""
    if query == alert:
        return True
    qs = skeleton(query) if query_skeleton is None else query_skeleton
    a_s = skeleton(alert) if alert_skeleton is None else alert_skeleton
    if qs == a_s:
        return same_suffix(query, alert)
    return transposed(query, alert)


def token_similarity(query: str, query_skeleton: str, alert: str, alert_skeleton: str,
                     truncated: bool = False, strict: bool = False) -> float:
    """How alike two name tokens are, 0..1 (see the module's docstring).

    ``strict``: the birth dates cannot be compared, so only slips count (``is_slip``).
    """
    if query == alert:
        return 1.0
    if query_skeleton == alert_skeleton:
        return VARIANT if not strict or same_suffix(query, alert) else 0.0
    if truncated and len(query) >= 2 and alert.startswith(query):
        return TRUNCATED
    if transposed(query, alert) or (not strict and transposed(query_skeleton, alert_skeleton)):
        return TRANSPOSED
    if strict:
        return 0.0
    if query.endswith(_PATRONYMIC) != alert.endswith(_PATRONYMIC):
        return 0.0  # TARASOVA is not TARASOVNA: a surname is no near spelling of a patronymic
    plain = OSA.normalized_similarity(query, alert)
    coarse = 0.95 * OSA.normalized_similarity(query_skeleton, alert_skeleton)
    # one edit in five letters is a different name as often as a typo: steeper than OSA
    return max(0.0, 1.0 - TYPO_COST * (1.0 - max(plain, coarse)))


def weight(token: str) -> int:
    """Letters of evidence in a token: its length, at most 12."""
    return min(len(token), 12)


@dataclass(frozen=True, slots=True)
class Pair:
    """A traveller's token ``query`` aligned with an alert's token ``alert``."""

    query: int
    alert: int
    similarity: float


def align(rows: Sequence[Sequence[float]]) -> list[Pair]:
    """One-to-one pairs of ``rows[alert][query]`` similarities, best first (greedy)."""
    scored = [
        (s, q, a) for a, row in enumerate(rows) for q, s in enumerate(row) if s >= MATCH_MIN
    ]
    scored.sort(reverse=True)
    used_q: set[int] = set()
    used_a: set[int] = set()
    pairs: list[Pair] = []
    for s, q, a in scored:
        if q not in used_q and a not in used_a:
            used_q.add(q)
            used_a.add(a)
            pairs.append(Pair(q, a, s))
    return pairs


def name_score(pairs: Sequence[Pair], query_weights: Sequence[int],
               alert_weights: Sequence[int], surname_tokens: int = 0) -> float:
    """The name score of an alignment (see the module's docstring).

    ``surname_tokens``: the first so many query tokens are the document's surname; when the
    document has given names too, a hit needs a surname token and a given-name token matched
    (in either order), so a shared compound surname alone is no hit.
    """
    if not pairs:
        return 0.0
    matched = 0.0
    mass = 0
    q_mass = a_mass = 0
    for pair in pairs:
        both = query_weights[pair.query] + alert_weights[pair.alert]
        matched += pair.similarity * both
        mass += both
        q_mass += query_weights[pair.query]
        a_mass += alert_weights[pair.alert]
    coverage = max(q_mass / sum(query_weights), a_mass / sum(alert_weights))
    score = matched / mass * (0.8 + 0.2 * coverage)
    shorter = min(len(query_weights), len(alert_weights))
    if len(pairs) < min(2, shorter):
        return score * 0.6
    if 0 < surname_tokens < len(query_weights) and len(alert_weights) > 1:
        sides = {pair.query < surname_tokens for pair in pairs}
        if len(sides) < 2:
            return score * 0.6
    if len(pairs) == 1 and len(query_weights) != len(alert_weights):
        return score * 0.8
    return score


Birth = tuple[int | None, int | None, int | None]


def _one_digit_apart(a: int | None, b: int | None, width: int) -> bool:
    if a is None or b is None:
        return False
    x, y = f"{a:0{width}d}", f"{b:0{width}d}"
    return sum(i != j for i, j in zip(x, y, strict=True)) == 1


def birth_adjustment(query: Birth, alert: Birth) -> tuple[float, str]:
    """What the birth dates add to a name score, and why, in words.

    A slip of one digit (or one year, or day and month swapped) costs little only when the
    rest of the date agrees: two different dates of one decade are two different people.
    """
    qy, qm, qd = query
    ay, am, ad = alert
    if ay is None:
        return NO_BIRTH_DATE, "the alert gives no birth date"
    if qy is None:
        return NO_BIRTH_DATE, "the traveller's birth date is unknown"
    months = qm is not None and am is not None
    days = qd is not None and ad is not None
    if qy != ay:
        if months and days and (qm, qd) == (am, ad) and (
            abs(qy - ay) == 1 or _one_digit_apart(qy, ay, 4)
        ):
            return -0.08, f"born {qy}, the alert says {ay}: one digit apart, day and month agree"
        return -0.35, f"born {qy}, the alert says {ay}"
    if months and qm != am:
        if days and (qm, qd) == (ad, am):
            return -0.04, "birth day and month swapped"
        if days and qd == ad and _one_digit_apart(qm, am, 2):
            return -0.06, f"birth month {qm:02d}, the alert says {am:02d} (one digit apart)"
        return -0.25, f"birth month {qm:02d}, the alert says {am:02d}"
    if months and days:
        if qd == ad:
            return FULL_BIRTH_DATE, f"birth dates agree ({qy}-{qm:02d}-{qd:02d})"
        if _one_digit_apart(qd, ad, 2):
            return -0.06, f"birth day {qd:02d}, the alert says {ad:02d} (one digit apart)"
        return -0.20, f"birth day {qd:02d}, the alert says {ad:02d}"
    return 0.02, f"birth years agree ({qy})"


def profile_adjustments(nationality: str | None, alert_nationalities: Sequence[str],
                        sex: str | None, alert_sex: str | None) -> tuple[float, list[str]]:
    """What nationality and sex add to a name score, and why."""
    change = 0.0
    why: list[str] = []
    if nationality and alert_nationalities:
        if nationality in alert_nationalities:
            change += 0.02
            why.append(f"nationality {nationality} agrees")
        else:
            change -= 0.04
            theirs = ", ".join(alert_nationalities)
            why.append(f"nationality {nationality}, the alert says {theirs}")
    if sex and alert_sex and sex != alert_sex:
        change -= 0.15
        why.append(f"sex {sex}, the alert says {alert_sex}")
    return change, why
