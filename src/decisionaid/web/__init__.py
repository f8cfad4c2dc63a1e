"""The web form (`decisionaid serve`): Starlette under uvicorn, rendering in spawned workers.

At the top with the CLI: it may use every stage, and mounts the CDS Hooks service of fhir/."""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
