"""QR codes of links, as inline SVG (segno; no hand-made encoder)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, scale: int = 4) -> Markup:
    """An inline <svg> of the QR code of ``url`` that a phone camera opens."""
    svg = segno.make(url, error="m").svg_inline(
        scale=scale, dark="#000", light="#fff", title="Mã QR của đường dẫn"
    )
    return Markup(svg)
