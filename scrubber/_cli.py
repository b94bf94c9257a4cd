"""The ``scrubber`` command line: the only module that reads the environment and opens files.

Exit codes: 0 no error findings, 1 error findings, 2 bad input or usage (one line
on stderr, no traceback, no partial output), 3 internal failure (a plugin raised).
Environment: ``SCRUBBER_TABLES`` (table store path), ``SCRUBBER_DISABLE_PLUGIN_AUTOLOAD``
(load only the built-ins), ``SCRUBBER_BLOCK_PLUGINS=a,b`` (never load these plugins),
``SCRUBBER_DEBUG`` (show tracebacks for internal failures).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pluggy

from scrubber._api import Plugins
from scrubber._cli_io import PendingOutputs, one_line, quiet_broken_pipe
from scrubber._cli_parser import cli_parser
from scrubber._cli_tables import tables_import, tables_list, tables_show
from scrubber._errors import PluginError, ProfileError, ScrubberError
from scrubber._explain import ExplainRequest, explain_code
from scrubber._history_store import SqliteHistory
from scrubber._manager import BLOCK_HINT, BrokenPlugin, make_plugin_manager, plugin_infos
from scrubber._profiles import Profile
from scrubber._report import CORE_FINDINGS, REPORT_VERSION
from scrubber._store import StoreTables, TableStore
from scrubber._tables import MemoryTables, ReferenceTables

__all__ = ["main"]


def _plugin_manager(broken: list[BrokenPlugin] | None = None) -> pluggy.PluginManager:
    autoload = not os.environ.get("SCRUBBER_DISABLE_PLUGIN_AUTOLOAD")
    blocked = [
        n.strip() for n in os.environ.get("SCRUBBER_BLOCK_PLUGINS", "").split(",") if n.strip()
    ]
    return make_plugin_manager(entrypoints=autoload, blocked=blocked, broken=broken)


def _load_plugins() -> Plugins:
    return Plugins.load(_plugin_manager())


def _store_path(args: argparse.Namespace) -> Path:
    if getattr(args, "tables", None):
        return Path(args.tables)
    if os.environ.get("SCRUBBER_TABLES"):
        return Path(os.environ["SCRUBBER_TABLES"])
    import platformdirs

    return Path(platformdirs.user_data_dir("claim-scrubber")) / "tables.db"


def _open_tables(args: argparse.Namespace) -> tuple[ReferenceTables, str | None]:
    """The store's tables. A store named by ``--tables`` or ``SCRUBBER_TABLES`` must exist
    (a typo is exit 2, never a silent empty store); when the default store has not been
    created yet, an empty set (edits then report no data) and a note saying so."""
    path = _store_path(args)
    if not path.exists() and not _store_named(args):
        return MemoryTables(), f"note: no table store at {path}; table edits reported no data"
    return StoreTables(TableStore.open(path)), None


def _open_history(args: argparse.Namespace) -> SqliteHistory | None:
    """The persisted claim history (None: this run's own only). A run reads it; only a run
    that writes its outputs (not ``--check``) adds to it, after the outputs are in place."""
    if args.no_history:
        return None
    if args.history_days < 1:
        raise ScrubberError("--history-days must be 1 or more")
    path = Path(args.history) if args.history else _store_path(args).parent / "history.db"
    return SqliteHistory(path, retain_days=args.history_days)


def _store_named(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "tables", None) or os.environ.get("SCRUBBER_TABLES"))


def _profile(args: argparse.Namespace, plugins: Plugins) -> Profile:
    path = getattr(args, "profile", None)
    if not path:
        return plugins.profile(None)
    try:
        text = Path(path).read_bytes().decode("utf-8")  # as is: the report hashes these bytes
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            f"cannot read profile: {getattr(exc, 'strerror', None) or exc}", source=path
        ) from None
    return plugins.profile(text, source=path)


def _cmd_tables(args: argparse.Namespace) -> int:
    if args.tables_command == "import":
        return tables_import(args, _load_plugins().importers, _store_path(args))
    if args.tables_command == "list":
        return tables_list(args, _store_path(args))
    return tables_show(args, _store_path(args), date.today)


def _cmd_plugins(args: argparse.Namespace) -> int:
    """What loaded, with versions and hooks, and what did not, with why: never fails on a
    broken plugin, since this is the command that tells the user which one is broken."""
    broken: list[BrokenPlugin] = []
    infos = plugin_infos(_plugin_manager(broken))
    if args.json:
        print(
            json.dumps(
                {
                    "plugins": [
                        {"name": i.name, "version": i.version, "hooks": list(i.hooks)}
                        for i in infos
                    ],
                    "broken": [
                        {
                            "name": b.name,
                            "problem": b.problem,
                            "block": f"SCRUBBER_BLOCK_PLUGINS={b.name}",
                        }
                        for b in broken
                    ],
                }
            )
        )
        return 0
    for info in infos:
        print(f"{info.name:24} {info.version:10} {', '.join(info.hooks)}")
    for bad in broken:
        print(f"{bad.name:24} {'BROKEN':10} {_one_line(bad.problem)}")
        print(f"{'':24} {'':10} {BLOCK_HINT.format(name=bad.name)}")
    return 0


def _cmd_edits(args: argparse.Namespace, plugins: Plugins) -> int:
    """Every edit with the severity its findings are reported with, then the core's own
    finding codes (SCR...), which no edit produces but any report can hold."""
    rows = [
        {
            "code": e.code,
            "phase": e.phase.value,
            "severity": e.severity.value,
            "severity_when_fixed": (
                None if e.severity_when_fixed is None else e.severity_when_fixed.value
            ),
            "summary": e.summary,
            "plugin": e.plugin,
            "citation": e.citation,
        }
        for e in plugins.edits
    ]
    rows += [
        {
            "code": code,
            "phase": None,
            "severity": severity,
            "severity_when_fixed": None,
            "summary": summary,
            "plugin": "scrubber",
            "citation": None,
        }
        for code, severity, summary in CORE_FINDINGS
    ]
    if args.json:
        print(json.dumps({"edits": rows}))
        return 0
    for row in rows:
        severity = row["severity"]
        if row["severity_when_fixed"] and row["severity_when_fixed"] != severity:
            severity = f"{severity}; {row['severity_when_fixed']} when fixed"
        print(
            f"{row['code']:8} {row['phase'] or '-':9} {severity:26} {row['summary']}"
            f"  [{row['plugin']}]"
        )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """``scrubber report R.json -o R.html``: the HTML page of an existing JSON report."""
    from scrubber._html_report import render_html

    try:
        text = Path(args.report_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScrubberError(
            f"cannot read: {getattr(exc, 'strerror', None) or exc}", source=args.report_file
        ) from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScrubberError(
            f"not JSON: {exc.msg}", source=args.report_file, position=f"line {exc.lineno}"
        ) from None
    if not isinstance(report, dict) or report.get("report_version") != REPORT_VERSION:
        raise ScrubberError(
            f"not a claim-scrubber report (report_version {REPORT_VERSION} expected)",
            source=args.report_file,
        )
    page = render_html(report).encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(page)
        return 0
    outputs = PendingOutputs()
    try:
        outputs.write_all(args.output, [page])
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return 0


def _cmd_explain(args: argparse.Namespace, plugins: Plugins) -> int:
    tables, _ = _open_tables(args)  # no store yet: the explainers say no table is in force
    profile = _profile(args, plugins)
    request = ExplainRequest(
        code=args.code.upper(),
        program=args.program,
        on=args.date or date.today(),
        payer=profile.for_program(args.program),
        tables=tables,
        minutes=args.minutes,
    )
    explained = explain_code(plugins.explainers, request)
    sections = explained.sections
    if args.json:
        print(json.dumps(explained.as_json(request), indent=2, default=str))
        return 0
    if explained.answer:
        print(explained.answer)
    for warning in explained.warnings:
        print(f"Warning: {warning}")
    if explained.answer or explained.warnings:
        print()
    print(f"{request.code} ({request.program}, {request.on})")
    if not sections:
        print("  Nothing known about this code: no time rules and no table rows.")
    for section in sections:
        print(f"\n{section.title}")
        for line in section.text:
            print(f"  {line}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        from scrubber.serve._run import serve
    except ImportError as exc:
        raise ScrubberError(
            f"the service needs the 'serve' extra: pip install 'claim-scrubber[serve]' ({exc})"
        ) from None
    return serve(
        host=args.host,
        port=args.port,
        tables=str(_store_path(args)),
        profile=args.profile,
        workers=args.workers,
        max_body=args.max_body,
        history_dir=None
        if args.no_history
        else args.history_dir or str(_store_path(args).parent / "history"),
    )


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "tables":  # list and show need the store only, no plugin
        return _cmd_tables(args)
    if args.command == "plugins":
        return _cmd_plugins(args)
    if args.command == "report":
        return _cmd_report(args)
    plugins = _load_plugins()
    if args.command == "scrub":
        from scrubber._cli_scrub import run_scrub

        profile = _profile(args, plugins)
        tables, note = _open_tables(args)
        history = _open_history(args)
        try:
            code = run_scrub(args, plugins, tables, profile, history)
        finally:
            if history is not None:
                history.close()
        if note and not args.quiet:
            print(note, file=sys.stderr)
        return code
    if args.command == "explain":
        return _cmd_explain(args, plugins)
    if args.command == "serve":
        return _cmd_serve(args)
    if args.command == "edits":
        return _cmd_edits(args, plugins)
    print(_profile(args, plugins).describe(), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = cli_parser().parse_args(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # here, not at exit: a reader that left is then a quiet end
        return code
    except BrokenPipeError:  # the reader of stdout left (`| head`): stop quietly
        return quiet_broken_pipe()
    except PluginError as exc:
        hint = f"; {BLOCK_HINT.format(name=exc.plugin)}" if exc.plugin else ""
        print(one_line(f"scrubber: plugin error: {exc.located()}{hint}"), file=sys.stderr)
        return 3
    except ScrubberError as exc:
        print(one_line(f"scrubber: {exc.located()}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scrubber: interrupted; no output written", file=sys.stderr)
        return 2
    except Exception as exc:  # an adapter's or plugin's bug: one line unless debugging
        if os.environ.get("SCRUBBER_DEBUG"):
            raise
        # --strict: the engine notes which edit raised (and its plugin) on the exception
        raised_by = "; ".join(getattr(exc, "__notes__", ()))
        where = f" in {raised_by}" if raised_by else ""
        plugin = re.search(r"\(([\w.-]+)\) on claim", raised_by)
        block = f"; {BLOCK_HINT.format(name=plugin.group(1))}" if plugin else ""
        print(
            one_line(
                f"scrubber: internal error{where} ({type(exc).__name__}: {exc}){block};"
                " set SCRUBBER_DEBUG=1 for a traceback"
            ),
            file=sys.stderr,
        )
        return 3


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
