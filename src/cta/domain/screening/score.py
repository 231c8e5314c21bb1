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
name 0.69. A swap is judged in the alert's own script (``swapped_variant``): the document's
letters swapped as the alert's clerk would have swapped them, then compared by skeleton, so a
swap on top of a spelling variant is still a swap (``Gillse`` against GILES, ``Тсоян`` against
STOYAN, Armenian ``Հւոնան`` against HUNAN).

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
is no longer found; ``docs/screening.md`` gives the figures. Without a birth date a second
given name alone is no match either (``first_given_names_agree``): AKSU URPER is not the
``Miray Ürper Aksu`` of an undated alert.

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
from functools import lru_cache
from itertools import pairwise
from typing import Any

from rapidfuzz.distance import OSA

from cta.domain.screening.normalise import skeleton
from cta.domain.screening.reasons import VARIANT, hit_reason

__all__ = [
    "DOCUMENT_NEAR_MISS_SCORE",
    "JOINED",
    "MATCH_MIN",
    "THRESHOLD",
    "VARIANT",
    "Pair",
    "align",
    "birth_adjustment",
    "birth_change",
    "first_given_names_agree",
    "is_patronymic",
    "is_slip",
    "name_score",
    "profile_adjustments",
    "profile_change",
    "same_suffix",
    "script_swaps",
    "swap_forms",
    "swapped_variant",
    "token_similarity",
]

THRESHOLD = 0.85
MATCH_MIN = 0.70
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
# Two MRZ letters that print one letter of the region's scripts (a block ``swap_forms`` moves).
_ONE_LETTER = frozenset({
    "KH", "SH", "ZH", "CH", "TS", "DZ", "GH", "IA", "IU", "IE", "YE", "YA", "YU",
})  # fmt: skip
# Two letters the skeleton reads as one (``normalise``): a swap into or out of them moves it far.
_DIGRAPH_PAIRS = frozenset({"CH", "TS", "TZ", "DJ", "ZH", "SH", "KH", "GH", "PH"})
_FOLDED = str.maketrans("JQGHXWEY", "CKKKKVAI")  # the skeleton's letters (``normalise``)
# Swap forms are computed for a pair only when the skeletons are this close (OSA edits).
_SWAP_NEAR = 2


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


def swap_forms(token: str, strict: bool = False) -> frozenset[str]:
    """The skeletons of the spellings one swap of two neighbouring letters makes of a name,
    in whatever script it was typed: two neighbouring letters swapped, where a letter is one
    MRZ letter or the two one Cyrillic, Armenian or Georgian letter prints (Тсоян for Стоян is
    TSOIAN for STOIAN; KH, SH, TS ...), and what Armenian's own letters make of a swap
    (``_armenian_swaps``). ``strict``: not where the swap makes a double letter the skeleton
    writes once (IVAAN from IVANA would be IVAN: a letter dropped, not a slip)."""
    kept, doubled = _swap_forms(token)
    return kept if strict else kept | doubled.keys()


@lru_cache(maxsize=4096)
def _swap_forms(token: str) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """``swap_forms``: the skeletons of the swaps that make no new double, and of those that do
    (each with its spellings before the doubles are folded)."""
    forms: set[str] = set()
    length = len(token)
    for i in range(length - 1):
        for a in (1, 2):
            if a == 2 and token[i : i + 2] not in _ONE_LETTER:
                continue
            for b in (1, 2):
                end = i + a + b
                if end <= length and (b == 1 or token[i + a : end] in _ONE_LETTER):
                    forms.add(token[:i] + token[i + a : end] + token[i : i + a] + token[end:])
    forms |= _armenian_swaps(token)
    forms.discard(token)
    doubles = _doubles(token)
    kept = frozenset(skeleton(form) for form in forms if _doubles(form) <= doubles)
    doubled: dict[str, set[str]] = {}
    for form in forms:
        if _doubles(form) > doubles:
            shape = skeleton(form)
            if shape not in kept:
                doubled.setdefault(shape, set()).add(skeleton(form, fold_doubles=False))
    return kept, {shape: frozenset(spellings) for shape, spellings in doubled.items()}


def _doubles(text: str) -> int:
    """Neighbouring letters the skeleton writes once (MM, and EA: Ə and Е are one vowel)."""
    folded = text.translate(_FOLDED)
    return sum(a == b for a, b in pairwise(folded))


@lru_cache(maxsize=8192)
def script_swaps(token: str) -> frozenset[str]:
    """The skeletons of the swaps in a name's own script that move its skeleton two letters
    away, so that the index's one-deletion search would not find them (``index``): Armenian's
    (``_armenian_swaps``: HVONAN for HUNAN) and two letters swapped into or out of one that
    reads as one letter (TSOIAN for STOIAN, which the skeleton reads as Ц)."""
    forms = _armenian_swaps(token)
    for i in range(len(token) - 1):
        pair = token[i : i + 2]
        if pair in _DIGRAPH_PAIRS or pair[::-1] in _DIGRAPH_PAIRS:
            forms.add(token[:i] + pair[::-1] + token[i + 2 :])
    shape = skeleton(token)
    return frozenset(found for found in map(skeleton, forms) if found != shape)


def _armenian_swaps(token: str) -> set[str]:
    """What a swap in Armenian script prints that no swap of MRZ letters gives: ու (U) is two
    letters, so ւո prints VO (Հւոնան, HVONAN for HUNAN) and a neighbour swapped into it
    splits it (Արտորւ, ARTORV for ARTUR); ո and ե print VO and YE at the start of a name and
    O and E inside it (Ոջն, VOJN for JON; `armenian.py`)."""
    out: set[str] = set()
    for k, letter in enumerate(token):
        if letter != "U":
            continue
        before, after = token[:k], token[k + 1 :]
        out.add(before + "VO" + after)
        for b in (1, 2):
            if len(after) >= b and (b == 1 or after[:2] in _ONE_LETTER):
                out.add(before + "O" + after[:b] + "V" + after[b:])
            if len(before) >= b and (b == 1 or before[-2:] in _ONE_LETTER):
                head = "VO" if len(before) == b else "O"
                out.add(before[:-b] + head + before[-b:] + "V" + after)
    for b in (1, 2):
        if b == 2 and token[:2] not in _ONE_LETTER:
            continue
        for inside, initial in (("O", "VO"), ("E", "YE")):
            if token[b : b + 1] == inside:
                out.add(initial + token[:b] + token[b + 1 :])
            if token.startswith(initial) and len(token) > 2 + b:
                out.add(token[2 : 2 + b] + inside + token[2 + b :])
    return out


def swapped_variant(query: str, alert: str, query_skeleton: str, alert_skeleton: str,
                    strict: bool = False) -> bool:
    """Whether one swap of neighbouring letters in the alert's own script makes the two tokens
    one skeleton: a swap on top of a spelling variant (GILLSE against the passport's GILES of
    Gilles, KSNEIIA against KSENIYA, Тсоян against STOYAN). Judged on the letters, not on the
    skeletons: a swap of skeletons would make SADIYE a slip of SEYYIDE.

    The swap is made on the document's letters, to give what the alert's clerk typed (a swap
    typed on a passport is a swap of its Latin letters, which ``transposed`` finds); unless
    ``strict``, also on the alert's, where the swap makes a double letter (Նանա, NANA, is a
    swap of Աննա, ANNA, which a passport may print ANA). When ``strict``, a swap that makes a
    double the skeleton writes once counts only when the alert has that double: IVAAN, a swap
    of IVANA, is IVAN's skeleton, but IVANA is not a slip of IVAN, nor NIKITINA (NIKIITNA)
    of NIKITTNA.
    """
    if abs(len(query) - len(alert)) > 1 or abs(len(query_skeleton) - len(alert_skeleton)) > 1:
        return False  # a swap keeps the letters; a variant beside it adds at most one
    if OSA.distance(query_skeleton, alert_skeleton, score_cutoff=_SWAP_NEAR) > _SWAP_NEAR:
        return False
    if not same_suffix(query, alert):
        return False
    kept, doubled = _swap_forms(query)
    if alert_skeleton in kept:
        return True
    spellings = doubled.get(alert_skeleton)
    if spellings and (not strict or skeleton(alert, fold_doubles=False) in spellings):
        return True  # the alert has the double too: no letter lost (EMLIIIA for EMILIYA)
    return not strict and query_skeleton in swap_forms(alert)


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
    return transposed(query, alert) or swapped_variant(query, alert, qs, a_s, strict=True)


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
        return TRANSPOSED if swapped_variant(query, alert, query_skeleton, alert_skeleton,
                                             strict) else 0.0
    if is_patronymic(query) != is_patronymic(alert):
        return 0.0  # TARASOVA is not TARASOVNA: a surname is no near spelling of a patronymic
    plain = OSA.normalized_similarity(query, alert)
    coarse = 0.95 * OSA.normalized_similarity(query_skeleton, alert_skeleton)
    # one edit in five letters is a different name as often as a typo: steeper than OSA
    near = max(0.0, 1.0 - TYPO_COST * (1.0 - max(plain, coarse)))
    if near < TRANSPOSED and swapped_variant(query, alert, query_skeleton, alert_skeleton):
        return TRANSPOSED
    return near


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
    scored.sort(key=lambda each: (-each[0], each[1], each[2]))  # ties: the first names first
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


def is_patronymic(token: str) -> bool:
    """Whether an MRZ token reads as a Russian or Ukrainian patronymic (-OVICH, -EVNA ...)."""
    return token.endswith(_PATRONYMIC)


def first_given_names_agree(pairs: Sequence[Pair], surname_tokens: int, query_tokens: int,
                            alert_tokens: int) -> bool:
    """Whether the document's first given name and the alert name's first name part are
    among the matched pairs, so that a second given name alone is no match.

    The document says which tokens are its surname (the first ``surname_tokens``); the alert
    does not, but a name is written with the given name first ("Miray Ürper Aksu") or the
    surname first ("AKSU MIRAY"), so its first part is the first given name or the surname,
    and is matched either way when the two are one person, also on a passport that prints the
    names in each other's fields. AKSU URPER (the second given name of "Miray Ürper Aksu"),
    VAZIROV FARDA (the father's name of "Aqil Fərda oğlu Vəzirov") and MURADYAN SIRARPI SONA
    (against "Սոնա Մուրադյան") do not agree. Names of one token are not judged here.
    """
    if not 0 < surname_tokens < query_tokens or alert_tokens < 2:
        return True
    return (any(pair.query == surname_tokens for pair in pairs)
            and any(pair.alert == 0 for pair in pairs))


Birth = tuple[int | None, int | None, int | None]


def _one_digit_apart(a: int | None, b: int | None, width: int) -> bool:
    if a is None or b is None:
        return False
    x, y = f"{a:0{width}d}", f"{b:0{width}d}"
    return sum(i != j for i, j in zip(x, y, strict=True)) == 1


def birth_adjustment(query: Birth, alert: Birth) -> tuple[float, str]:
    """What the birth dates add to a name score, and why, in words (a ``HitReason``)."""
    change, key, values = birth_change(query, alert)
    return change, hit_reason(key, *values)


def birth_change(query: Birth, alert: Birth) -> tuple[float, str, tuple[Any, ...]]:
    """What the birth dates add to a name score, and why: the reason's key and values
    (``reasons``; its words are made only for a hit, not for every candidate scored).

    A slip of one digit (or one year, or day and month swapped) costs little only when the
    rest of the date agrees: two different dates of one decade are two different people.
    """
    qy, qm, qd = query
    ay, am, ad = alert
    if ay is None:
        return NO_BIRTH_DATE, "alert_gives_no_birth_date", ()
    if qy is None:
        return NO_BIRTH_DATE, "traveller_birth_date_unknown", ()
    months = qm is not None and am is not None
    days = qd is not None and ad is not None
    if qy != ay:
        if months and days and (qm, qd) == (am, ad) and (
            abs(qy - ay) == 1 or _one_digit_apart(qy, ay, 4)
        ):
            return -0.08, "birth_year_one_digit_apart", (qy, ay)
        return -0.35, "birth_year_differs", (qy, ay)
    if months and qm != am:
        if days and (qm, qd) == (ad, am):
            return -0.04, "birth_day_month_swapped", ()
        if days and qd == ad and _one_digit_apart(qm, am, 2):
            return -0.06, "birth_month_one_digit_apart", (qm, am)
        return -0.25, "birth_month_differs", (qm, am)
    if months and days:
        if qd == ad:
            return FULL_BIRTH_DATE, "birth_dates_agree", (qy, qm, qd)
        if _one_digit_apart(qd, ad, 2):
            return -0.06, "birth_day_one_digit_apart", (qd, ad)
        return -0.20, "birth_day_differs", (qd, ad)
    return 0.02, "birth_years_agree", (qy,)


def profile_adjustments(nationality: str | None, alert_nationalities: Sequence[str],
                        sex: str | None, alert_sex: str | None) -> tuple[float, list[str]]:
    """What nationality and sex add to a name score, and why (``HitReason``s)."""
    change, why = profile_change(nationality, alert_nationalities, sex, alert_sex)
    return change, [hit_reason(key, *values) for key, values in why]


def profile_change(nationality: str | None, alert_nationalities: Sequence[str],
                   sex: str | None, alert_sex: str | None,
                   ) -> tuple[float, list[tuple[str, tuple[str, ...]]]]:  # fmt: skip
    """What nationality and sex add to a name score, and why: each reason's key and values."""
    change = 0.0
    why: list[tuple[str, tuple[str, ...]]] = []
    if nationality and alert_nationalities:
        if nationality in alert_nationalities:
            change += 0.02
            why.append(("nationality_agrees", (nationality,)))
        else:
            change -= 0.04
            why.append(("nationality_differs", (nationality, *alert_nationalities)))
    if sex and alert_sex and sex != alert_sex:
        change -= 0.15
        why.append(("sex_differs", (sex, alert_sex)))
    return change, why
