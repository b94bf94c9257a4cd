"""The ``scrubber`` command line: the only module that reads the environment and opens files.

Exit codes (DESIGN §8): 0 no error findings, 1 error findings, 2 bad input or usage (one line
on stderr, no traceback, no partial output), 3 internal failure (a plugin raised).
Environment: ``SCRUBBER_TABLES`` (table store path), ``SCRUBBER_DISABLE_PLUGIN_AUTOLOAD``
(load only the built-ins), ``SCRUBBER_BLOCK_PLUGINS=a,b`` (never load these plugins),
``SCRUBBER_DEBUG`` (show tracebacks for internal failures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from scrubber.api import Plugins, tool_version
from scrubber.cli_io import one_line, quiet_broken_pipe
from scrubber.errors import PluginError, ProfileError, ScrubberError, TableError
from scrubber.explain import ExplainRequest, explain_code
from scrubber.history_store import DEFAULT_RETAIN_DAYS, SqliteHistory
from scrubber.manager import make_plugin_manager
from scrubber.profiles import PROGRAMS, Profile
from scrubber.store import StoreTables, TableStore
from scrubber.tables import ImportHints, MemoryTables, ReferenceTables, TableInfo

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line and exit 2, instead of argparse's usage block."""
        self.exit(2, f"scrubber: {message} (see 'scrubber --help')\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _minutes(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("minutes must not be negative")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scrubber", description="Pre-submission claim scrubber (837P, FHIR).")
    parser.add_argument("--version", action="version", version=f"claim-scrubber {tool_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tables_opt = _Parser(add_help=False)
    tables_opt.add_argument(
        "--tables", metavar="DB", help="table store (default: SCRUBBER_TABLES or the user data dir)"
    )
    profile_opt = _Parser(add_help=False)
    profile_opt.add_argument("--profile", metavar="FILE", help="payer profile (TOML)")

    scrub = sub.add_parser("scrub", parents=[tables_opt, profile_opt], help="scrub claim files")
    scrub.add_argument("inputs", nargs="+", metavar="INPUT", help="claim files ('-' for stdin)")
    out = scrub.add_mutually_exclusive_group()
    out.add_argument(
        "-o", "--output", metavar="OUT", help="output file ('-' for stdout, the default)"
    )
    out.add_argument(
        "--out-dir", metavar="DIR", help="write each output under DIR with its input's name"
    )
    scrub.add_argument("--report", metavar="REPORT.json", help="write the JSON report here")
    scrub.add_argument(
        "--force", action="store_true", help="allow an output to replace one of the inputs"
    )
    scrub.add_argument("--check", action="store_true", help="report only; write no claims")
    scrub.add_argument("--format", default="auto", help="auto (sniff), x12, fhir ...")
    scrub.add_argument(
        "--validate",
        action="store_true",
        help="validate the written output against the implementation guide",
    )
    scrub.add_argument(
        "--ack", metavar="FILE", help="write an acknowledgment (X12 999) of the input"
    )
    scrub.add_argument(
        "--response",
        "--fhir-response",
        metavar="FILE",
        help="write a response document per claim (FHIR ClaimResponse NDJSON)",
    )
    scrub.add_argument(
        "--format-option",
        action="append",
        metavar="KEY=VALUE",
        help="an option of the input's format (repeatable; an unknown key lists the known ones)",
    )
    scrub.add_argument(
        "--fhir-version",
        choices=("r4", "r5"),
        help="FHIR: same as --format-option fhir_version=... (default r4)",
    )
    scrub.add_argument(
        "--fast",
        action="store_true",
        help="FHIR: same as --format-option fast=true (no model validation)",
    )
    scrub.add_argument(
        "--fhir-findings",
        action="store_true",
        help="FHIR: same as --format-option findings=true (findings in the written Claim)",
    )
    scrub.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the run's as-of date (recorded in the report)",
    )
    history = scrub.add_mutually_exclusive_group()
    history.add_argument(
        "--history",
        metavar="DB",
        help="claim history kept between runs for day totals (default: history.db beside "
        "the table store)",
    )
    history.add_argument(
        "--no-history",
        action="store_true",
        help="count day totals within this run only; read and write no history file",
    )
    scrub.add_argument(
        "--history-days",
        type=int,
        default=DEFAULT_RETAIN_DAYS,
        metavar="N",
        help=f"days of dates of service the history keeps (default {DEFAULT_RETAIN_DAYS})",
    )
    scrub.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="scrub the inputs in N worker processes (0: every core; default 1); outputs and "
        "report are the same as with one",
    )
    scrub.add_argument("--strict", action="store_true", help="stop on the first edit that raises")
    scrub.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")

    tables = sub.add_parser("tables", help="reference tables").add_subparsers(
        dest="tables_command", required=True, parser_class=_Parser
    )
    imp = tables.add_parser("import", parents=[tables_opt], help="import CMS table files")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--program", help="for files whose names do not say (medicare, medicaid)")
    imp.add_argument(
        "--service-type", help="for files whose names do not say (the importers' own names)"
    )
    imp.add_argument("--effective", type=_date, metavar="YYYY-MM-DD")
    tables.add_parser("list", parents=[tables_opt], help="list imported tables")
    show = tables.add_parser("show", parents=[tables_opt], help="show a code's rows")
    show.add_argument("code")
    show.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    show.add_argument("--program", choices=PROGRAMS)

    explain = sub.add_parser(
        "explain", parents=[tables_opt, profile_opt], help="explain a code in plain words"
    )
    explain.add_argument("code")
    explain.add_argument("--program", choices=PROGRAMS, default="medicare")
    explain.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    explain.add_argument("--minutes", type=_minutes, metavar="N")
    explain.add_argument("--json", action="store_true")

    sub.add_parser("plugins", help="list installed plugins")
    sub.add_parser("edits", help="list the edits of every installed plugin")
    profile = sub.add_parser("profile", help="payer profiles").add_subparsers(
        dest="profile_command", required=True, parser_class=_Parser
    )
    profile.add_parser("show", parents=[profile_opt], help="print the effective settings")
    return parser


def _load_plugins() -> Plugins:
    autoload = not os.environ.get("SCRUBBER_DISABLE_PLUGIN_AUTOLOAD")
    blocked = [
        n.strip() for n in os.environ.get("SCRUBBER_BLOCK_PLUGINS", "").split(",") if n.strip()
    ]
    return Plugins.load(make_plugin_manager(entrypoints=autoload, blocked=blocked))


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


def _cmd_tables(args: argparse.Namespace, plugins: Plugins) -> int:
    if args.tables_command == "import":
        return _tables_import(args, plugins)
    store_path = _store_path(args)
    store = TableStore.open(store_path, create=False)
    if args.tables_command == "list":
        infos = store.list_tables()
        if not infos:
            print(f"no tables in {store_path}")
        for info in infos:
            print(
                f"{info.name:32} effective {info.effective}  {info.rows:>6} rows  "
                f"{info.source_file}  sha256 {info.sha256[:12]}  imported {info.imported_at}"
            )
        return 0
    on = args.date or date.today()
    snapshot = store.snapshot()
    found = 0
    for info in snapshot.tables():
        if args.program and info.program != args.program:
            continue
        hit = snapshot.lookup(*info.family, args.code, on)
        if hit is not None and hit.table == info:
            found += 1
            values = "  ".join(f"{k}={v}" for k, v in hit.row.values)
            print(
                f"{info.name:32} {args.code}  {values}"
                f"  (effective {info.effective}, {info.source_file})"
            )
    if not found:
        print(f"no rows for {args.code} in tables in force on {on}")
    return 0


def _tables_import(args: argparse.Namespace, plugins: Plugins) -> int:
    for given, option, known in (
        (args.program, "--program", {p for i in plugins.importers for p in i.programs}),
        (
            args.service_type,
            "--service-type",
            {s for i in plugins.importers for s in i.service_types},
        ),
    ):
        if given is not None and given not in known:
            raise ScrubberError(
                f"{option} {given!r} is not known to any installed importer "
                f"({', '.join(sorted(known)) or 'none'})"
            )
    hints = ImportHints(
        program=args.program, service_type=args.service_type, effective=args.effective
    )
    parsed = []
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise TableError(f"cannot read: {exc.strerror}", source=name) from None
        base = os.path.basename(name)
        importer = next((i for i in plugins.importers if i.recognizes(base, data[:4096])), None)
        if importer is None:
            raise TableError("no installed importer recognises this file", source=name)
        try:
            parsed.append((name, list(importer.parse(base, data, hints))))
        except TableError as exc:
            exc.source = name
            raise
    store = TableStore.open(_store_path(args), create=True)
    for name, tables in parsed:  # every file parsed before anything is stored
        for outcome in store.import_tables(tables):
            t = outcome.table
            print(
                f"{outcome.outcome:9} {t.name} effective {t.effective}:"
                f" {t.rows} rows from {os.path.basename(name)}"
            )
            for note in hint_notes(hints, t):
                print(f"note: {os.path.basename(name)}: {note}", file=sys.stderr)
    return 0


def hint_notes(hints: ImportHints, table: TableInfo) -> list[str]:
    """What was used where the command line and the file name disagree, and why.

    CMS dates and labels each MUE file only in its name (the rows carry no effective date), so
    an importer takes the name's facts first and the command line's only where the name is
    silent. Without a word, a mistyped ``--effective`` would seem to have been applied."""
    notes = []
    if hints.effective is not None and hints.effective != table.effective:
        notes.append(
            f"effective date {table.effective} taken from the file name, not --effective "
            f"{hints.effective}: CMS dates each MUE file in its name, which wins over the "
            "option (the option is for files whose name carries no date)"
        )
    for option, given, used in (
        ("--program", hints.program, table.program),
        ("--service-type", hints.service_type, table.service_type),
    ):
        if given is not None and given != used:
            notes.append(f"{used} taken from the file name, not {option} {given}")
    return notes


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
        print(
            json.dumps(
                {
                    "code": request.code,
                    "program": request.program,
                    "date": request.on.isoformat(),
                    "minutes": None if args.minutes is None else str(args.minutes),
                    "answer": explained.answer or None,
                    "warnings": list(explained.warnings),
                    "sections": [
                        {
                            "title": s.title,
                            "text": list(s.text),
                            "data": s.data,
                            "answer": s.answer or None,
                        }
                        for s in sections
                    ],
                },
                indent=2,
                default=str,
            )
        )
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


def _dispatch(args: argparse.Namespace) -> int:
    plugins = _load_plugins()
    if args.command == "scrub":
        from scrubber.cli_scrub import run_scrub

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
    if args.command == "tables":
        return _cmd_tables(args, plugins)
    if args.command == "explain":
        return _cmd_explain(args, plugins)
    if args.command == "plugins":
        for info in plugins.infos:
            print(f"{info.name:24} {info.version:10} {', '.join(info.hooks)}")
        return 0
    if args.command == "edits":
        for item in plugins.edits:
            print(
                f"{item.code}  {item.phase.value:9} {item.severity.value:7}"
                f" {item.summary}  [{item.plugin}]"
            )
        return 0
    print(_profile(args, plugins).describe(), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # here, not at exit: a reader that left is then a quiet end
        return code
    except BrokenPipeError:  # the reader of stdout left (`| head`): stop quietly
        return quiet_broken_pipe()
    except PluginError as exc:
        print(one_line(f"scrubber: plugin error: {exc.located()}"), file=sys.stderr)
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
        print(
            one_line(
                f"scrubber: internal error ({type(exc).__name__}: {exc});"
                " set SCRUBBER_DEBUG=1 for a traceback"
            ),
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
