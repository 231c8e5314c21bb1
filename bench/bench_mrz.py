"""MRZ parse + validate throughput: ``cta.domain.documents.parse_mrz`` against the ``mrz`` package.

The ``mrz`` package (GPL-3.0) is a benchmark-only dependency: only this module imports it,
never ``cta``. Both readers get the same 100,000 strings (lines joined by newlines), generated
once from a fixed seed over the five formats, about 10% of them corrupted on purpose.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.mrvb import MRVBCodeChecker
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker

from bench.common import console, table
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from cta.domain.documents.formats import FORMATS
from cta.domain.errors import MRZFormatError
from cta.policy.countries import load_countries

__all__ = ["run"]

SEED = 9303
COUNT = 100_000
CORRUPT_SHARE = 0.10
REPEATS = 5
# Documents are generated around a fixed day so that the strings are the same in every run;
# both readers judge them as of the real today, because the mrz package reads the clock.
ANCHOR = date(2026, 11, 29)

CHECKERS: dict[DocumentType, Callable[[str], object]] = {
    DocumentType.TD1: TD1CodeChecker,
    DocumentType.TD2: TD2CodeChecker,
    DocumentType.TD3: TD3CodeChecker,
    DocumentType.MRVA: MRVACodeChecker,
    DocumentType.MRVB: MRVBCodeChecker,
}
DOCUMENT_CODES = {
    DocumentType.TD1: ["I", "ID", "I", "ID", "AC", "IR", "C"],
    DocumentType.TD2: ["I", "ID", "IP", "A", "C"],
    DocumentType.TD3: ["P", "P", "P", "PO", "PD", "PS"],
    DocumentType.MRVA: ["V", "VA", "VC"],
    DocumentType.MRVB: ["V", "VB", "VD"],
}
# Look-alikes in OCR-B that scanners confuse (Doc 9303 Part 3 §4.1 uses OCR-B for this reason).
OCR_SWAPS = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "8": "B",
    "B": "8",
    "5": "S",
    "S": "5",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CORRUPTIONS = ("check digit", "OCR confusion", "invalid date", "bad country code")


@dataclass(frozen=True)
class Sample:
    """One generated MRZ, how it was spoiled (or "clean"), and the string both readers get."""

    type: DocumentType
    corruption: str
    text: str


# -- generation ---------------------------------------------------------------------------------


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))


def _number(rng: random.Random, long_allowed: bool) -> str:
    if long_allowed and rng.random() < 0.02:  # Part 5/6 note j: numbers over 9 characters
        length = rng.randint(10, 13)
    else:
        length = rng.choice((8, 9, 9, 9))
    head = "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, 2)))
    return head + "".join(rng.choice("0123456789") for _ in range(length - len(head)))


def _birth(rng: random.Random) -> date | str:
    born = ANCHOR - timedelta(days=rng.randint(1, 90 * 365))
    if rng.random() < 0.005:  # unknown day, or day and month (Part 3 §4.8)
        raw = f"{born.year % 100:02d}{born.month:02d}<<"
        return raw if rng.random() < 0.5 else raw[:2] + "<<<<"
    return born


def _optional(rng: random.Random, room: int) -> str:
    if room <= 0 or rng.random() < 0.5:
        return ""
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, room)))


def _fields(rng: random.Random, kind: DocumentType, codes: list[str]) -> DocumentFields:
    fmt = FORMATS[kind]
    number = _number(rng, fmt.long_document_number)
    room = fmt.optional_data.end - fmt.optional_data.start
    if len(number) > 9:
        room -= len(number) - 9 + 2
    state = rng.choice(codes)
    nationality = state if rng.random() < 0.8 else rng.choice(codes)
    expiry = ANCHOR + timedelta(days=rng.randint(-3 * 365, 10 * 365))
    given = " ".join(_word(rng, 2, 10) for _ in range(rng.randint(0, 3)))
    return DocumentFields(
        type=kind,
        document_code=rng.choice(DOCUMENT_CODES[kind]),
        issuing_state=state,
        surname=" ".join(_word(rng, 2, 12) for _ in range(rng.choice((1, 1, 1, 2)))),
        given_names=given,
        document_number=number,
        nationality=nationality,
        birth_date=_birth(rng),
        sex=rng.choices(("M", "F", "<"), (48, 48, 4))[0],
        expiry_date=expiry,
        optional_data=_optional(rng, min(room, 14)),
        optional_data_2=_optional(rng, 11) if kind is DocumentType.TD1 else "",
    )


def _flip_check_digit(rng: random.Random, kind: DocumentType, lines: list[str]) -> None:
    fmt = FORMATS[kind]
    spans = [
        fmt.document_number_check,
        fmt.birth_date_check,
        fmt.expiry_date_check,
        fmt.optional_data_check,
        fmt.composite_check,
    ]
    digits = [s for s in spans if s is not None and lines[s.line][s.start].isdigit()]
    span = rng.choice(digits)
    old = int(lines[span.line][span.start])
    new = str((old + rng.randint(1, 9)) % 10)
    line = lines[span.line]
    lines[span.line] = line[: span.start] + new + line[span.start + 1 :]


def _ocr_confusion(rng: random.Random, lines: list[str]) -> None:
    places = [(i, j) for i, line in enumerate(lines) for j, c in enumerate(line) if c in OCR_SWAPS]
    i, j = rng.choice(places)
    lines[i] = lines[i][:j] + OCR_SWAPS[lines[i][j]] + lines[i][j + 1 :]


def _invalid_date(rng: random.Random, fields: DocumentFields) -> DocumentFields:
    yy = rng.choice([y for y in range(100) if y % 4])  # a year with no 29 February either century
    mmdd = rng.choice(("1301", "0015", "0230", "0229", "0431", "0900", "1232"))
    raw = f"{yy:02d}{mmdd}"
    if rng.random() < 0.5:
        return replace(fields, birth_date=raw)
    return replace(fields, expiry_date=raw)


def _bad_country(rng: random.Random, fields: DocumentFields, unknown: list[str]) -> DocumentFields:
    if rng.random() < 0.5:
        return replace(fields, issuing_state=rng.choice(unknown))
    return replace(fields, nationality=rng.choice(unknown))


def generate(count: int = COUNT, seed: int = SEED) -> list[Sample]:
    """``count`` MRZs over the five formats, ~10% corrupted one way each; the same every run."""
    rng = random.Random(seed)
    table_codes = load_countries().mrz_codes
    codes = sorted(table_codes)
    unknown = [c for c in ("QQQ", "ZZX", "AAA", "XYZ", "ABC", "JJJ", "KVX") if c not in table_codes]
    kinds = list(DocumentType)
    samples: list[Sample] = []
    while len(samples) < count:
        kind = rng.choice(kinds)
        fields = _fields(rng, kind, codes)
        corruption = rng.choice(CORRUPTIONS) if rng.random() < CORRUPT_SHARE else "clean"
        if corruption == "invalid date":
            fields = _invalid_date(rng, fields)
        elif corruption == "bad country code":
            fields = _bad_country(rng, fields, unknown)
        try:
            lines = list(generate_mrz(fields))
        except ValueError:
            continue  # a drawn combination that does not fit (too long): draw again
        if corruption == "check digit":
            _flip_check_digit(rng, kind, lines)
        elif corruption == "OCR confusion":
            _ocr_confusion(rng, lines)
        samples.append(Sample(kind, corruption, "\n".join(lines)))
    return samples


# -- the two readers ----------------------------------------------------------------------------


def ours_accepts(texts: list[str], today: date, codes: frozenset[str]) -> list[bool]:
    """Our verdict on each string: parse and validate against the country table."""
    verdicts: list[bool] = []
    append = verdicts.append
    for text in texts:
        try:
            append(parse_mrz(text, today=today, known_codes=codes).valid)
        except MRZFormatError:
            append(False)
    return verdicts


def theirs_accepts(samples: list[Sample]) -> list[bool]:
    """The mrz package's verdict; a constructor that raises counts as a reject."""
    verdicts: list[bool] = []
    append = verdicts.append
    for sample in samples:
        try:
            append(bool(CHECKERS[sample.type](sample.text)))
        except Exception:  # the package raises its own errors and a few built-in ones
            append(False)
    return verdicts


def _their_reasons(sample: Sample) -> str:
    try:
        checker = CHECKERS[sample.type](sample.text)
    except Exception as exc:
        return f"raises {type(exc).__name__}"
    errors = [e.removeprefix("false ") for e in checker.report.errors]  # type: ignore[attr-defined]
    return ", ".join(dict.fromkeys(errors)) or "?"


def _our_reasons(text: str, today: date, codes: frozenset[str]) -> tuple[str, str]:
    try:
        document = parse_mrz(text, today=today, known_codes=codes)
    except MRZFormatError as exc:
        return "format", str(exc)
    fields = ", ".join(dict.fromkeys(issue.field for issue in document.errors))
    return fields, "; ".join(issue.message for issue in document.errors)


# -- timing and comparison ----------------------------------------------------------------------


def _time(samples: list[Sample], today: date, codes: frozenset[str]) -> dict[str, dict[str, float]]:
    """Median seconds per pass for each reader, over clean, corrupted and all documents.

    The readers take turns within each repeat, so that a burst of load on the machine falls on
    both rather than on whichever happened to run then.
    """
    groups = {
        "clean": [s for s in samples if s.corruption == "clean"],
        "corrupted": [s for s in samples if s.corruption != "clean"],
    }
    texts = {key: [s.text for s in group] for key, group in groups.items()}  # before the clock
    times: dict[str, dict[str, list[float]]] = {
        name: {key: [] for key in (*groups, "all")} for name in ("ours", "mrz")
    }
    for _ in range(REPEATS):
        for name in ("ours", "mrz"):
            total = 0.0
            for key, group in groups.items():
                started = time.perf_counter()
                if name == "ours":
                    ours_accepts(texts[key], today, codes)
                else:
                    theirs_accepts(group)
                elapsed = time.perf_counter() - started
                times[name][key].append(elapsed)
                total += elapsed
            times[name]["all"].append(total)
    result = {
        name: {key: statistics.median(values) for key, values in per_group.items()}
        for name, per_group in times.items()
    }
    result["counts"] = {key: float(len(group)) for key, group in groups.items()}
    result["counts"]["all"] = float(len(samples))
    return result


def _compare(samples: list[Sample], today: date, codes: frozenset[str]) -> dict[str, object]:
    ours = ours_accepts([s.text for s in samples], today, codes)
    theirs = theirs_accepts(samples)
    by_corruption: dict[str, Counter[str]] = defaultdict(Counter)
    only_we_reject: dict[tuple[str, str], list[tuple[Sample, str]]] = defaultdict(list)
    only_they_reject: dict[tuple[str, str], list[tuple[Sample, str]]] = defaultdict(list)
    for sample, we, they in zip(samples, ours, theirs, strict=True):
        by_corruption[sample.corruption][
            f"ours {'ok' if we else 'no'} / mrz {'ok' if they else 'no'}"
        ] += 1
        if we == they:
            continue
        if not we:
            fields, message = _our_reasons(sample.text, today, codes)
            only_we_reject[(sample.type.value, fields)].append((sample, message))
        else:
            only_they_reject[(sample.type.value, _their_reasons(sample))].append((sample, ""))
    return {
        "by_corruption": {k: dict(v) for k, v in sorted(by_corruption.items())},
        "only_we_reject": _summarise(only_we_reject),
        "only_mrz_rejects": _summarise(only_they_reject),
    }


def _summarise(groups: dict[tuple[str, str], list[tuple[Sample, str]]]) -> list[dict[str, object]]:
    rows = sorted(groups.items(), key=lambda item: -len(item[1]))
    return [
        {
            "type": kind,
            "why": why,
            "count": len(found),
            "corruptions": dict(Counter(s.corruption for s, _ in found)),
            "examples": [
                {"mrz": s.text.split("\n"), "corruption": s.corruption, "ours": m}
                for s, m in found[:3]
            ],
        }
        for (kind, why), found in rows
    ]


def _table_differences(codes: frozenset[str]) -> dict[str, list[str]]:
    """Country codes one reader knows and the other does not (a data difference, not a rule)."""
    from mrz.base.countries_ops import dictionary

    theirs = set(dictionary.values())
    return {
        "in_ours_not_mrz": sorted(codes - theirs),
        "in_mrz_not_ours": sorted(theirs - codes),
    }


def run() -> dict[str, object]:
    """Generate, time both readers, compare their verdicts, print the tables."""
    today = date.today()
    codes = load_countries().mrz_codes
    console.print(f"[bold]mrz[/]: generating {COUNT:,} MRZs (seed {SEED}) ...")
    samples = generate()
    timing = _time(samples, today, codes)
    comparison = _compare(samples, today, codes)
    _print(timing, comparison)
    tables = _table_differences(codes)
    console.print(
        f"country codes only in our table: {', '.join(tables['in_ours_not_mrz'])}; "
        f"only in the mrz package's: {', '.join(tables['in_mrz_not_ours'])}"
    )
    return {
        "count": COUNT,
        "seed": SEED,
        "repeats": REPEATS,
        "timing_s": timing,
        "comparison": comparison,
        "tables": tables,
    }


def _print(timing: dict[str, dict[str, float]], comparison: dict[str, object]) -> None:
    counts = timing["counts"]
    out = table(
        f"MRZ parse + validate, median of {REPEATS} passes",
        "documents",
        "n",
        "ours docs/s",
        "mrz docs/s",
        "ours µs/doc",
        "mrz µs/doc",
        "ratio",
    )
    for key in ("clean", "corrupted", "all"):
        n = counts[key]
        ours, theirs = timing["ours"][key], timing["mrz"][key]
        out.add_row(
            key,
            f"{n:,.0f}",
            f"{n / ours:,.0f}",
            f"{n / theirs:,.0f}",
            f"{ours / n * 1e6:.2f}",
            f"{theirs / n * 1e6:.2f}",
            f"[bold]{theirs / ours:.1f}×[/]",
        )
    console.print(out)
    verdicts = table(
        "Verdicts by corruption",
        "corruption",
        "ours ok / mrz ok",
        "ours no / mrz no",
        "ours no / mrz ok",
        "ours ok / mrz no",
    )
    by_corruption = comparison["by_corruption"]
    assert isinstance(by_corruption, dict)
    for name, cells in by_corruption.items():
        verdicts.add_row(
            name,
            *(
                f"{cells.get(k, 0):,}"
                for k in (
                    "ours ok / mrz ok",
                    "ours no / mrz no",
                    "ours no / mrz ok",
                    "ours ok / mrz no",
                )
            ),
        )
    console.print(verdicts)
    for key, title in (
        ("only_we_reject", "Ours rejects, mrz accepts"),
        ("only_mrz_rejects", "mrz rejects, ours accepts"),
    ):
        rows = comparison[key]
        assert isinstance(rows, list)
        out = table(title, "type", "why", "count", "corruptions", "example (first)")
        for row in rows[:15]:
            example = row["examples"][0]
            out.add_row(
                row["type"],
                row["why"],
                f"{row['count']:,}",
                ", ".join(f"{k} {v}" for k, v in row["corruptions"].items()),
                "\n".join(example["mrz"]),
            )
        console.print(out)


def profile() -> None:
    """Where the time of our reader goes, on clean and on corrupted documents."""
    import cProfile
    import pstats

    today, codes = date.today(), load_countries().mrz_codes
    samples = generate(20_000)
    for label, clean in (("clean", True), ("corrupted", False)):
        texts = [s.text for s in samples if (s.corruption == "clean") is clean]
        console.print(f"[bold]ours, {label} documents ({len(texts):,})[/]")
        profiler = cProfile.Profile()
        profiler.runcall(ours_accepts, texts, today, codes)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    console.print("[bold]mrz package, all documents[/]")
    profiler = cProfile.Profile()
    profiler.runcall(theirs_accepts, samples[:5_000])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
