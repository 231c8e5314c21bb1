"""The name tokens the index has seen, their skeletons, and a way to find near skeletons.

Tokens and skeletons are numbered once (id 0 is no token: it separates an alert's names);
alerts and postings hold the numbers. Near skeletons are found through a deletion index (the
idea of SymSpell): every skeleton is filed under itself and, from four letters on, under each
spelling with one letter left out; a query skeleton looks itself and its own one-letter
deletions up, which finds skeletons one insertion, deletion, substitution or swap away (and
some two away), without comparing against the whole vocabulary.
"""

from __future__ import annotations

from array import array

from rapidfuzz.distance import OSA

from cta.domain.screening.normalise import skeleton
from cta.domain.screening.score import transposed

__all__ = ["Vocabulary"]

MIN_DELETION_LENGTH = 4
SIMILAR_MIN = 0.70
SIMILAR_MAX = 8
SWAP = 0.90
_CACHE_LIMIT = 100_000


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


class Vocabulary:
    """Token and skeleton numbering, and near-skeleton search."""

    def __init__(self) -> None:
        self.tokens: list[str] = [""]
        self.token_skeleton = array("I", [0])
        self.skeletons: list[str] = [""]
        self._token_ids: dict[str, int] = {"": 0}
        self._skeleton_ids: dict[str, int] = {"": 0}
        self._filed: dict[str, list[int]] = {}
        self._similar: dict[str, list[tuple[int, float]]] = {}

    def token_id(self, token: str) -> int:
        """The number of a token, numbering it (and its skeleton) if new."""
        found = self._token_ids.get(token)
        if found is not None:
            return found
        number = len(self.tokens)
        self._token_ids[token] = number
        self.tokens.append(token)
        self.token_skeleton.append(self._skeleton_id(skeleton(token)))
        return number

    def skeleton_number(self, text: str) -> int | None:
        """The number of a skeleton the vocabulary knows, or None (numbering nothing)."""
        return self._skeleton_ids.get(text)

    def _skeleton_id(self, text: str) -> int:
        found = self._skeleton_ids.get(text)
        if found is not None:
            return found
        number = len(self.skeletons)
        self._skeleton_ids[text] = number
        self.skeletons.append(text)
        self._file(text, number)
        self._similar.clear()  # a new skeleton may be near any cached query
        return number

    def _file(self, text: str, number: int) -> None:
        self._filed.setdefault(text, []).append(number)
        if len(text) >= MIN_DELETION_LENGTH:
            for shorter in _deletions(text):
                self._filed.setdefault(shorter, []).append(number)

    def similar(self, text: str) -> list[tuple[int, float]]:
        """Known skeletons near a query skeleton, with their similarity, nearest first."""
        cached = self._similar.get(text)
        if cached is not None:
            return cached
        found: set[int] = set(self._filed.get(text, ()))
        if len(text) >= MIN_DELETION_LENGTH:
            for shorter in _deletions(text):
                found.update(self._filed.get(shorter, ()))
        scored = []
        for number in found:
            s = OSA.normalized_similarity(text, self.skeletons[number], score_cutoff=SIMILAR_MIN)
            if s:
                scored.append((number, s))
        # a swap of two letters is a slip, as near as ``score`` makes it (0.90), so it is
        # kept among the nearest even when one-letter insertions of a short name abound
        scored.sort(key=lambda pair: -max(pair[1], SWAP if transposed(
            text, self.skeletons[pair[0]]) else 0.0))
        result = scored[:SIMILAR_MAX]
        if len(self._similar) >= _CACHE_LIMIT:
            self._similar.clear()
        self._similar[text] = result
        return result

    @classmethod
    def restore(cls, tokens: list[str], token_skeleton: array[int], skeletons: list[str]) -> (
        Vocabulary
    ):
        """A vocabulary from a snapshot's lists (the deletion index is filed again)."""
        vocabulary = cls()
        vocabulary.tokens = tokens
        vocabulary.token_skeleton = token_skeleton
        vocabulary.skeletons = skeletons
        vocabulary._token_ids = {token: i for i, token in enumerate(tokens)}
        vocabulary._skeleton_ids = {text: i for i, text in enumerate(skeletons)}
        for number, text in enumerate(skeletons):
            if number:
                vocabulary._file(text, number)
        return vocabulary
