"""The node's server-rendered web pages (no script, no external resource; everything escaped)."""

from cta.entrypoints.web.start import add_start_pages
from cta.entrypoints.web.workbench import router as workbench_router

__all__ = ["add_start_pages", "workbench_router"]
