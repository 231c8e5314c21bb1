"""The common visa's own costs (``cta.domain.visas``): writing a visa's MRZ and reading it back
at issue, and judging a scanned visa MRZ against the visa issued at the border, beside the
parse of the passport every check makes anyway. ``python -m bench visa``."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from bench.common import console, median_seconds, table
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from cta.domain.visas import IssuedVisa, read_visa, scan_reasons, visa_mrz, visa_number
from cta.policy.countries import load_countries

__all__ = ["profile", "run"]

SEED = 7
COUNT = 5_000
REPEATS = 5
DAY = date(2027, 3, 1)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _passports(rng: random.Random, nationalities: list[str]) -> list[tuple[str, ...]]:
    def word(low: int, high: int) -> str:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))

    return [generate_mrz(DocumentFields(
        type=DocumentType.TD3, document_code="P", issuing_state=nationality,
        surname=word(3, 14), given_names=" ".join(word(2, 9) for _ in range(rng.randint(1, 3))),
        document_number=word(1, 1) + str(rng.randint(10**7, 10**8 - 1)),
        nationality=nationality, birth_date=DAY - timedelta(days=rng.randint(6000, 30000)),
        sex=rng.choice("MF"), expiry_date=DAY + timedelta(days=rng.randint(400, 3000)),
    )) for nationality in rng.choices(nationalities, k=COUNT)]  # fmt: skip


def _workload() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], set[str]]:
    codes = load_countries().mrz_codes
    rng = random.Random(SEED)
    passports = _passports(rng, sorted(c for c in codes if len(c) == 3 and c.isalpha()))
    visas = [visa_mrz(parse_mrz(p, today=DAY), number=visa_number("GEO", i + 1), state="GEO",
                      valid_to=DAY + timedelta(days=90), format="MRV-A", today=DAY,
                      known_codes=codes) for i, p in enumerate(passports)]  # fmt: skip
    return passports, visas, set(codes)


def run() -> dict[str, object]:
    passports, visas, codes = _workload()
    read = [parse_mrz(p, today=DAY, known_codes=codes) for p in passports]
    issued = [IssuedVisa(v[1][:9], r.document_number, v) for v, r in zip(visas, read, strict=True)]

    def issue() -> None:
        for i, passport in enumerate(read):
            visa_mrz(passport, number=visa_number("GEO", i + 1), state="GEO",
                     valid_to=DAY + timedelta(days=90), format="MRV-A", today=DAY,
                     known_codes=codes)  # fmt: skip

    def scan() -> None:
        for visa, record, passport in zip(visas, issued, read, strict=True):
            scan_reasons(read_visa(visa, on=DAY, known_codes=codes), record, passport, on=DAY,
                         known_codes=codes)  # fmt: skip

    def passport_parse() -> None:
        for passport in passports:
            parse_mrz(passport, today=DAY, known_codes=codes)

    paths: dict[str, Callable[[], None]] = {
        "issue: number, MRV-A written and read back": issue,
        "border: visa MRZ read and judged against the visa issued": scan,
        "parse_mrz of the passport (baseline, every check)": passport_parse,
    }
    results = table(f"Visa MRZ, {COUNT:,} visas, median of {REPEATS}", "path", "µs each")
    figures: dict[str, float] = {}
    for name, call in paths.items():
        seconds, _ = median_seconds(call, REPEATS)
        figures[name] = round(seconds / COUNT * 1e6, 2)
        results.add_row(name, f"{figures[name]:.1f}")
    console.print(results)
    return figures


def profile() -> None:
    import cProfile
    import pstats

    passports, visas, codes = _workload()
    read = [parse_mrz(p, today=DAY, known_codes=codes) for p in passports]
    issued = [IssuedVisa(v[1][:9], r.document_number, v) for v, r in zip(visas, read, strict=True)]
    with cProfile.Profile() as profiler:
        for visa, record, passport in zip(visas, issued, read, strict=True):
            scan_reasons(read_visa(visa, on=DAY, known_codes=codes), record, passport, on=DAY,
                         known_codes=codes)  # fmt: skip
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
