"""The node's HTTP API (FastAPI) under ``/v1``: ``cta.entrypoints.api.app.create_app``.

Nothing is imported here: a command that reads one helper of the package (the settings read
``clients.parse_networks``) would otherwise build the whole API first, about 0.4 s of every
``cta`` command's start."""
