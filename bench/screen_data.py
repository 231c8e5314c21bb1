"""Labelled data for the screening benchmark: alerts, and travellers who are or are not on them.

Deterministic for a seed. **Alert persons** are drawn from Faker's name lists in their own
scripts (az_AZ, hy_AM, ka_GE, ru_RU, uk_UA and the Latin-script en_US, en_GB, en_IE, de_DE,
fr_FR, it_IT, tr_TR), with patronymics where
the country writes them (Russian, Ukrainian; Azerbaijani "Vaqif oğlu"), some compound or
double names, some rarer surnames made by changing a letter of a listed one (the lists are
short; real alert sets have far more distinct names), birth dates full (80 %), year only
(10 %) or unknown (10 %), and a passport number for half of them. Each alert carries the name
as its issuer wrote it: an Azerbaijani's in Azerbaijani Latin or in Russian Cyrillic
(Məmmədov or Мамедов), the others in their own script, sometimes with a Latin alias.

**Positive travellers** are alert persons as a passport prints them: the MRZ of ``to_mrz``,
then one or two of: another romanisation (a Russian-issued passport of an Azerbaijani:
MAMEDOV, ELCHIN; -IAN for -YAN; KH/H/X; TS/C; DZH/J; Q/G/K; doubled letters single; -OV/-OFF),
the patronymic dropped or kept, the order swapped, one typo, OCR digits for letters (0/O,
1/I, 8/B, 5/S), a long name cut at the MRZ field's 39 characters, the birth day off by a
digit. Some carry the passport number, exact or with an OCR slip.

**Negative travellers** are strangers: fresh people from the same lists (redrawn when an alert
has their surname and first given name with a compatible birth date: a homonym nobody can
tell apart), strangers with an alert person's surname and another given name, the same names
born years apart (the alert's birth date known), and similar names (a listed surname close
to the alert's, same given name) born years apart.

**Issue 14's classes** (``issue14_cases``) come on extra alert persons of their own seed, so
the above is unchanged: alerts typed as one word, with the space one letter off, with two
letters of a given name swapped; strangers with a near surname (no spelling of it) and the
given names of an alert without a birth date; two alerts on one name, one of them undated.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from faker import Faker

from cta.domain.errors import CTAError
from cta.domain.names import to_mrz

__all__ = [
    "HARD_CLASSES", "Person", "Traveller", "alert_line", "alert_persons", "issue14_cases",
    "travellers",
]

# nationality, Faker locale, weight: roughly the mix an alert system of the region would hold
LOCALES = (
    ("AZE", "az_AZ", 14), ("ARM", "hy_AM", 12), ("GEO", "ka_GE", 12), ("RUS", "ru_RU", 20),
    ("UKR", "uk_UA", 6), ("TUR", "tr_TR", 8), ("USA", "en_US", 6), ("DEU", "de_DE", 6),
    ("FRA", "fr_FR", 4), ("ITA", "it_IT", 2), ("GBR", "en_GB", 4), ("IRL", "en_IE", 2),
)  # fmt: skip
CATEGORIES = (
    ("refuse_entry", 40), ("arrest", 10), ("missing_person", 15), ("judicial_procedure", 10),
    ("discreet_check", 10), ("specific_check", 5), ("invalidated_document", 10),
)  # fmt: skip
_AZ_TO_RU = {
    "a": "а", "b": "б", "c": "дж", "ç": "ч", "d": "д", "e": "е", "f": "ф", "g": "г",
    "ğ": "г", "h": "г", "x": "х", "ı": "ы", "i": "и", "j": "ж", "k": "к", "q": "г", "l": "л",
    "m": "м", "n": "н", "o": "о", "ö": "ё", "p": "п", "r": "р", "s": "с", "ş": "ш", "t": "т",
    "u": "у", "ü": "ю", "v": "в", "y": "й", "z": "з",
}  # fmt: skip
_VARIANTS = (
    ("YAN", "IAN"), ("IAN", "YAN"), ("KH", "H"), ("KH", "X"), ("X", "KH"), ("Q", "G"),
    ("Q", "K"), ("GH", "G"), ("TS", "C"), ("DZH", "J"), ("J", "DZH"), ("ZH", "J"),
    ("CH", "C"), ("SH", "S"), ("YE", "E"), ("IY", "Y"), ("II", "I"), ("MM", "M"), ("NN", "N"),
    ("LL", "L"), ("OV$", "OFF"), ("EV$", "EFF"), ("IA", "YA"), ("Y", "I"),
)  # fmt: skip
_OCR = {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}
_LETTERS = "ABCDEFGHIJKLMNOPRSTUVYZ"
TD3_NAME = 39


@dataclass(frozen=True, slots=True)
class Person:
    """One alert person: names in their own script, as the alert gives them."""

    number: int
    nationality: str
    locale: str
    sex: str
    surname: str
    given: tuple[str, ...]
    patronymic: str
    birth: tuple[int, int, int]
    birth_known: str  # "full", "year" or "none"
    document: str | None
    alert_names: tuple[str, ...]
    category: str


@dataclass(frozen=True, slots=True)
class Traveller:
    """A query, with the alert it should hit (None: a stranger) and how it was made."""

    query: dict[str, Any]
    expected: str | None
    kind: str
    changes: tuple[str, ...] = field(default=())
    also: tuple[str, ...] = field(default=())  # other alerts it must hit too, ranked after


@cache
def _mrz(name: str, language: str | None = None) -> str:
    return to_mrz(name, language=language)


def _readable(name: str) -> bool:
    try:
        return bool(_mrz(name))
    except CTAError:  # a few of Faker's list entries are damaged (N˜zamett˜n)
        return False


@cache
def _pools(locale: str) -> dict[str, list[str]]:
    person = Faker(locale).provider("faker.providers.person")

    def names(*attrs: str) -> list[str]:
        for attr in attrs:
            found = getattr(person, attr, None)
            if found:
                return sorted(name for name in set(found) if _readable(name))
        return []

    return {
        "M": names("first_names_male", "first_names"),
        "F": names("first_names_female", "first_names"),
        "surname_M": names("last_names_male", "last_names"),
        "surname_F": names("last_names_female", "last_names"),
        "middle": names("middle_names_male"),
    }


def alert_id(number: int) -> str:
    return f"AL{number:08d}"


def _rarer(rng: random.Random, surname: str) -> str:
    """A surname not in the list: one letter changed for another letter of the same name."""
    letters = [c for c in surname if c.isalpha()]
    if len(letters) < 5:
        return surname
    at = rng.randrange(1, len(surname) - 2)
    return surname[:at] + rng.choice(letters).lower() + surname[at + 1 :]


def _patronymic(rng: random.Random, locale: str, sex: str) -> str:
    pools = _pools(locale)
    if locale in ("ru_RU", "uk_UA") and pools["middle"]:
        middle = rng.choice(pools["middle"])
        return middle if sex == "M" else middle[:-3] + "вна" if middle.endswith("вич") else middle
    if locale == "az_AZ" and rng.random() < 0.5:
        return f"{rng.choice(pools['M'])} {'oğlu' if sex == 'M' else 'qızı'}"
    return ""


def _person(rng: random.Random, number: int) -> Person:
    nationality, locale, _ = rng.choices(LOCALES, [w for *_, w in LOCALES])[0]
    pools = _pools(locale)
    sex = rng.choice("MF")
    surname = rng.choice(pools[f"surname_{sex}"])
    if rng.random() < 0.3:
        surname = _rarer(rng, surname)
    if locale in ("de_DE", "fr_FR", "en_US", "en_GB") and rng.random() < 0.08:
        surname = f"{surname}-{rng.choice(pools[f'surname_{sex}'])}"
    given = [rng.choice(pools[sex])]
    if locale not in ("ru_RU", "uk_UA", "az_AZ") and rng.random() < 0.25:
        given.append(rng.choice(pools[sex]))
    year = rng.randint(1940, 2010)
    known = rng.choices(("full", "year", "none"), (80, 10, 10))[0]
    has_document = rng.random() < 0.5
    document = f"{rng.choice('ACKNPU')}{rng.randrange(10**7, 10**8)}" if has_document else None
    person = Person(
        number=number, nationality=nationality, locale=locale, sex=sex, surname=surname,
        given=tuple(given), patronymic=_patronymic(rng, locale, sex),
        birth=(year, rng.randint(1, 12), rng.randint(1, 28)), birth_known=known,
        document=document, alert_names=(),
        category=rng.choices(*zip(*CATEGORIES, strict=True))[0],
    )  # fmt: skip
    return _with_alert_names(rng, person)


def _russian_spelling(name: str) -> str:
    """An Azerbaijani name as a Russian document writes it (Məmmədov → Мамедов)."""
    out = []
    seen_schwa = False
    name = name.replace("İ", "I")  # one letter in lower case too (not i + combining dot)
    for i, char in enumerate(name.lower()):
        if char == "ə":
            out.append("е" if seen_schwa else "а")
            seen_schwa = True
        elif char == "e" and i == 0:
            out.append("э")
        elif char == "y" and i + 1 < len(name) and name[i + 1] in "aeəu":
            continue  # й before a vowel joins it in Russian: ya, ye, yu below
        elif i and name[i - 1].lower() == "y" and char in "aeu":
            out.append({"a": "я", "e": "е", "u": "ю"}[char])
        elif i and name[i - 1].lower() == char and char in "mnl":
            continue  # Russian spellings write Azerbaijani doubled consonants once
        else:
            out.append(_AZ_TO_RU.get(char, char))
    return "".join(out).capitalize()


def _with_alert_names(rng: random.Random, person: Person) -> Person:
    given = " ".join(person.given)
    native = " ".join(p for p in (given, person.patronymic, person.surname) if p)
    names = [native]
    if person.locale == "az_AZ" and rng.random() < 0.5:
        patronymic = person.patronymic.split(" ")[0]
        names = [" ".join(_russian_spelling(p) for p in (given, patronymic, person.surname) if p)]
    elif person.locale in ("hy_AM", "ka_GE", "ru_RU", "uk_UA") and rng.random() < 0.3:
        names.append(f"{_mrz(person.surname)} {_mrz(given)}")
    if person.category == "invalidated_document" and person.document:
        names = []
    return Person(**{**_fields(person), "alert_names": tuple(names)})


def _fields(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in Person.__slots__}


def alert_persons(count: int, seed: int = 9303) -> list[Person]:
    """``count`` alert persons, the same for the same seed."""
    rng = random.Random(seed)
    return [_person(rng, n) for n in range(count)]


def alert_line(person: Person) -> dict[str, Any]:
    """The alert as a JSON line of ``cta screen --alerts``."""
    year, month, day = person.birth
    birth = {"full": f"{year:04d}-{month:02d}-{day:02d}", "year": f"{year:04d}", "none": None}
    return {
        "id": alert_id(person.number),
        "category": person.category,
        "names": list(person.alert_names),
        "birth_date": birth[person.birth_known],
        "nationalities": [person.nationality],
        "sex": person.sex,
        "document_numbers": [person.document] if person.document else [],
    }


# -- travellers -----------------------------------------------------------------------------


def _passport_names(person: Person) -> tuple[list[str], list[str], list[str]]:
    """Surname, given names and patronymic words as the person's own passport prints them."""
    words = [w for w in _mrz(person.surname).split("<") if w]
    given = [w for g in person.given for w in _mrz(g).split("<") if w]
    patronymic = []
    if person.patronymic and person.locale in ("ru_RU", "uk_UA"):
        language = "uk" if person.locale == "uk_UA" else None
        patronymic = _mrz(person.patronymic, language=language).split("<")
    return words, given, patronymic


def _variant(rng: random.Random, words: list[str]) -> tuple[list[str], str]:
    options = [(i, a, b) for i, w in enumerate(words) for a, b in _VARIANTS
               if (w.endswith(a[:-1]) if a.endswith("$") else a in w[1:])]
    if not options:
        return words, ""
    i, a, b = rng.choice(options)
    word = words[i]
    at = len(word) - len(a) + 1 if a.endswith("$") else word.index(a, 1)
    a = a.rstrip("$")
    changed = [*words]
    changed[i] = word[:at] + b + word[at + len(a) :]
    return changed, f"variant {a}->{b}"


def _typo(rng: random.Random, words: list[str]) -> tuple[list[str], str]:
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return words, ""
    i = rng.choice(long)
    w = words[i]
    at = rng.randrange(1, len(w) - 1)
    how = rng.choice(("substitute", "delete", "insert", "swap"))
    if how == "substitute":
        w = w[:at] + rng.choice(_LETTERS) + w[at + 1 :]
    elif how == "delete":
        w = w[:at] + w[at + 1 :]
    elif how == "insert":
        w = w[:at] + rng.choice(_LETTERS) + w[at:]
    else:
        w = w[: at - 1] + w[at] + w[at - 1] + w[at + 1 :]
    return [*words[:i], w, *words[i + 1 :]], f"typo ({how})"


def _ocr(rng: random.Random, words: list[str]) -> tuple[list[str], str]:
    spots = [(i, j) for i, w in enumerate(words) for j, c in enumerate(w) if c in _OCR]
    if not spots:
        return words, ""
    i, j = rng.choice(spots)
    w = words[i]
    return [*words[:i], w[:j] + _OCR[w[j]] + w[j + 1 :], *words[i + 1 :]], "ocr digit"


def _russian_passport(person: Person) -> tuple[list[str], list[str]]:
    surname = _mrz(_russian_spelling(person.surname)).split("<")
    given = [w for g in person.given for w in _mrz(_russian_spelling(g)).split("<")]
    return surname, given


def _birth_text(birth: tuple[int, int, int]) -> str:
    return f"{birth[0]:04d}-{birth[1]:02d}-{birth[2]:02d}"


def _query(surname: Sequence[str], given: Sequence[str], person: Person,
           birth: tuple[int, int, int], document: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "surname": "<".join(surname), "given_names": " ".join(given),
        "birth_date": _birth_text(birth), "nationality": person.nationality, "sex": person.sex,
    }  # fmt: skip
    if document:
        query["document_number"] = document
    return query


def positive(rng: random.Random, person: Person) -> Traveller:
    """The person as a passport prints them, with one or two of the changes above."""
    surname, given, patronymic = _passport_names(person)
    changes: list[str] = []
    if person.locale == "az_AZ" and rng.random() < 0.3:
        surname, given = _russian_passport(person)
        changes.append("russian passport spelling")
    if patronymic and rng.random() < 0.5:
        given = [*given, *patronymic]
        changes.append("patronymic printed")
    for _ in range(rng.choice((1, 1, 2))):
        change = rng.choice((_variant, _typo, _ocr, "swap", "truncate", "drop", "birth"))
        if change == "swap":
            surname, given = given, surname
            changes.append("order swapped")
        elif change == "truncate":
            extra = (_mrz(rng.choice(_pools(person.locale)[person.sex])) for _ in "ab")
            given = [*given, *(w for g in extra for w in g.split("<"))]
            text = ("<".join(surname) + "<<" + "<".join(given))[:TD3_NAME].rstrip("<")
            head, _, tail = text.partition("<<")
            surname, given = head.split("<"), [w for w in tail.split("<") if w]
            changes.append("long name cut at 39")
        elif change == "drop" and len(given) > 1:
            given = given[:1]
            changes.append("second given name dropped")
        elif change == "birth":
            changes.append("birth day one digit off")
        elif callable(change):
            target = rng.random() < 0.5
            words, how = change(rng, surname if target else given)
            if how:
                surname, given = (words, given) if target else (surname, words)
                changes.append(how)
    year, month, day = person.birth
    if "birth day one digit off" in changes:
        day = day + 1 if day % 10 < 8 else day - 1
    document = None
    if person.document and rng.random() < 0.4:
        document = person.document
        if rng.random() < 0.3 and "0" in document:
            document = document.replace("0", "O", 1)
            changes.append("document number OCR slip")
    query = _query(surname, given, person, (year, month, day), document)
    return Traveller(query, alert_id(person.number), "positive", tuple(changes))


def document_traveller(rng: random.Random, person: Person) -> Traveller:
    """A traveller carrying an invalidated document, read exactly or with an OCR slip."""
    assert person.document is not None
    number = person.document
    slip = rng.random() < 0.3 and "0" in number
    if slip:
        number = number.replace("0", "O", 1)
    stranger = _fresh(rng, person.nationality)
    query = {**stranger.query, "document_number": number}
    return Traveller(query, alert_id(person.number), "document",
                     ("ocr slip",) if slip else ())


def _fresh(rng: random.Random, nationality: str) -> Traveller:
    locale = next(loc for nat, loc, _ in LOCALES if nat == nationality)
    pools = _pools(locale)
    sex = rng.choice("MF")
    surname = _mrz(rng.choice(pools[f"surname_{sex}"])).split("<")
    given = _mrz(rng.choice(pools[sex])).split("<")
    birth = (rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
    query = {"surname": "<".join(surname), "given_names": " ".join(given),
             "birth_date": _birth_text(birth), "nationality": nationality, "sex": sex}
    return Traveller(query, None, "random stranger")


def _far_year(rng: random.Random, year: int) -> int:
    while True:
        other = rng.randint(1940, 2010)
        if abs(other - year) >= 3 and sum(a != b for a, b in zip(str(other), str(year),
                                                                strict=True)) > 1:
            return other


def look_alike(rng: random.Random, person: Person, how: str) -> Traveller:
    """A stranger who shares the person's surname, or names, or a near surname."""
    surname, given, _ = _passport_names(person)
    pools = _pools(person.locale)
    year, month, day = person.birth
    birth = (_far_year(rng, year), month, day)
    if how == "same surname":
        others = [g for g in pools[person.sex] if _mrz(g) not in given]
        given = _mrz(rng.choice(others)).split("<")
        birth = (_far_year(rng, year), rng.randint(1, 12), rng.randint(1, 28))
    elif how == "similar surname":
        from rapidfuzz.distance import OSA

        mine = "<".join(surname)
        close = [s for s in pools[f"surname_{person.sex}"] if _mrz(s) != mine
                 and OSA.normalized_similarity(_mrz(s), mine) >= 0.6]
        surname = _mrz(rng.choice(close)).split("<") if close else surname
    query = _query(surname, given, person, birth)
    return Traveller(query, None, how)


def _homonym_keys(persons: Sequence[Person]) -> dict[tuple[str, str], list[Person]]:
    keys: dict[tuple[str, str], list[Person]] = {}
    for person in persons:
        surname, given, _ = _passport_names(person)
        keys.setdefault(("<".join(surname), given[0] if given else ""), []).append(person)
    return keys


def _compatible(person: Person, birth: tuple[int, int, int]) -> bool:
    if person.birth_known == "none":
        return True
    if person.birth_known == "year":
        return person.birth[0] == birth[0]
    return person.birth == birth


def _is_homonym(stranger: Traveller, homonyms: dict[tuple[str, str], list[Person]]) -> bool:
    """Whether an alert person has the stranger's surname, first given name and birth date."""
    q = stranger.query
    key = (q["surname"], q["given_names"].split(" ")[0])
    year, month, day = (int(x) for x in q["birth_date"].split("-"))
    return any(_compatible(p, (year, month, day)) for p in homonyms.get(key, []))


def travellers(persons: Sequence[Person], count: int, seed: int = 1862,
               positive_share: float = 0.5) -> Iterator[Traveller]:
    """``count`` travellers: about ``positive_share`` alert persons, the rest strangers."""
    rng = random.Random(seed)
    homonyms = _homonym_keys(persons)
    people = [p for p in persons if p.alert_names]
    documents = [p for p in persons if p.document and not p.alert_names]
    dated = [p for p in people if p.birth_known == "full"]
    for _ in range(count):
        roll = rng.random()
        if roll < positive_share * 0.9:
            yield positive(rng, rng.choice(people))
        elif roll < positive_share and documents:
            yield document_traveller(rng, rng.choice(documents))
        elif roll < positive_share + (1 - positive_share) * 0.5:
            while True:
                stranger = _fresh(rng, rng.choice(LOCALES)[0])
                if not _is_homonym(stranger, homonyms):
                    yield stranger
                    break
        else:
            how = rng.choice(("same surname", "same names, born apart", "similar surname"))
            while True:
                stranger = look_alike(rng, rng.choice(dated), how)
                if not _is_homonym(stranger, homonyms):
                    yield stranger
                    break


# -- issue 14: the cases that still slipped ----------------------------------------------------
#
# Each class is made on *extra* alert persons (numbered after the base ones, drawn from their
# own seed), so the base alerts and the base travellers stay exactly what they were and the
# figures before and after can be compared. ``issue14_cases`` answers the extra alert persons
# (to add to the index) and the travellers of every class.

HARD_CLASSES = (
    "alert typed as one word",
    "alert with the space one letter off",
    "alert with two letters of a given name swapped",
    "near surname, alert without birth date",
    "two alerts on one name, one undated",
)
_SLIP_CHANGES = (_variant, _ocr, "swap", "birth")


def _typed_alert(person: Person, name: str) -> Person:
    return Person(**{**_fields(person), "alert_names": (name,)})


def _one_word(rng: random.Random, person: Person) -> Person:
    """``HüseynliAynur``: surname and first given name typed with no space between them."""
    given = person.given[0]
    parts = (person.surname, given) if rng.random() < 0.6 else (given, person.surname)
    return _typed_alert(person, parts[0] + parts[1])


def _space_shifted(rng: random.Random, person: Person) -> Person:
    """``Հովհաննիսյա նԼուսինե``: the space typed one letter early or late."""
    first, second = ((person.surname, person.given[0]) if rng.random() < 0.6
                     else (person.given[0], person.surname))
    joined = first + second
    at = len(first) + rng.choice((-1, 1))
    return _typed_alert(person, f"{joined[:at]} {joined[at:]}")


def _given_swapped(rng: random.Random, person: Person) -> Person | None:
    """``ილკა`` for ``ლიკა``: two adjacent letters of the first given name swapped."""
    given = person.given[0]
    if len(given) < 3:
        return None
    at = rng.randrange(len(given) - 1)
    if given[at] == given[at + 1]:
        return None
    swapped = given[:at] + given[at + 1] + given[at] + given[at + 2 :]
    swapped = swapped[0].upper() + swapped[1:].lower() if swapped[0].islower() else swapped
    rest = " ".join((*person.given[1:], person.patronymic))
    return _typed_alert(person, " ".join(p for p in (swapped, rest.strip(), person.surname) if p))


def _slip_positive(rng: random.Random, person: Person, kind: str,
                   also: tuple[str, ...] = ()) -> Traveller:
    """The person's passport with only what a reader cannot get wrong: another romanisation,
    an OCR digit, the order swapped, a birth day one digit off (no typo of a letter)."""
    surname, given, _ = _passport_names(person)
    changes: list[str] = []
    change = rng.choice((*_SLIP_CHANGES, None))
    if change == "swap":
        surname, given = given, surname
        changes.append("order swapped")
    elif change == "birth":
        changes.append("birth day one digit off")
    elif callable(change):
        target = rng.random() < 0.5
        words, how = change(rng, surname if target else given)
        if how:
            surname, given = (words, given) if target else (surname, words)
            changes.append(how)
    year, month, day = person.birth
    if "birth day one digit off" in changes and person.birth_known == "full":
        day = day + 1 if day % 10 < 8 else day - 1
    query = _query(surname, given, person, (year, month, day))
    return Traveller(query, alert_id(person.number), kind, tuple(changes), also)


def _spelling_of(a: str, b: str) -> bool:
    """Whether two MRZ surnames are one name written two ways: one skeleton (and not -YANTS
    against -YAN, two surnames in Armenian), or two neighbouring letters swapped. Such a
    stranger cannot be told from the alert person by the name, so none is made."""
    from cta.domain.screening import skeleton

    if skeleton(a) == skeleton(b):
        return a.endswith(("YANTS", "IANTS")) == b.endswith(("YANTS", "IANTS"))
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _near_surname(rng: random.Random, person: Person) -> list[str] | None:
    """A surname one or two letters from the person's that is no spelling of it: another
    listed surname (BELOVA / Белякова) or the Armenian -YANTS against -YAN (HAKOBYAN /
    Հակոբյանց), else one or two letters changed, added or dropped."""
    from rapidfuzz.distance import OSA

    mine = _mrz(person.surname)
    if "<" in mine:
        return None  # a compound surname: its parts joined are the same name
    pool = _pools(person.locale)[f"surname_{person.sex}"]

    def stranger(name: str) -> bool:
        return name != mine and "<" not in name and not _spelling_of(name, mine)

    listed = [m for m in (_mrz(s) for s in pool)
              if stranger(m) and 1 <= OSA.distance(m, mine) <= 2]
    if mine.endswith("YANTS"):
        listed.append(mine[:-2])
    elif mine.endswith("YAN"):
        listed.append(mine + "TS")
    listed = [m for m in listed if stranger(m)]
    if listed and rng.random() < 0.7:
        return [rng.choice(listed)]
    for _ in range(20):
        word = mine
        for _ in range(rng.choice((1, 2))):
            at = rng.randrange(1, len(word))
            how = rng.choice(("substitute", "insert", "delete"))
            if how == "substitute":
                word = word[:at] + rng.choice(_LETTERS) + word[at + 1 :]
            elif how == "insert":
                word = word[:at] + rng.choice(_LETTERS) + word[at:]
            elif len(word) > 4:
                word = word[:at] + word[at + 1 :]
        if stranger(word):
            return [word]
    return None


def issue14_cases(persons: Sequence[Person], per_class: int = 300, seed: int = 1414) -> (
    tuple[list[Person], list[Traveller]]
):
    """Extra alert persons and ``per_class`` travellers of each of ``HARD_CLASSES``.

    The extra persons are numbered from ``len(persons)`` on; index them with the base ones.
    Positives of the three alert-typing classes and the undated pair are the passports of
    the extra persons with reader-proof changes only (``_slip_positive``); the near-surname
    strangers carry the given names of an alert person *without a birth date*, a surname one
    or two letters from theirs, and a birth date of their own.
    """
    rng = random.Random(seed)
    number = len(persons)
    extra: list[Person] = []
    out: list[Traveller] = []
    homonyms = _homonym_keys(persons)

    def fresh_person(**overrides: Any) -> Person:
        nonlocal number
        while True:
            person = _person(rng, number)
            if person.alert_names and person.given:
                break
        number += 1
        return Person(**{**_fields(person), **overrides})

    typers = {HARD_CLASSES[0]: _one_word, HARD_CLASSES[1]: _space_shifted,
              HARD_CLASSES[2]: _given_swapped}
    for kind, typer in typers.items():
        made = 0
        while made < per_class:
            person = fresh_person(category="refuse_entry")
            typed = typer(rng, person)
            if typed is None:
                continue
            extra.append(typed)
            out.append(_slip_positive(rng, typed, kind))
            made += 1
    undated = [p for p in persons if p.birth_known == "none" and p.alert_names and p.given]
    homonyms = _homonym_keys([*persons, *extra])
    made = 0
    while made < per_class:
        person = rng.choice(undated)
        surname = _near_surname(rng, person)
        if surname is None:
            continue
        _, given, _ = _passport_names(person)
        birth = (rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
        stranger = Traveller(_query(surname, given, person, birth), None, HARD_CLASSES[3],
                             (f"{'<'.join(surname)} for {_mrz(person.surname)}",))
        if _is_homonym(stranger, homonyms):
            continue
        out.append(stranger)
        made += 1
    for _ in range(per_class):
        dated = fresh_person(birth_known="full")
        twin = Person(**{**_fields(dated), "number": number, "birth_known": "none",
                         "category": "discreet_check", "document": None})
        number += 1
        extra.extend((dated, twin))
        out.append(_slip_positive(rng, dated, HARD_CLASSES[4], (alert_id(twin.number),)))
    return extra, out
