"""The node's HTTP API (FastAPI) under ``/v1``."""

from cta.entrypoints.api.app import create_app

__all__ = ["create_app"]
