"""The ``scrubber`` command line's arguments: every subcommand, its options and their help.

Kept apart from ``_cli`` (which dispatches the parsed arguments) so the whole surface of the
command line reads in one place; argparse's own usage block on a bad argument is replaced by
one line and exit 2, like every other error of the CLI.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from scrubber._api import tool_version
from scrubber._history_store import DEFAULT_RETAIN_DAYS
from scrubber._profiles import PROGRAMS
from scrubber._report import REPORT_LEVELS

__all__ = ["cli_parser"]


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


def cli_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scrubber",
        description="Pre-submission claim scrubber for X12 837P and FHIR Claim: CMS MUE and"
        " infusion time-unit edits, fixes written back in the original format.",
        epilog="Environment: SCRUBBER_TABLES (table store), SCRUBBER_BLOCK_PLUGINS=a,b (never"
        " load these plugins), SCRUBBER_DISABLE_PLUGIN_AUTOLOAD=1 (built-ins only),"
        " SCRUBBER_DEBUG=1 (tracebacks), NO_COLOR (no colour).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"claim-scrubber {tool_version()}",
        help="print the version and exit",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tables_opt = _Parser(add_help=False)
    tables_opt.add_argument(
        "--tables", metavar="DB", help="table store (default: SCRUBBER_TABLES or the user data dir)"
    )
    profile_opt = _Parser(add_help=False)
    profile_opt.add_argument("--profile", metavar="FILE", help="payer profile (TOML)")
    json_opt = _Parser(add_help=False)
    json_opt.add_argument("--json", action="store_true", help="print JSON instead of text")

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
        "--html", metavar="REPORT.html", help="write the report as one HTML page here"
    )
    scrub.add_argument(
        "--report-level",
        choices=REPORT_LEVELS,
        default="findings",
        help="which claims get a report entry: summary (none), findings (claims with a"
        " finding or fix; the default), all",
    )
    scrub.add_argument(
        "--force", action="store_true", help="allow an output to replace one of the inputs"
    )
    scrub.add_argument("--check", action="store_true", help="report only; write no claims")
    scrub.add_argument(
        "--format", default="auto", help="input format: auto (sniff, the default), x12, fhir ..."
    )
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
    scrub.add_argument(
        "--spark",
        metavar="MASTER",
        help="scrub the inputs on Spark (e.g. local[2], spark://host:7077; needs the 'spark'"
        " extra); outputs and report are the same as without",
    )
    scrub.add_argument(
        "--strict", action="store_true", help="stop at the first edit that raises, naming it"
    )
    scrub.add_argument(
        "-q", "--quiet", action="store_true", help="print the summary only, no finding lines"
    )

    report = sub.add_parser("report", help="turn a JSON report into an HTML page for a biller")
    report.add_argument("report_file", metavar="REPORT.json", help="a report of 'scrub --report'")
    report.add_argument(
        "-o", "--output", metavar="REPORT.html", required=True, help="the HTML page to write"
    )

    tables = sub.add_parser("tables", help="reference tables").add_subparsers(
        dest="tables_command", required=True, parser_class=_Parser
    )
    imp = tables.add_parser("import", parents=[tables_opt], help="import CMS table files")
    imp.add_argument("files", nargs="+", metavar="FILE", help="CMS MUE files: ZIP, CSV, XLSX, TXT")
    imp.add_argument(
        "--program", help="the program, when the file name does not say (medicare, medicaid)"
    )
    imp.add_argument(
        "--service-type",
        help="the service type, when the file name does not say (the importers' own names)",
    )
    imp.add_argument(
        "--effective",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the effective date, when the file name does not say",
    )
    tables.add_parser("list", parents=[tables_opt, json_opt], help="list imported tables")
    show = tables.add_parser(
        "show", parents=[tables_opt, json_opt], help="show a code's rows in the tables in force"
    )
    show.add_argument("code", help="a CPT or HCPCS code")
    show.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="date of service (default: today)"
    )
    show.add_argument("--program", choices=PROGRAMS, help="only this program's tables")

    explain = sub.add_parser(
        "explain", parents=[tables_opt, profile_opt], help="explain a code in plain words"
    )
    explain.add_argument("code", help="a CPT or HCPCS code")
    explain.add_argument(
        "--program", choices=PROGRAMS, default="medicare", help="the program (default medicare)"
    )
    explain.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="date of service (default: today)"
    )
    explain.add_argument("--minutes", type=_minutes, metavar="N", help="minutes of service")
    explain.add_argument("--json", action="store_true", help="print JSON instead of text")

    serve = sub.add_parser(
        "serve",
        parents=[tables_opt, profile_opt],
        help="run the HTTP scrub service (needs the 'serve' extra)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.add_argument(
        "--max-body",
        type=int,
        default=20 * 1024 * 1024,
        metavar="BYTES",
        help="largest request body accepted (413 above it)",
    )
    kept = serve.add_mutually_exclusive_group()
    kept.add_argument(
        "--history-dir",
        metavar="DIR",
        help="keep each tenant's day totals in DIR/<tenant>.db (default: history/ beside the"
        " table store)",
    )
    kept.add_argument(
        "--no-history",
        action="store_true",
        help="keep day totals in memory only (lost on restart)",
    )

    sub.add_parser(
        "plugins", parents=[json_opt], help="list installed plugins (and any that failed to load)"
    )
    sub.add_parser("edits", parents=[json_opt], help="list the edits of every installed plugin")
    profile = sub.add_parser("profile", help="payer profiles").add_subparsers(
        dest="profile_command", required=True, parser_class=_Parser
    )
    profile.add_parser("show", parents=[profile_opt], help="print the effective settings")
    return parser
