"""The ASGI application uvicorn serves: the node built from the environment's settings.

The worker opens the alerts' screening index before it serves (from its snapshot when there is
one) so that no check waits for it, and writes the snapshot again when it stops. It never makes
a database (``cta serve --init`` does, before the workers start), and it gives the server's
connection bounds (``server``) their settings.
"""

from __future__ import annotations

from cta.bootstrap import build_federation, build_node, build_read_limiter
from cta.entrypoints.api.app import create_app
from cta.entrypoints.api.clients import client_policy
from cta.entrypoints.api.server import configure_connections
from cta.entrypoints.web.staff import session_policy
from cta.settings import Settings

settings = Settings()
node = build_node(settings, migrate_schema=False, serving=True, create=False)
node.alerts.open(node.store)
configure_connections(settings)
app = create_app(node, build_federation(settings, node), build_read_limiter(settings, node),
                 max_body_bytes=settings.max_body_bytes)
app.state.clients = client_policy(settings)  # the applicants' allowances, trusted proxies
app.state.staff_sessions.policy = session_policy(settings)  # CTA_SESSION_*_SECONDS
