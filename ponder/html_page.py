"""The page shell every self-contained HTML report shares (`ponder scale`'s and `ponder arena`'s): one
style, figures embedded as data URIs, nothing fetched from the network."""

from __future__ import annotations

import base64
import html
from pathlib import Path

STYLE = """body { font: 15px/1.5 system-ui, sans-serif; max-width: WIDTH; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 14px; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25rem 0.8rem; text-align: right; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } .warn { color: #a40; } code { background: #f4f4f4; padding: 0 0.2rem; }"""


def page(title: str, body: str, *, width: str = "60rem") -> str:
    """A complete HTML document around `body` (already HTML; `title` is escaped here)."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
            f"<style>\n{STYLE.replace('WIDTH', width)}\n</style></head><body>\n{body.strip()}\n</body></html>\n")


def embedded_image(path: Path, alt: str) -> str:
    """A PNG inlined as a data URI, so the report is one file."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
