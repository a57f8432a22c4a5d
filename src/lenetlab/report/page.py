"""One self-contained HTML page: inline CSS, images as base64 data URIs, no scripts.

The page opens from a file, offline, in any browser, and can be mailed or
archived as one file. Every piece of text from a run (rule names, file paths,
CSV cells) is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.5rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f4f4f4; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
p.note { background: #fff8e1; border-left: 4px solid #f0c040; padding: 0.5rem 0.8rem; }
.wide { overflow-x: auto; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
           gap: 0.5rem; }
"""


@dataclass
class PageFigure:
    """A PNG to embed, with the alt text and caption that explain it."""

    png: bytes
    alt: str
    caption: str = ""


@dataclass
class Table:
    """Rows of text under a header, with a sentence above saying what they are."""

    header: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    """A heading, then paragraphs, notes, tables and figures, in that order."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown highlighted: what is missing, and why
    tables: list[Table] = field(default_factory=list)
    figures: list[PageFigure] = field(default_factory=list)
    gallery: bool = False  # lay the figures out side by side


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _looks_numeric(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            css = ' class="number"' if _looks_numeric(str(cell)) else ""
            cells.append(f"<td{css}>{html.escape(str(cell))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_figure(figure: PageFigure) -> str:
    caption = f"<figcaption>{html.escape(figure.caption)}</figcaption>" if figure.caption else ""
    return (
        f'<figure><img src="{data_uri(figure.png)}" alt="{html.escape(figure.alt, quote=True)}">'
        f"{caption}</figure>"
    )


def render_page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(subtitle)}</p>",
    ]
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p>{html.escape(text)}</p>" for text in section.paragraphs)
        parts.extend(f'<p class="note">{html.escape(text)}</p>' for text in section.notes)
        for table in section.tables:
            if table.caption:
                parts.append(f"<p>{html.escape(table.caption)}</p>")
            parts.append(f'<div class="wide">{render_table(table.header, table.rows)}</div>')
        figures = "".join(render_figure(figure) for figure in section.figures)
        parts.append(f'<div class="gallery">{figures}</div>' if section.gallery else figures)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
