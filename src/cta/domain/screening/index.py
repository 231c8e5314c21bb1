"""The in-process screening index: alerts in compact columns, candidates by name-token pairs.

**Candidates.** Each alert name files the alert under every *pair* of its tokens' skeletons
(``normalise.skeleton``), so a common surname alone never yields a long list: MAMMADOV with
ELCHIN is one short list, not every Mammadov. A traveller's tokens are each widened to the
near skeletons the vocabulary knows (``Vocabulary.similar``: variants, typos, OCR slips), and
every pair of widened tokens is looked up. Each token is also filed *alone with the birth
year* (year 0 when unknown), which finds an alert when only one token survived intact; a
traveller with a one-word name uses these alone, and without a birth date finds only alerts
that have none either. Document numbers are filed by their OCR class (``normalise.ocr_class``).
A traveller's names written together (surname then given names, and the other way round) are
looked up too, as one token alone with the birth year and with none: an alert typed as one word
(``HüseynliAynur``) was filed so. An alert with the space one letter off is found through the
near skeletons of its two tokens, as a typo is.

**Scoring without a birth date.** When the birth dates cannot be compared (the alert gives
none, or the traveller's is unknown), only slips of typing and transliteration count as name
matches (``score.is_slip``, ``strict``): a near surname alone never hits an undated alert;
and the first given names must agree (``score.first_given_names_agree``). A swap in an alert's
own script can move a skeleton two letters (Armenian ``Հւոնան`` for ``Հունան``), out of the
deletion index's reach, so the traveller's tokens are also widened to those swaps' skeletons
(``score.script_swaps``).

**Storage.** Postings live in a compact base (sorted keys → offsets → alert numbers, plain
arrays) plus a small overlay of recent additions; ``compact()`` merges them. A removed alert
is marked dead at once and its postings dropped at the next compaction. ``snapshot()`` writes
the whole index as bytes and ``from_snapshot`` reads it back without transliterating a name.
"""

from __future__ import annotations

import gc
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cta.domain.alerts import AlertCategory
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.screening.joined import JoinedNames
from cta.domain.screening.model import AlertRecord, Hit, HitKind, ScreeningQuery
from cta.domain.screening.normalise import (
    alert_name_tokens,
    ocr_class,
    query_name_tokens,
    skeleton,
)
from cta.domain.screening.reasons import Value, hit_reason
from cta.domain.screening.score import (
    DOCUMENT_NEAR_MISS_SCORE,
    JOINED,
    THRESHOLD,
    Pair,
    align,
    birth_change,
    first_given_names_agree,
    name_score,
    profile_change,
    script_swaps,
    token_similarity,
    weight,
)
from cta.domain.screening.vocabulary import SWAP, Vocabulary

__all__ = ["ScreeningIndex"]

CATEGORIES = tuple(AlertCategory)
SEXES = (None, "M", "F")
_CATEGORY_NUMBERS = {category: number for number, category in enumerate(CATEGORIES)}
_SEX_NUMBERS = {sex: number for number, sex in enumerate(SEXES)}
MAX_NAME_TOKENS = 6
SOLO_CAP = 500
SOLO_SIMILARITY = 0.85
TRUNCATION_LENGTH = 30  # the shortest MRZ name field (TD1) holds 30 characters
_PAIR_SHIFT = 24
_SOLO = 1 << 50
_MAX_SKELETONS = 1 << _PAIR_SHIFT
_WORD_CACHE_LIMIT = 500_000


def pair_key(a: int, b: int) -> int:
    return (a << _PAIR_SHIFT) | b if a <= b else (b << _PAIR_SHIFT) | a


def solo_key(skeleton_id: int, year: int | None) -> int:
    return _SOLO | (skeleton_id << 12) | ((year or 0) % 4096)


@dataclass(slots=True)
class _Query:
    """A traveller's name variants as tokens, and what they are compared with."""

    variants: list[list[str]]
    surname_sizes: list[int]
    skeletons: list[list[str]]
    truncated: list[list[bool]]
    birth: tuple[int | None, int | None, int | None]
    nationality: str | None
    sex: str | None
    joined: JoinedNames = field(default_factory=JoinedNames)
    cache: list[dict[int, list[float]]] = field(default_factory=list)
    join_cache: dict[tuple[int, ...], float] = field(default_factory=dict)  # name + strict


class ScreeningIndex:
    """Alerts to screen travellers against; see the module's docstring."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.ids: list[str] = []
        self.slot_of: dict[str, int] = {}
        self.alive = bytearray()
        self.category = bytearray()
        self.year = array("H")
        self.month = bytearray()
        self.day = bytearray()
        self.sex = bytearray()
        self.nationality_sets: list[tuple[str, ...]] = [()]
        self.nationality = array("I")
        self.valid_from = array("i")
        self.valid_to = array("i")
        self.name_start = array("I", [0])
        self.name_tokens = array("I")
        self.documents: list[tuple[str, ...]] = []
        self.by_document: dict[str, list[int]] = {}
        self.base_slot: dict[int, int] = {}
        self.base_keys = array("q")
        self.base_offsets = array("I", [0])
        self.base_postings = array("I")
        self.overlay: dict[int, list[int]] = {}
        self.overlay_size = 0
        self._nationality_ids: dict[tuple[str, ...], int] = {(): 0}
        self._words: dict[str, tuple[int, ...]] = {}
        self._read: Mapping[str, Sequence[str]] = {}  # ``build``'s words read elsewhere
        self._live = 0
        self._removed = 0  # alerts removed since the last compaction (their postings remain)
        self.auto_compact = True

    # -- building --------------------------------------------------------------------------

    @classmethod
    def build(cls, alerts: Iterable[AlertRecord],
              words: Mapping[str, Sequence[str]] | None = None) -> ScreeningIndex:  # fmt: skip
        """An index of many alerts at once, compacted once at the end.

        ``words``: the MRZ tokens of alert name words (``alert_name_tokens`` of the word)
        already read elsewhere, so that they are not read again here; the caller may go on
        filling it while ``alerts`` is iterated (a worker process reading ahead)."""
        index = cls()
        index.auto_compact = False
        index._read = {} if words is None else words
        collecting = gc.isenabled()
        gc.disable()  # millions of small lists, none in a cycle: the collector only slows it
        try:
            for alert in alerts:
                index.add(alert)
            index.compact()
        finally:
            if collecting:
                gc.enable()
            index._read = {}
        index.auto_compact = True
        return index

    def snapshot(self) -> bytes:
        """The whole index as bytes (compacted first), for ``from_snapshot``."""
        from cta.domain.screening.snapshot import write_snapshot

        return write_snapshot(self)

    @classmethod
    def from_snapshot(cls, data: bytes) -> ScreeningIndex:
        """An index from ``snapshot()``'s bytes, without transliterating a name again."""
        from cta.domain.screening.snapshot import read_snapshot

        return read_snapshot(data)

    def restore_counts(self, live: int) -> None:
        """After a snapshot was read: the live count and the nationality numbering."""
        self._live = live
        self._nationality_ids = {codes: i for i, codes in enumerate(self.nationality_sets)}

    def __len__(self) -> int:
        return self._live

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self.slot_of

    def add(self, alert: AlertRecord) -> None:
        """File an alert; an id already filed is an error (replace = ``remove`` + ``add``)."""
        if alert.id in self.slot_of:
            raise InvalidInputError(f"alert {alert.id!r} is already in the index")
        if not alert.id or len(alert.id) > 100 or not alert.id.isprintable() or " " in alert.id:
            raise InvalidInputError(f"alert id {alert.id!r} is not 1-100 printable characters")
        names = self._alert_names(alert.names)
        slot = len(self.ids)
        self.ids.append(alert.id)
        self.slot_of[alert.id] = slot
        self.alive.append(1)
        self.category.append(_CATEGORY_NUMBERS[alert.category])
        self.year.append(alert.birth_year or 0)
        self.month.append(alert.birth_month or 0)
        self.day.append(alert.birth_day or 0)
        self.sex.append(_SEX_NUMBERS.get(alert.sex, 0))
        self.nationality.append(self._nationality_id(alert.nationalities))
        self.valid_from.append(alert.valid_from.toordinal() if alert.valid_from else 0)
        self.valid_to.append(alert.valid_to.toordinal() if alert.valid_to else 0)
        for name in names:
            self.name_tokens.extend(name)
            self.name_tokens.append(0)
        self.name_start.append(len(self.name_tokens))
        self.documents.append(tuple(alert.document_numbers) or ())
        for number in alert.document_numbers:
            self.by_document.setdefault(ocr_class(number), []).append(slot)
        keys = self._keys(names, alert.birth_year)
        overlay = self.overlay
        for key in keys:  # no empty list made for a key already there (most are)
            slots = overlay.get(key)
            if slots is None:
                overlay[key] = [slot]
            else:
                slots.append(slot)
        self.overlay_size += len(keys)
        self._live += 1
        if self.auto_compact and self.overlay_size > max(50_000, len(self.base_postings) // 2):
            self.compact()

    def remove(self, alert_id: str) -> None:
        """Withdraw an alert: it never hits again. An unknown id is an error."""
        slot = self.slot_of.pop(alert_id, None)
        if slot is None:
            raise InvalidInputError(f"alert {alert_id!r} is not in the index")
        self.alive[slot] = 0
        self.ids[slot] = ""
        for number in self.documents[slot]:
            slots = self.by_document.get(ocr_class(number), [])
            if slot in slots:
                slots.remove(slot)
        self.documents[slot] = ()
        self._live -= 1
        self._removed += 1

    def compact(self) -> None:
        """Merge recent additions into the compact base and drop removed alerts' postings."""
        if not self.overlay and not self._removed:
            return  # compact already (a snapshot written right after a build: seconds at 2 M)
        self._removed = 0
        merged: dict[int, list[int]] = {}
        alive = self.alive
        if not self.base_slot and 0 not in alive:  # a build: nothing to filter or merge
            merged = self.overlay
        else:
            offsets, postings = self.base_offsets, self.base_postings
            for key, at in self.base_slot.items():
                live = [s for s in postings[offsets[at] : offsets[at + 1]] if alive[s]]
                if live:
                    merged[key] = live
            for key, slots in self.overlay.items():
                live = [s for s in slots if alive[s]]
                if live:
                    merged.setdefault(key, []).extend(live)
        keys = array("q", sorted(merged))
        new_offsets = array("I", [0])
        new_postings = array("I")
        extend, append = new_postings.extend, new_offsets.append
        for key in keys:
            extend(merged[key])
            append(len(new_postings))
        self.base_keys, self.base_offsets, self.base_postings = keys, new_offsets, new_postings
        self.base_slot = dict(zip(keys, range(len(keys)), strict=True))
        self.overlay = {}
        self.overlay_size = 0

    def _nationality_id(self, codes: Sequence[str]) -> int:
        key = tuple(codes)
        found = self._nationality_ids.get(key)
        if found is None:
            found = self._nationality_ids[key] = len(self.nationality_sets)
            self.nationality_sets.append(key)
        return found

    def _alert_names(self, names: Sequence[str]) -> list[tuple[int, ...]]:
        """Each name's token numbers, and a variant with hyphenated words joined; no repeats."""
        out: dict[tuple[int, ...], None] = {}
        known = self._words.get
        for name in names:
            words = [known(word) or self._word(word) for word in name.replace("<", " ").split()]
            split = tuple(itertools.chain.from_iterable(words))
            if len(split) == len(words) and all(words):  # one token a word: joined is split
                if split:
                    out[split] = None
                continue
            joined = tuple(tokens[0] if len(tokens) == 1 else self.vocabulary.token_id("".join(
                self.vocabulary.tokens[t] for t in tokens)) for tokens in words if tokens)
            for variant in (split, joined):
                if variant:
                    out[variant] = None
        return list(out)

    def _word(self, word: str) -> tuple[int, ...]:
        found = self._words.get(word)
        if found is None:
            tokens = self._read.get(word)
            if tokens is None:
                try:
                    tokens = alert_name_tokens(word)
                except CTAError as exc:
                    raise InvalidInputError(f"alert name {word!r}: {exc}") from None
            found = tuple(self.vocabulary.token_id(token) for token in tokens)
            if len(self._words) >= _WORD_CACHE_LIMIT:
                self._words.clear()
            self._words[word] = found
        return found

    def _keys(self, names: Sequence[Sequence[int]], year: int | None) -> set[int]:
        skeleton_of = self.vocabulary.token_skeleton
        if len(self.vocabulary.skeletons) >= _MAX_SKELETONS:
            raise CTAError("the screening index holds too many distinct name skeletons")
        keys: set[int] = set()
        for name in names:
            skeletons = list(dict.fromkeys([skeleton_of[t] for t in name]))[:MAX_NAME_TOKENS]
            for i, a in enumerate(skeletons):
                keys.add(solo_key(a, year))
                for b in skeletons[i + 1 :]:
                    keys.add(pair_key(a, b))
        return keys

    # -- screening -------------------------------------------------------------------------

    def screen(self, query: ScreeningQuery, on: date | None = None, limit: int = 10,
               min_score: float = THRESHOLD) -> list[Hit]:
        """Hits at or above ``min_score``, best first, at most ``limit``.

        ``on`` is the day of the check: alerts not yet valid or expired then never hit.
        ``None`` checks no validity (the caller should pass the day).
        """
        prepared = self._prepare(query)
        scores: dict[int, float] = {}
        for slot in self._name_candidates(prepared):
            if self._applies(slot, on):
                scores[slot] = self._score(slot, prepared)[0]
        documents = self._document_hits(query.document_number, on)
        for slot, (score, _) in documents.items():
            scores[slot] = max(score, scores.get(slot, 0.0))
        ranked = [(s, slot) for slot, s in scores.items() if s >= min_score]
        # on equal scores, an alert whose birth date was compared before one that has none
        ranked.sort(key=lambda pair: (-pair[0], not self.year[pair[1]], self.ids[pair[1]]))
        return [self._hit(slot, prepared, documents.get(slot)) for _, slot in ranked[:limit]]

    def _applies(self, slot: int, on: date | None) -> bool:
        if not self.alive[slot]:
            return False
        if on is None:
            return True
        day = on.toordinal()
        start, end = self.valid_from[slot], self.valid_to[slot]
        return (not start or start <= day) and (not end or day <= end)

    def _prepare(self, query: ScreeningQuery) -> _Query:
        surname = query_name_tokens(query.surname, "surname")
        given = query_name_tokens(query.given_names, "given_names")
        variants = [surname + given]
        sizes = [len(surname)]
        if len(surname) > 1:
            variants.append(["".join(surname), *given])
            sizes.append(1)
        if not variants[0]:
            variants, sizes = [], []
        variants = [v[: MAX_NAME_TOKENS * 2] for v in variants]
        # a document cuts the last name part short when the name is longer than its field
        long_name = len("<".join(surname)) + 2 + len("<".join(given)) >= TRUNCATION_LENGTH
        truncated = [[long_name and i == len(v) - 1 for i in range(len(v))] for v in variants]
        shapes = [skeleton(t) for t in variants[0]] if variants else []
        prepared = _Query(
            joined=JoinedNames.of(surname, given, shapes),
            variants=variants,
            surname_sizes=sizes,
            skeletons=[shapes, *([skeleton(t) for t in v] for v in variants[1:])][: len(variants)],
            truncated=truncated,
            birth=(query.birth_year, query.birth_month, query.birth_day),
            nationality=query.nationality,
            sex=query.sex,
        )
        prepared.cache = [{} for _ in variants]
        return prepared

    def _postings(self, key: int) -> Sequence[int]:
        at = self.base_slot.get(key)
        if at is None:
            base: Sequence[int] = ()
        else:
            base = self.base_postings[self.base_offsets[at] : self.base_offsets[at + 1]]
        extra = self.overlay.get(key)
        return base if extra is None else [*base, *extra]

    def _name_candidates(self, query: _Query) -> set[int]:
        found: set[int] = set()
        year = query.birth[0]
        for skeletons, tokens in zip(query.skeletons, query.variants, strict=True):
            near = [self._near(s, t) for s, t in zip(skeletons, tokens, strict=True)]
            for i, first in enumerate(near):
                for second in near[i + 1 :]:
                    for a, _ in first:
                        for b, _ in second:
                            found.update(self._postings(pair_key(a, b)))
            years = [year, None] if len(skeletons) == 1 else [year] if year else []
            for close in near:
                for a, s in close[:2]:
                    if s < SOLO_SIMILARITY:
                        break
                    for each in years:
                        slots = self._postings(solo_key(a, each))
                        if len(slots) <= SOLO_CAP:
                            found.update(slots)
        known = self.vocabulary.skeleton_number
        for text in query.joined.skeletons:
            number = known(text)
            if number is not None:
                for each in {year, None}:
                    slots = self._postings(solo_key(number, each))
                    if len(slots) <= SOLO_CAP:
                        found.update(slots)
        for head, tail in query.joined.shifted:
            one, other = known(head), known(tail)
            if one is not None and other is not None:
                found.update(self._postings(pair_key(one, other)))
        return found

    def _near(self, shape: str, token: str) -> list[tuple[int, float]]:
        """The known skeletons near a traveller's token: one edit away (``Vocabulary``), and
        a swap in an alert's own script away (``score.script_swaps``), nearest first."""
        near = self.vocabulary.similar(shape)
        known = self.vocabulary.skeleton_number
        swaps = [(number, SWAP) for number in map(known, script_swaps(token))
                 if number is not None]
        if not swaps:
            return near
        seen = {number for number, _ in near}
        return near + [pair for pair in swaps if pair[0] not in seen]

    def _names(self, slot: int) -> Iterator[array[int]]:
        tokens = self.name_tokens[self.name_start[slot] : self.name_start[slot + 1]]
        start = 0
        for end, token in enumerate(tokens):
            if token == 0:
                yield tokens[start:end]
                start = end + 1

    def _rows(self, query: _Query, variant: int, name: Sequence[int],
              strict: bool = False) -> list[list[float]]:
        cache = query.cache[variant]
        rows = []
        for token in name:
            key = token << 1 | strict
            row = cache.get(key)
            if row is None:
                text = self.vocabulary.tokens[token]
                shape = self.vocabulary.skeletons[self.vocabulary.token_skeleton[token]]
                row = [
                    token_similarity(q, qs, text, shape, cut, strict)
                    for q, qs, cut in zip(query.variants[variant], query.skeletons[variant],
                                          query.truncated[variant], strict=True)
                ]
                cache[key] = row
            rows.append(row)
        return rows

    def _strict(self, slot: int, query: _Query) -> bool:
        """Whether only slips count: the birth dates of the two cannot be compared."""
        return not self.year[slot] or query.birth[0] is None

    def _joined(self, query: _Query, name: array[int], strict: bool) -> float:
        """``JOINED`` (``VARIANT`` in skeleton only) when the alert name's tokens written
        together are the traveller's names written together (a name typed as one word, or
        with the space one letter off)."""
        if not query.joined.joins or len(name) > 3:
            return 0.0
        key = (*name, strict)
        found = query.join_cache.get(key)
        if found is None:
            found = query.joined.score([self.vocabulary.tokens[t] for t in name], strict)
            query.join_cache[key] = found
        return found

    def _best_name(self, slot: int, query: _Query) -> tuple[float, int, array[int] | None]:
        """The best name score over the traveller's variants and the alert's names; variant
        -1 is the names written together (``_joined``)."""
        best: tuple[float, int, array[int] | None] = (0.0, 0, None)
        strict = self._strict(slot, query)
        words = self.vocabulary.tokens
        for name in self._names(slot):
            for variant, tokens in enumerate(query.variants):
                q_weights = [weight(t) for t in tokens]
                pairs = align(self._rows(query, variant, name, strict))
                s = name_score(pairs, q_weights, [weight(words[t]) for t in name],
                               query.surname_sizes[variant])
                if strict and not self._first_given(pairs, query, variant, name):
                    s *= 0.6
                if s > best[0]:
                    best = (s, variant, name)
            if best[0] < JOINED:
                joined = self._joined(query, name, strict)
                if joined > best[0]:
                    best = (joined, -1, name)
        return best

    def _first_given(self, pairs: Sequence[Pair], query: _Query, variant: int,
                     name: Sequence[int]) -> bool:
        """Without a birth date, a second given name alone is no match (``score``)."""
        return first_given_names_agree(pairs, query.surname_sizes[variant],
                                       len(query.variants[variant]), len(name))

    def _score(self, slot: int, query: _Query) -> tuple[float, list[tuple[str, tuple[Any, ...]]]]:
        """The score of an alert for a traveller, and the birth and profile reasons (each its
        key and values: its words are made for a hit only, ``_hit``)."""
        names, _, _ = self._best_name(slot, query)
        alert_birth = (self.year[slot] or None, self.month[slot] or None, self.day[slot] or None)
        birth, birth_key, birth_values = birth_change(query.birth, alert_birth)
        profile, profile_why = profile_change(
            query.nationality, self.nationality_sets[self.nationality[slot]],
            query.sex, SEXES[self.sex[slot]],
        )
        score = min(1.0, max(0.0, names + birth + profile))
        return score, [(birth_key, birth_values), *profile_why]

    def _document_hits(self, number: str | None,
                       on: date | None) -> dict[int, tuple[float, str]]:  # fmt: skip
        if not number:
            return {}
        hits: dict[int, tuple[float, str]] = {}
        for slot in self.by_document.get(ocr_class(number), ()):
            if not self._applies(slot, on):
                continue
            if number in self.documents[slot]:
                hits[slot] = (1.0, hit_reason("document_on_alert", number))
            else:
                theirs = next(n for n in self.documents[slot] if ocr_class(n) == ocr_class(number))
                hits[slot] = (DOCUMENT_NEAR_MISS_SCORE,
                              hit_reason("document_near_miss", number, theirs))  # fmt: skip
        return hits

    def _hit(self, slot: int, query: _Query, document: tuple[float, str] | None) -> Hit:
        score, why = self._score(slot, query)
        reasons = self._name_reasons(slot, query) if score > 0 else []
        kind: HitKind = "name"
        if document is not None:
            doc_score, doc_why = document
            kind = "document" if doc_score >= 1.0 else "document_near_miss"
            reasons.insert(0, doc_why)
            score = max(score, doc_score)
        reasons += [hit_reason(key, *values) for key, values in why]
        return Hit(self.ids[slot], round(score, 3), tuple(reasons), kind,
                   CATEGORIES[self.category[slot]])

    def _name_reasons(self, slot: int, query: _Query) -> list[str]:
        """Why the names look alike, each a ``reasons.HitReason`` (a sentence, key, values)."""
        names, variant, name = self._best_name(slot, query)
        if name is None or names == 0:
            return [hit_reason("no_name_match")]
        words = self.vocabulary.tokens
        if variant == -1:
            return [hit_reason("names_written_together", names, " ".join(query.variants[0]),
                               " ".join(words[t] for t in name))]  # fmt: skip
        tokens = query.variants[variant]
        strict = self._strict(slot, query)
        pairs = align(self._rows(query, variant, name, strict))
        matched: list[tuple[Value, Value, Value]] = [
            (tokens[pair.query], words[name[pair.alert]], pair.similarity)
            for pair in sorted(pairs, key=lambda p: p.query)]  # fmt: skip
        out: list[str] = [hit_reason("names_match", names, *itertools.chain.from_iterable(matched))]
        if strict:
            out.append(hit_reason("only_slips_count"))
            if not self._first_given(pairs, query, variant, name):
                out.append(hit_reason("first_given_names_differ"))
        matched_a = {p.alert for p in pairs}
        matched_q = {p.query for p in pairs}
        extra = [words[t] for i, t in enumerate(name) if i not in matched_a]
        missing = [t for i, t in enumerate(tokens) if i not in matched_q]
        if extra:
            out.append(hit_reason("alert_names_not_on_document", *extra))
        if missing:
            out.append(hit_reason("document_names_not_in_alert", *missing))
        return out
