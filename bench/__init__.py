"""Benchmarks of CTA, each beside a baseline in the same run: ``python -m bench [names...]``.

Performance is measured here, never asserted in tests. Every figure is a median over repeated
runs, and every benchmark prints the ratio to its baseline, because the machine is small and
noisy and only ratios travel between machines. See docs/benchmarks.md.
"""
