"""The HTML report: one self-contained page for a biller, rendered from the JSON report.

``scrubber report R.json -o R.html`` and ``scrubber scrub --html FILE`` both call
``render_html(report)`` on the same data the JSON report holds (report_version 1), so the
page never says anything the JSON does not. Jinja2 renders it with autoescaping on: claim ids,
notes and messages come from input files and are always escaped. The page loads nothing from
the network (the style sheet is inline, there are no scripts, fonts or images) and prints
cleanly (a print style sheet keeps each claim on its own page where it fits).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

__all__ = ["render_html"]

_URL = re.compile(r"https?://[^\s;,)]+")


def _linkify(text: str | None) -> Markup:
    """Escape *text* and turn each http(s) address into a link (followed only on a click)."""
    if not text:
        return Markup("")
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}" rel="noreferrer">{url}</a>'))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _describe_attachments(attachments: Iterable[Mapping[str, Any]] | None) -> str:
    parts = []
    for a in attachments or ():
        text = f"{a['report_type']}/{a['transmission']}"
        if a.get("control_number"):
            text += f" {a['control_number']}"
        parts.append(text)
    return "; ".join(parts)


def _describe_fix(fix: Mapping[str, Any]) -> str:
    """One phrase per fix, in the biller's words."""
    kind = fix.get("kind")
    where = f"line {fix['line']}" if fix.get("line") else "the claim"
    if kind == "SetUnits":
        return f"set {where} to {fix['units']} unit(s)"
    if kind == "SplitLine":
        parts = []
        for part in fix.get("parts", ()):
            text = f"{part.get('code') or 'same code'} × {part['units']}"
            if part.get("add_modifiers"):
                text += f" ({' '.join(part['add_modifiers'])})"
            parts.append(text)
        return f"split {where} into " + ", ".join(parts)
    if kind == "AddNote":
        return f"note on {where}: {fix.get('text', '')}"
    if kind == "RequestAttachment":
        return (
            f"attachment on {where}: report {fix.get('report_type')} by"
            f" {fix.get('transmission')}"
            + (f", control number {fix['control_number']}" if fix.get("control_number") else "")
        )
    if kind == "RemoveLine":
        return f"removed {where}"
    if kind == "SetModifiers":
        return f"modifiers on {where} set to {' '.join(fix.get('modifiers', ())) or 'none'}"
    fields = ", ".join(f"{k} {v}" for k, v in fix.items() if k not in ("kind", "by", "phase"))
    return f"{kind}: {fields}"


def _line_pairs(claim: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each billed line with the written lines that descend from it (by ``origin``)."""
    before = claim["before"].get("lines", [])
    after = claim["after"].get("lines", [])
    pairs = []
    for line in before:
        origin = line.get("origin", line["number"])
        descendants = [a for a in after if a.get("origin", a["number"]) == origin]
        pairs.append({"before": line, "after": descendants})
    return pairs


def _template_text(name: str) -> str:
    return resources.files("scrubber").joinpath(f"templates/{name}").read_text("utf-8")


def _environment() -> jinja2.Environment:
    template = _template_text("report.html.j2")
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"report.html": template}),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["linkify"] = _linkify
    env.filters["describe_fix"] = _describe_fix
    env.filters["describe_attachments"] = _describe_attachments
    env.filters["line_pairs"] = _line_pairs
    return env


def render_html(report: Mapping[str, Any]) -> str:
    """The page for one JSON report (a dict as ``json.load`` returns it)."""
    summary = report.get("summary", {})
    claims = list(report.get("claims", ()))
    omitted = max(0, int(summary.get("claims", 0)) - len(claims))
    page = _environment().get_template("report.html")
    html: str = page.render(
        report=report,
        summary=summary,
        claims=claims,
        omitted=omitted,
        css=Markup(_template_text("report.css")),
    )
    return html
