"""The ASGI application uvicorn serves: the node built from the environment's settings."""

from __future__ import annotations

from cta.bootstrap import build_node
from cta.entrypoints.api.app import create_app

app = create_app(build_node(migrate_schema=False))
