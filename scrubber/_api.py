"""The Python API: scrub bytes or a stream of chunks with the installed plugins.

``scrub_bytes`` is what an EHR's claim export calls; ``scrub_stream`` is the streaming form the
CLI uses (chunks in, output chunks out, report entries to a sink). Both are sans-IO: tables,
profile and ``as_of`` are parameters, nothing is read from disk or the environment here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from typing import Any, final

import pluggy

from scrubber._edits import Edit
from scrubber._engine import Engine, OnResult, Result, ScrubOptions
from scrubber._errors import AdapterError
from scrubber._explain import Explainer
from scrubber._findings import Finding
from scrubber._formats import ClaimPiece, Format, FormatOptions
from scrubber._history import ClaimHistory
from scrubber._manager import (
    PluginInfo,
    collect_edits,
    collect_explainers,
    collect_formats,
    collect_importers,
    collect_settings,
    make_plugin_manager,
    plugin_infos,
)
from scrubber._profiles import Profile, SettingsSection, load_profile
from scrubber._report import ReportBuilder
from scrubber._tables import ReferenceTables, TableImporter

__all__ = [
    "SNIFF_BYTES",
    "Plugins",
    "ScrubResult",
    "detect_format",
    "reporting",
    "scrub_bytes",
    "scrub_stream",
    "tool_version",
]

SNIFF_BYTES = 4096


@functools.cache
def tool_version() -> str:
    """The installed version, read once: a metadata lookup scans the installed distributions
    (about 0.3 ms), and every report names the version."""
    try:
        return metadata.version("claim-scrubber")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Plugins:
    """Everything the installed plugins registered, collected once at start-up."""

    edits: tuple[Edit, ...]
    formats: tuple[Format, ...]
    importers: tuple[TableImporter, ...]
    settings: tuple[SettingsSection, ...]
    explainers: tuple[Explainer, ...]
    infos: tuple[PluginInfo, ...]

    @classmethod
    def load(cls, pm: pluggy.PluginManager | None = None) -> Plugins:
        pm = pm or make_plugin_manager()
        return cls(
            edits=collect_edits(pm),
            formats=collect_formats(pm),
            importers=collect_importers(pm),
            settings=collect_settings(pm),
            explainers=collect_explainers(pm),
            infos=plugin_infos(pm),
        )

    def profile(self, text: str | None = None, *, source: str = "<profile>") -> Profile:
        return load_profile(text, self.settings, source=source)

    def format_options(self, fmt: Format, given: FormatOptions) -> FormatOptions:
        """*given* checked against the options *fmt* declares; ``AdapterError`` naming an
        option the format does not know (a misspelled option must not be ignored)."""
        for key in given:
            if key not in fmt.options:
                known = ", ".join(sorted(fmt.options)) or "none"
                raise AdapterError(
                    f"format {fmt.name} has no option {key!r} (its options: {known})"
                )
        return dict(given)

    def format(self, name: str) -> Format:
        for fmt in self.formats:
            if fmt.name == name:
                return fmt
        known = ", ".join(f.name for f in self.formats) or "none"
        raise AdapterError(f"unknown format {name!r} (installed: {known})")


def detect_format(head: bytes, formats: Sequence[Format]) -> Format:
    """The first format whose sniffer accepts *head*; ``AdapterError`` if none does."""
    if not head.strip():
        raise AdapterError("empty input", position="byte 0")
    for fmt in formats:
        if fmt.sniff(head):
            return fmt
    names = ", ".join(f.name for f in formats) or "none installed"
    raise AdapterError(f"not a claim format this scrubber reads ({names})", position="byte 0")


def scrub_stream(
    chunks: Iterable[bytes],
    *,
    fmt: Format,
    edits: Sequence[Edit],
    tables: ReferenceTables,
    profile: Profile,
    report: ReportBuilder,
    options: FormatOptions | None = None,
    as_of: date | None = None,
    strict: bool = False,
    check: bool = False,
    on_result: OnResult | None = None,
) -> Iterator[bytes]:
    """Read, scrub and write lazily on a run of its own, feeding *report* (a shorthand for
    ``Engine(...).start().stream(...)``; keep one ``Run`` to span several inputs)."""
    settings = ScrubOptions(as_of=as_of, strict=strict, check=check, format_options=options or {})
    run = Engine(edits=edits, tables=tables, profile=profile, options=settings).start()
    return run.stream(chunks, fmt, on_result=reporting(report, on_result))


def reporting(report: ReportBuilder, then: OnResult | None = None) -> OnResult:
    """An ``on_result`` that adds each result to *report* (then calls *then*)."""

    def on_result(piece: ClaimPiece, result: Result) -> None:
        report.add(result, source=piece.locator)
        if then is not None:
            then(piece, result)

    return on_result


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubResult:
    """What ``scrub_bytes`` returns: the output document, the report, every finding (the
    ``SCR002`` of an unreadable claim included) and one result per claim, in input order."""

    output: bytes
    report: Mapping[str, Any]
    findings: tuple[Finding, ...]
    results: tuple[Result, ...]
    format: str


def scrub_bytes(
    data: bytes,
    *,
    tables: ReferenceTables,
    profile: Profile | str | None = None,
    as_of: date | None = None,
    format: str = "auto",
    check: bool = False,
    options: FormatOptions | None = None,
    plugins: Plugins | None = None,
    strict: bool = False,
    history: ClaimHistory | None = None,
) -> ScrubResult:
    """Scrub one document held in memory and return the written document and the report.

    *profile* is a loaded ``Profile``, TOML text, or None for the plugins' defaults.
    *options* are the format's options (``Format.options``). *history* keeps day totals
    across calls (an EHR scrubbing one claim at a time passes the same ``ClaimHistory``, or a
    ``SqliteHistory``, every time); by default each call starts from an empty one.
    Raises ``AdapterError`` (with a position) for a document that cannot be read.
    """
    plugins = plugins or Plugins.load()
    if not isinstance(profile, Profile):
        profile = plugins.profile(profile)
    fmt = (
        detect_format(data[:SNIFF_BYTES], plugins.formats)
        if format == "auto"
        else plugins.format(format)
    )
    settings = ScrubOptions(
        as_of=as_of,
        strict=strict,
        check=check,
        format_options=plugins.format_options(fmt, options or {}),
    )
    engine = Engine(edits=plugins.edits, tables=tables, profile=profile, options=settings)
    run = engine.start(history=history)
    entries: list[dict[str, Any]] = []
    results: list[Result] = []
    report = ReportBuilder(entries.append, check=check)
    output = b"".join(
        run.stream(
            [data],
            fmt,
            on_result=reporting(report, lambda _piece, result: results.append(result)),
        )
    )
    header = report.header(
        tool_version=tool_version(),
        plugins=[(i.name, i.version) for i in plugins.infos],
        tables=run.tables_used(),
        as_of=as_of,
        profile=profile,
    )
    return ScrubResult(
        output=output,
        report={**header, "claims": entries},
        findings=tuple(f for r in results for f in r.findings),
        results=tuple(results),
        format=fmt.name,
    )
