"""``scrubber serve``: the scrubber as an HTTP service, for EHRs that are not written in Python.

The application is an ordinary ASGI app built by ``create_app`` (run it under any ASGI server:
``create_app(load_config(tables=...))``); ``scrubber serve`` runs it under uvicorn. It needs the
``serve`` extra (``pip install 'claim-scrubber[serve]'``); the core never imports this package.
"""

from __future__ import annotations

from scrubber.serve._app import ServiceConfig, create_app
from scrubber.serve._run import app_from_env, load_config

__all__ = ["ServiceConfig", "app_from_env", "create_app", "load_config"]
