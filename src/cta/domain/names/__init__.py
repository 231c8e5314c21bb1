"""Personal names: their script, and their transliteration into the MRZ (ICAO Doc 9303-3)."""

from __future__ import annotations

from cta.domain.names.transliterate import Script, detect_script, to_mrz

__all__ = ["Script", "detect_script", "to_mrz"]
