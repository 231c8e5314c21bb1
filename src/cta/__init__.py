"""CTA: the Caucasian Union common travel area."""

__version__ = "0.1.0"
