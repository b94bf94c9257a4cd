"""Start-up of ``scrubber serve``: load the plugins, tables and profile once, then run uvicorn.

Settings reach the application through the environment (``SCRUBBER_TABLES``,
``SCRUBBER_PROFILE``, ``SCRUBBER_MAX_BODY``) because ``--workers N`` starts N processes that
each build the application from ``app_from_env``; one process reads them the same way.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from fastapi import FastAPI

from scrubber._api import Plugins
from scrubber._errors import ProfileError, TableError
from scrubber._manager import make_plugin_manager
from scrubber._store import TableStore
from scrubber.serve._app import DEFAULT_MAX_BODY, ServiceConfig, create_app
from scrubber.serve._history import TenantHistories

__all__ = ["app_from_env", "load_config", "run_server", "serve"]


def load_config(
    *,
    tables: str,
    profile: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    history_dir: str | None = None,
) -> ServiceConfig:
    """Plugins, the table store at *tables* (it must exist) and the profile file, loaded once.

    Every table version is read into memory here, so requests never touch the store and one
    snapshot is shared by every request thread. With *history_dir*, each tenant's day totals
    are kept in ``<history_dir>/<tenant>.db``; without it, in memory."""
    autoload = not os.environ.get("SCRUBBER_DISABLE_PLUGIN_AUTOLOAD")
    blocked = [
        n.strip() for n in os.environ.get("SCRUBBER_BLOCK_PLUGINS", "").split(",") if n.strip()
    ]
    plugins = Plugins.load(make_plugin_manager(entrypoints=autoload, blocked=blocked))
    if not Path(tables).is_file():
        raise TableError("no table store here (run 'scrubber tables import')", source=tables)
    snapshot = TableStore.open(tables, create=False).snapshot()
    snapshot.preload(snapshot.tables())
    text = None
    if profile:
        try:
            text = Path(profile).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(
                f"cannot read profile: {getattr(exc, 'strerror', None) or exc}", source=profile
            ) from None
    return ServiceConfig(
        tables=snapshot,
        profile=plugins.profile(text, source=profile or "<profile>"),
        plugins=plugins,
        max_body=max_body,
        histories=TenantHistories(history_dir),
    )


def app_from_env() -> FastAPI:
    """The application as configured by the environment (uvicorn ``--factory``)."""
    return create_app(
        load_config(
            tables=os.environ["SCRUBBER_TABLES"],
            profile=os.environ.get("SCRUBBER_PROFILE") or None,
            max_body=int(os.environ.get("SCRUBBER_MAX_BODY", DEFAULT_MAX_BODY)),
            history_dir=os.environ.get("SCRUBBER_HISTORY_DIR") or None,
        )
    )


def serve(
    *,
    host: str,
    port: int,
    tables: str,
    profile: str | None,
    workers: int,
    max_body: int,
    history_dir: str | None,
) -> int:
    """Check the configuration loads, then serve until interrupted; the CLI's exit code."""
    load_config(tables=tables, profile=profile, max_body=max_body)  # fail fast, exit 2
    os.environ["SCRUBBER_HISTORY_DIR"] = history_dir or ""
    os.environ["SCRUBBER_TABLES"] = tables
    os.environ["SCRUBBER_PROFILE"] = profile or ""
    os.environ["SCRUBBER_MAX_BODY"] = str(max_body)
    print(f"scrubber: serving on http://{host}:{port} (tables {tables})", file=sys.stderr)
    run_server("scrubber.serve._run:app_from_env", host=host, port=port, workers=workers)
    return 0


def run_server(app: str | FastAPI, *, host: str, port: int, workers: int = 1) -> None:
    """Serve *app* (an application, or the import path of a factory) under uvicorn as
    ``scrubber serve`` does: our access log on stderr, uvicorn's own (which would log the
    query string) off. uvicorn picks its fastest parts when installed (``uvicorn[standard]``:
    the httptools parser and the uvloop event loop)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # ours logs no query string and no body
        log_level="warning",
    )
