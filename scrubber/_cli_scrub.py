"""``scrubber scrub``: stream each input through its format, the engine and the writer.

Each input is read in chunks, its output and the report are spooled to temporary files and
renamed into place only when every input succeeded (no partial output). The terminal
listing (one line per finding) is spooled too and printed once the run is over, followed by
the summary; a progress bar shows on stderr meanwhile when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from typing import Any

from rich.text import Text

from scrubber._api import SNIFF_BYTES, Plugins, detect_format, reporting, tool_version
from scrubber._cli_io import PendingOutputs, read_chunks, read_head, stdin_copy
from scrubber._cli_outputs import InputOutputs, plan_outputs
from scrubber._engine import Engine, Result, Run, ScrubOptions
from scrubber._errors import AdapterError, ScrubberError
from scrubber._findings import ClaimResult
from scrubber._formats import ClaimPiece, Format, FormatOptions
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._profiles import Profile
from scrubber._report import ReportBuilder, summary_text
from scrubber._tables import ReferenceTables
from scrubber._terminal import (
    FindingListing,
    ScrubProgress,
    listing_rows,
    render_row,
    stderr_console,
    validation_rows,
)

__all__ = ["RunFiles", "run_scrub"]


# the FHIR flags, kept as documented aliases of generic format options
FORMAT_OPTION_ALIASES = {
    "fhir_version": "fhir_version",
    "fast": "fast",
    "fhir_findings": "findings",
}


def scrub_options(args: argparse.Namespace, plugins: Plugins) -> ScrubOptions:
    """The run's typed options from the command line: ``--format-option KEY=VALUE`` (and the
    FHIR aliases) must name an option some installed format declares; each input's format
    then gets those it declares (``Run.stream``)."""
    given: dict[str, str] = {}
    for attr, key in FORMAT_OPTION_ALIASES.items():
        value = getattr(args, attr, None)
        if value is True:
            given[key] = "true"
        elif isinstance(value, str):
            given[key] = value
    for item in args.format_option or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScrubberError(f"--format-option wants KEY=VALUE, got {item!r}")
        given[key.strip()] = value.strip()
    declared = {key for fmt in plugins.formats for key in fmt.options}
    for key in given:
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ScrubberError(f"no installed format has the option {key!r} (known: {known})")
    return ScrubOptions(
        as_of=args.as_of, strict=args.strict, check=args.check, format_options=given
    )


def _pick_format(args: argparse.Namespace, plugins: Plugins, path: str, source: str) -> Format:
    if args.format != "auto":
        return plugins.format(args.format)
    try:
        head = read_head(source, SNIFF_BYTES)
    except OSError as exc:
        raise AdapterError(f"cannot read: {exc.strerror}", source=path) from None
    try:
        return detect_format(head, plugins.formats)
    except AdapterError as exc:
        exc.source = path
        raise


def run_scrub(
    args: argparse.Namespace,
    plugins: Plugins,
    tables: ReferenceTables,
    profile: Profile,
    history: ClaimHistory | None = None,
) -> int:
    """Scrub every input on one run (one history, one report); return the exit code (0 clean,
    1 error findings, 3 edit failures)."""
    plan = plan_outputs(
        args.inputs,
        output=args.output,
        out_dir=args.out_dir,
        report=args.report,
        ack=args.ack,
        response=args.response,
        check=args.check,
        force=args.force,
        html=getattr(args, "html", None),  # the HTML report, where the command has one
    )
    if getattr(args, "spark", None):
        from scrubber.spark._cli import run_scrub_spark

        return run_scrub_spark(args, plugins, profile, history, plan)
    from scrubber._cli_jobs import jobs_wanted, jobs_worth_it, run_scrub_jobs

    jobs = jobs_wanted(args)
    if jobs_worth_it(args, jobs):
        return run_scrub_jobs(args, plugins, profile, history, jobs, plan)
    engine = Engine(
        edits=plugins.edits, tables=tables, profile=profile, options=scrub_options(args, plugins)
    )
    run = engine.start(history=history)
    with RunFiles(args, history) as files:
        current = [""]  # the input being scrubbed, named in each report entry

        def sink(entry: dict[str, Any]) -> None:
            files.spool.write(json.dumps({"input": current[0], **entry}, ensure_ascii=False) + "\n")

        plugin_of = {e.code: e.plugin for e in plugins.edits}

        def listen(entry: dict[str, Any]) -> None:
            name = "<stdin>" if current[0] == "-" else current[0]
            files.listing.add(listing_rows(entry, name, plugin_of))

        report = ReportBuilder(
            sink, check=args.check, level=args.report_level, listener=None if args.quiet else listen
        )
        inputs: list[dict[str, str]] = []
        with ScrubProgress(files.console) as progress:
            to_stdout: Format | None = None
            for path, targets in zip(args.inputs, plan, strict=True):
                # stdin is copied once to a temporary file: --ack and --validate read it again
                source = stdin_copy(files.stash) if path == "-" else path
                fmt = _pick_format(args, plugins, path, source)
                to_stdout = stdout_format(to_stdout, fmt, targets.claims, path)
                inputs.append({"path": path, "format": fmt.name})
                current[0] = path
                _scrub_one(args, path, source, fmt, run, report, files.outputs, targets, progress)
            header = report.header(
                tool_version=tool_version(),
                plugins=[(i.name, i.version) for i in plugins.infos],
                tables=run.tables_used(),
                inputs=inputs,
                as_of=args.as_of,
                profile=profile,
            )
        files.commit(header)
        files.print_outcome(header)
    return exit_code(report)


class RunFiles:
    """What a scrub run holds until it ends, for one process and for ``--jobs``: the outputs
    pending (``.part`` files), the report and finding-listing spools, the stdin copies.

    ``commit`` ends a run that worked: the report and the HTML page written, every output
    committed (all or none), and only then the persisted history: committed, or rolled back
    under ``--check`` (nothing was sent: yesterday's claims were read, none of today's are
    added). Leaving the ``with`` block by an exception before that discards every output and
    rolls the history back; the spools and stdin copies are removed either way."""

    def __init__(self, args: argparse.Namespace, history: ClaimHistory | None) -> None:
        self.args = args
        self.history = history
        self.outputs = PendingOutputs()
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115  # __exit__
        self._listing_spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.listing = FindingListing(self._listing_spool)
        self.console = stderr_console()
        self.stash = tempfile.TemporaryDirectory(prefix="scrubber-stdin-")
        self._committed = False

    def __enter__(self) -> RunFiles:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        try:
            if exc_type is not None and not self._committed:
                self.outputs.discard()
                if isinstance(self.history, SqliteHistory):
                    self.history.rollback()
        finally:
            self.spool.close()
            self._listing_spool.close()
            self.stash.cleanup()

    def commit(self, header: dict[str, Any]) -> None:
        args = self.args
        if args.report:
            self.outputs.write_all(args.report, _report_chunks(header, self.spool))
        if args.html:
            self.outputs.write_all(args.html, [_html(header, self.spool).encode("utf-8")])
        self.outputs.commit()
        self._committed = True
        if isinstance(self.history, SqliteHistory):
            if args.check:
                self.history.rollback()
            else:
                self.history.commit()

    def print_outcome(self, header: dict[str, Any]) -> None:
        """After a run: one line per finding and validation issue (unless ``-q``), then the
        summary, on stderr."""
        if not self.args.quiet:  # -q: the summary only
            self.listing.print(self.console)
            for row in validation_rows(header["validation"]):
                self.console.print(render_row(row))
        self.console.print(Text(summary_text(header["summary"])))


def exit_code(report: ReportBuilder) -> int:
    """0 clean, 1 error findings, 3 an edit failed."""
    if report.failures:
        return 3
    return 1 if report.has_errors else 0


def stdout_format(
    current: Format | None, fmt: Format, claims_to: str | None, path: str
) -> Format | None:
    """The format of the claims written to stdout so far, after *path*'s; two formats would
    be concatenated there (neither readable), so that is refused before any work."""
    if claims_to != "-":
        return current
    if current is not None and current.name != fmt.name:
        raise ScrubberError(
            f"{current.name} and {fmt.name} inputs would be mixed on stdout; use --out-dir DIR",
            source=path,
        )
    return fmt


def _scrub_one(
    args: argparse.Namespace,
    path: str,
    source: str,
    fmt: Format,
    run: Run,
    report: ReportBuilder,
    outputs: PendingOutputs,
    targets: InputOutputs,
    progress: ScrubProgress,
) -> None:
    if targets.response and fmt.respond is None:
        raise ScrubberError(f"format {fmt.name} writes no response documents (--response)")
    if targets.ack and fmt.acknowledge is None:
        raise ScrubberError(f"format {fmt.name} has no acknowledgment (--ack)")
    responses = outputs.open(targets.response) if targets.response else None
    options = run.format_options(fmt)

    def on_result(piece: ClaimPiece, result: Result) -> None:
        if responses is not None and fmt.respond is not None and isinstance(result, ClaimResult):
            if args.check:  # the claim goes out as it came in: respond about that claim
                result = replace(result, claim=result.original)
            responses.write(fmt.respond(piece, result, options))

    written = run.stream(
        progress.track(
            read_chunks(source),
            name=os.path.basename(path) if path != "-" else "<stdin>",
            total=_size(source),
            claims=lambda: report.claims,
        ),
        fmt,
        on_result=reporting(report, on_result),
    )
    target = targets.claims
    try:
        if target is None:
            for _chunk in written:
                pass
            handle = None
        else:
            handle = outputs.write_all(target, written)
        if args.validate:
            _validate(fmt, options, report, handle, source, path)
        if targets.ack and fmt.acknowledge is not None:
            data = b"".join(read_chunks(source))
            outputs.write_all(targets.ack, [fmt.acknowledge(data, options)])
    except AdapterError as exc:
        exc.source = exc.source or path
        raise
    except OSError as exc:
        raise ScrubberError(f"cannot read: {exc.strerror}", source=path) from None


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _html(header: dict[str, Any], spool: Any) -> str:
    """The HTML page of this run's report (the same data as the JSON report)."""
    from scrubber._html_report import render_html

    spool.seek(0)
    return render_html({**header, "claims": [json.loads(line) for line in spool]})


def _validate(
    fmt: Format,
    options: FormatOptions,
    report: ReportBuilder,
    handle: Any,
    path: str,
    input_name: str,
) -> None:
    if fmt.validate is None:
        raise ScrubberError(f"format {fmt.name} has no implementation-guide validator")
    if handle is None:  # --check: validate the input as it is
        data = b"".join(read_chunks(path))
    else:
        handle.seek(0)
        data = handle.read()
        handle.seek(0, os.SEEK_END)
    report.add_validation(fmt.validate(data, options), input=input_name)


def _report_chunks(header: dict[str, Any], spool: Any) -> Any:
    """The report JSON: the header fields, then the spooled claim entries, streamed."""
    head = json.dumps(header, indent=2, ensure_ascii=False)
    yield (head[:-2] + ',\n  "claims": [').encode()
    spool.seek(0)
    first = True
    for line in spool:
        yield (("\n    " if first else ",\n    ") + line.rstrip("\n")).encode()
        first = False
    yield b"\n  ]\n}\n"
