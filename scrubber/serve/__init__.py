"""``scrubber serve``: the scrubber as an HTTP service, for EHRs that are not written in Python.

The application is an ordinary ASGI app built by ``create_app`` (run it under any ASGI server);
``scrubber serve`` runs it under uvicorn. It needs the ``serve`` extra
(``pip install 'claim-scrubber[serve]'``); the core never imports this package.
"""

from __future__ import annotations

from scrubber.serve._app import ServiceConfig, create_app

__all__ = ["ServiceConfig", "create_app"]
