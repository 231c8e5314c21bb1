"""Data files shipped with CTA (country codes and the like), each with its source beside it."""
