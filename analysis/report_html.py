"""HTML of the report, escaped by construction: one Jinja2 template with autoescape, one path.

All the report's HTML is in ``templates/report.html.j2``; Python hands it plain data (strings,
numbers, lists, figure data URIs) built by :func:`table_data` and :func:`figure_data`. Every value
the template receives is escaped unless it is :class:`markupsafe.Markup`, and the only Markup made
here is the stylesheet. So text from a result folder (names, descriptions, manifest fields, error
messages) can never reach ``report.html`` as markup, whichever function puts it there.

Everything is inline: CSS in a ``<style>`` element, figures as ``data:image/png;base64`` URIs; no
JavaScript and no external reference, so the file opens anywhere, offline, and can be mailed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import matplotlib.pyplot as plt
from markupsafe import Markup
from matplotlib.figure import Figure

FIGURE_DPI = 110

CSS = """
:root { --ink: #1d2733; --muted: #5b6673; --line: #dde3ea; --accent: #0072B2; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font: 15px/1.55 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 40px 48px 64px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 8px; }
header .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
  color: var(--accent); font-weight: 700; }
h1 { font-size: 30px; margin: 4px 0 6px; letter-spacing: -.01em; }
header p { margin: 0; color: var(--muted); font-size: 16px; max-width: 860px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 8px; color: var(--ink); }
p, li { max-width: 900px; }
.headline { background: var(--bg); border-left: 4px solid var(--accent); padding: 16px 22px;
  margin: 24px 0 8px; font-size: 16.5px; line-height: 1.6; }
.headline p { margin: 0 0 8px; max-width: none; } .headline p:last-child { margin: 0; }
.note { color: var(--muted); font-size: 13px; }
.warn { background: #fff4e5; border-left: 4px solid #E69F00; padding: 10px 16px; }
figure { margin: 18px 0 26px; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 18px; font-size: 13.5px;
  font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px;
  text-transform: uppercase; letter-spacing: .03em; border-bottom: 2px solid var(--line);
  padding: 6px 10px; white-space: nowrap; }
td { padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.first td { border-top: 2px solid var(--line); }
tbody tr:nth-child(even) td { background: #fafbfc; }
.pos { color: #00704a; } .neg { color: #b4380c; }
dl.facts { display: grid; grid-template-columns: 220px 1fr; gap: 4px 18px; margin: 8px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-word; }
code { font: 13px/1.4 "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  background: var(--bg); padding: 1px 5px; border-radius: 3px; }
ul.levers { margin: 4px 0 12px; padding-left: 20px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 12px; }
table.summary { font-size: 15px; }
table.summary td { padding: 8px 10px; } table.summary td b { font-size: 16px; }
table.summary .sub, table.comparison .sub { display: block; color: var(--muted); font-size: 12.5px; }
td.tone-good { background: #e3f4ea !important; } td.tone-bad { background: #fbe6dc !important; }
td.tone-unclear { background: #f0f0f0 !important; color: #4a4a4a; }
td.tone-level { background: var(--bg) !important; }
.headline h2 { margin-top: 0; border: 0; font-size: 17px; }
.say span:first-child { font-weight: 600; }
.say-unclear, .say-unchanged, .say-untested { color: #4f5a66; }
details { margin: 0 0 18px; } details summary { cursor: pointer; color: var(--accent); }
"""

TEMPLATE_FOLDER = Path(__file__).parent / "templates"
"""Template files: ``report.html.j2`` is the whole report."""
ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def figure_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, facecolor="white")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_data(fig: Figure, caption: str, alt: str) -> dict[str, str]:
    """An embedded figure for a template: its data URI, caption and alt text."""
    return {"uri": figure_uri(fig), "caption": caption, "alt": alt}


def table_data(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    group: int | None = None,
    css_class: str = "",
    tones: Sequence[Sequence[str]] | None = None,
) -> dict[str, Any]:
    """A table for a template's ``table`` macro: cells with a tone class each (``tones`` when
    given, else ``pos``/``neg`` for signed numbers in numeric columns), a rule where column
    ``group`` changes."""
    numeric = set(numeric)
    body, previous = [], None
    for k, row in enumerate(rows):
        first = group is not None and previous is not None and row[group] != previous
        previous = row[group] if group is not None else None
        cells = []
        for i, cell in enumerate(row):
            if tones is not None:
                tone = tones[k][i]
            elif i in numeric and cell[:1] in "+-" and cell[1:2] not in ("", " "):
                tone = "pos" if cell[0] == "+" else "neg"
            else:
                tone = ""
            cells.append({"text": cell, "tone": tone})
        body.append({"first": first, "cells": cells})
    return {"header": list(header), "rows": body, "numeric": numeric, "css_class": css_class}


def render_report(**context: Any) -> str:
    """The report document from ``templates/report.html.j2`` (every value escaped)."""
    return ENVIRONMENT.get_template("report.html.j2").render(css=Markup(CSS), **context) + "\n"


__all__ = ["CSS", "ENVIRONMENT", "figure_data", "figure_uri", "render_report", "table_data"]
