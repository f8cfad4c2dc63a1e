"""The web form (`decisionaid serve`): Starlette under uvicorn, rendering in spawned workers."""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
