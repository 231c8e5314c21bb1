"""The node's server-rendered web pages (no script, no external resource; everything escaped)."""

from cta.entrypoints.web.workbench import router as workbench_router

__all__ = ["workbench_router"]
