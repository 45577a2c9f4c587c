"""The Jinja2 environment of the web app's pages; autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

import jinja2

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
    autoescape=True,
)
