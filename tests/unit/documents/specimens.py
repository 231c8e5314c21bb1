"""The specimen MRZs of ICAO Doc 9303 (typed from the appendices; never read at run time)."""

from __future__ import annotations

from datetime import date

# The day of the check used by the tests unless a test needs another one.
TODAY = date(2026, 11, 29)

# Part 4, Appendix A, Figure A-1 (also ): passport of Anna Maria Eriksson.
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
# Part 4, Appendix A, Figure A-2: a one-part given name, a numeric personal number. As printed
# in the consolidated text both lines have 45 characters (one filler too many); corrected to 44
# characters the check digits printed (1 and 8) are right.
TD3_IVANOVA_AS_PRINTED = (
    "P<UTOIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F2504155184226<<<<<<<<<18",
)
TD3_IVANOVA = (
    "P<UTOIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F2504155184226<<<<<<<<18",
)
# Part 5, Appendix A, Figure A-1: identity card (TD1).
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
# Part 6, Appendix A, Figure A-1: official travel document (TD2).
TD2 = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)
# Part 7, Appendix A: MRV-A visa (Figure A-1) and MRV-B visa (Figure A-3).
MRVA = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX7408122F96121096ZE184226B<<<<<<",
)
MRVB = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX7408122F9612109<<<<<<<<",
)
# Part 7, Appendix B: the MRV-A construction example (number with a filler, born 1969).
MRVA_CONSTRUCTION = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C<3UTO6908061F9406236ZE184226B<<<<<<<",
)


def replace(lines: tuple[str, ...], line: int, position: int, text: str) -> tuple[str, ...]:
    """``lines`` with ``text`` written from 1-based ``position`` of 1-based ``line``."""
    changed = list(lines)
    old = changed[line - 1]
    start = position - 1
    changed[line - 1] = old[:start] + text + old[start + len(text) :]
    return tuple(changed)
