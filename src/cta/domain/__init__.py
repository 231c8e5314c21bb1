"""The pure rules of CTA: documents, regime, stay arithmetic, border-check decisions.

Nothing here does I/O or imports a framework; the date of a check is always passed in.
"""
