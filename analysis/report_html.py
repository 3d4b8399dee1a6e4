"""HTML building blocks of the report: stylesheet, escaped tables, embedded figures.

Everything is inline: CSS in a ``<style>`` element, figures as ``data:image/png;base64`` URIs; no
JavaScript and no external reference, so the file opens anywhere, offline, and can be mailed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape

import matplotlib.pyplot as plt
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
"""


def figure_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, facecolor="white")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(fig: Figure, caption: str, alt: str) -> str:
    """An embedded figure with its caption."""
    return (
        f'<figure><img src="{figure_uri(fig)}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    group: int | None = None,
    css_class: str = "",
) -> str:
    """An HTML table; columns in ``numeric`` right-aligned; a rule where column ``group``
    changes; cells starting with ``+``/``-`` coloured in numeric columns."""
    heads = "".join(
        f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body, previous = [], None
    for row in rows:
        first = group is not None and previous is not None and row[group] != previous
        previous = row[group] if group is not None else None
        cells = []
        for i, cell in enumerate(row):
            classes = ["num"] if i in numeric else []
            if i in numeric and cell[:1] in "+-" and cell[1:2] not in ("", " "):
                classes.append("pos" if cell[0] == "+" else "neg")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{escape(cell)}</td>")
        tr = '<tr class="first">' if first else "<tr>"
        body.append(f"{tr}{''.join(cells)}</tr>")
    attr = f' class="{css_class}"' if css_class else ""
    return f"<table{attr}><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def facts(items: Sequence[tuple[str, str]]) -> str:
    """A definition list of label/value pairs (values escaped)."""
    inner = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f'<dl class="facts">{inner}</dl>'


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body``."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


__all__ = ["CSS", "facts", "figure", "figure_uri", "page", "table"]
