"""Tests of personal names: scripts and MRZ transliteration."""
