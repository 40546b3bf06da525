"""Templates hold nothing our Content-Security-Policy would block in the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: What CSP "script-src 'self'; style-src 'self'" refuses: inline code, inline styles, handlers.
BLOCKED = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline <style>": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "external asset (no CDN)": re.compile(
        r"<(?:script|img|link)\b[^>]*(?:src|href)=[\"']https?://", re.IGNORECASE
    ),
}


def _pages() -> list[Path]:
    """Every page template; e-mail bodies (a "mail" in the path) are not served under our CSP
    and may need inline styles for mail clients."""
    return [p for p in sorted(TEMPLATES.rglob("*.html")) if "mail" not in str(p.relative_to(TEMPLATES))]


@pytest.mark.parametrize("template", _pages(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_nothing_the_csp_would_block(template: Path):
    text = template.read_text(encoding="utf-8")
    found = [name for name, pattern in BLOCKED.items() if pattern.search(text)]
    assert not found, f"{template.name}: {found}; move it to bridgeops/static/ (css or js)"
