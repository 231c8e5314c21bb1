"""How long a person's data is kept, and who counts as over the stay limit.

A person is deleted ``years`` after their last exit, and an overstayer after more years
(``Settings.retention_years``, ``overstayer_retention_years``; EES Regulation (EU) 2017/2226
Art. 34: three years, five for an overstayer). A person is over the limit on a day when the
days used in the window are more than the limit allows; a nationality without a stay limit
never is.
"""

from __future__ import annotations

from datetime import date

__all__ = ["CARRIER_LOG_ACTIONS", "CARRIER_LOG_YEARS", "over_limit", "years_before"]

# how long the carrier gateway's log of each query is kept (ETIAS Art. 45(2): two years), and
# its audit entries: one of each query, one of each traveller in it (cta.services.carriers)
CARRIER_LOG_YEARS = 2
CARRIER_LOG_ACTIONS = ("carrier check", "carrier check traveller")


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def over_limit(days_used: int | None, limit: int | None) -> bool:
    """Whether more days were used than the limit allows (None: no limit counted)."""
    return days_used is not None and limit is not None and days_used > limit
