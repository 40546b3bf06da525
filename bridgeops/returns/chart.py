"""Server-rendered SVG bar charts: no JavaScript, no CDN, presentation attributes only (CSP)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from bridgeops.core.time import format_number_vi

CONFIRMED_FILL = "#1e7d32"
DRAFT_FILL = "#f0b429"
TRACK_FILL = "#eceff1"


@dataclass(frozen=True)
class Bar:
    """One labelled bar: confirmed and draft stacked, on a track of ``capacity`` when given."""

    label: str
    confirmed: int
    draft: int
    capacity: int | None = None


def bar_chart(
    title: str, bars: list[Bar], *, unit: str, width: int = 420, label_width: int = 150, row_height: int = 24
) -> Markup:
    """A horizontal bar chart; readable on a phone since labels sit on the left of each bar."""
    top, legend = 8, 22
    height = top + legend + row_height * max(len(bars), 1) + 8
    plot = width - label_width - 56
    scale_max = max([b.confirmed + b.draft for b in bars] + [b.capacity or 0 for b in bars] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{label_width}" y="{top}" width="12" height="12" fill="{CONFIRMED_FILL}"/>',
        f'<text x="{label_width + 16}" y="{top + 11}" fill="#1c2430">Đã xác nhận</text>',
        f'<rect x="{label_width + 120}" y="{top}" width="12" height="12" fill="{DRAFT_FILL}"/>',
        f'<text x="{label_width + 136}" y="{top + 11}" fill="#1c2430">Chưa xác nhận</text>',
        f'<text x="0" y="{top + 11}" fill="#5b6676">{escape(unit.capitalize())}</text>',
    ]
    for index, bar in enumerate(bars):
        y = top + legend + index * row_height
        bar_height = row_height - 8
        confirmed_w = round(plot * bar.confirmed / scale_max, 1)
        draft_w = round(plot * bar.draft / scale_max, 1)
        total = bar.confirmed + bar.draft
        label = escape(bar.label if len(bar.label) <= 21 else bar.label[:20] + "…")
        figure = format_number_vi(total)
        if bar.capacity is not None:
            figure += f"/{format_number_vi(bar.capacity)}"
        tooltip = escape(f"{bar.label}: {bar.confirmed} đã xác nhận, {bar.draft} chưa xác nhận ({unit})")
        parts.append(f"<g><title>{tooltip}</title>")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 4}" text-anchor="end" '
            f'fill="#1c2430">{label}</text>'
        )
        if bar.capacity:
            track_w = round(plot * bar.capacity / scale_max, 1)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{track_w}" '
                f'height="{bar_height}" fill="{TRACK_FILL}"/>'
            )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{confirmed_w}" height="{bar_height}" '
            f'fill="{CONFIRMED_FILL}"/>'
        )
        parts.append(
            f'<rect x="{label_width + confirmed_w}" y="{y}" width="{draft_w}" '
            f'height="{bar_height}" fill="{DRAFT_FILL}"/>'
        )
        end = label_width + max(confirmed_w + draft_w, round(plot * (bar.capacity or 0) / scale_max, 1))
        parts.append(
            f'<text x="{end + 6}" y="{y + bar_height - 4}" fill="#1c2430">{escape(figure)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
