"""The bridge tree as a picture: province → one row per district → its communes as dots,
coloured by state. A pure builder returning SVG text (fill attributes, no inline style, so
the page's CSP holds)."""

from __future__ import annotations

from html import escape

from bridgeops.health.board import Board, areas_to_show
from bridgeops.health.models import STATE_LABELS, STATES

COLOURS = {
    "up": "#1e7d32",
    "pending": "#e09100",
    "down": "#c62828",
    "unreachable": "#8e24aa",
    "unknown": "#a3adb8",
}
WIDTH = 720
ROW = 26
LABEL_X = 62
DOTS_X = 250
DOT_STEP = 16


def _short(text: str, length: int = 26) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _node(x: float, y: float, r: float, state: str | None, title: str) -> str:
    state = state or "unknown"
    label = STATE_LABELS.get(state, state)
    return (
        f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{COLOURS[state]}" '
        f'data-state="{state}"><title>{escape(title)}: {label}</title></circle>'
    )


def build_tree_svg(board: Board) -> str:
    """One row (or several, when it has many points below it) per area: a district, or a
    province on a national board, which has no single root."""
    per_line = max(1, (WIDTH - DOTS_X - 10) // DOT_STEP)
    communes: dict[str | None, list[tuple[str, str]]] = {}
    province: tuple[str, str] | None = None
    for area_code, level, state, name in board.dots or []:
        if level == "province" and board.area_level != "province":
            province = (state, name)
        elif level != board.area_level:
            communes.setdefault(area_code, []).append((state, name))
    parts: list[str] = []
    y: float = 18
    if province is not None:
        parts.append(_node(20, y, 9, province[0], province[1]))
        parts.append(
            f'<text x="36" y="{y + 5}" font-size="14" font-weight="700">'
            f"{escape(_short(province[1], 60))}</text>"
        )
        y += ROW
    top = y
    shown, hidden = areas_to_show(board)
    shown = sorted(shown, key=lambda d: d.name)  # a tree reads in a fixed order
    for district in shown:
        lines = 1
        parts.append(f'<line x1="20" y1="{y}" x2="44" y2="{y}" stroke="#c3cad3"/>')
        parts.append(_node(48, y, 7, district.own_state, district.name))
        parts.append(
            f'<text x="{LABEL_X}" y="{y + 4}" font-size="12">'
            f"{escape(_short(district.name))} "
            f"({district.tally.online}/{district.tally.total})</text>"
        )
        if board.dots is not None:
            dots = communes.get(district.code, [])
            for index, (state, name) in enumerate(dots):
                row, col = divmod(index, per_line)
                parts.append(_node(DOTS_X + col * DOT_STEP, y + row * ROW * 0.7, 5, state, name))
            lines = max(1, -(-len(dots) // per_line))
        else:
            x: float = DOTS_X
            span = WIDTH - DOTS_X - 10
            for state in STATES:
                count = district.tally.counts.get(state, 0)
                if count:
                    w = span * count / max(1, district.tally.total)
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y - 6}" width="{w:.1f}" height="12" '
                        f'fill="{COLOURS[state]}"><title>{STATE_LABELS[state]}: '
                        f"{count}</title></rect>"
                    )
                    x += w
        y += ROW + (lines - 1) * ROW * 0.7
    if hidden:
        online = sum(d.tally.online for d in hidden)
        total = sum(d.tally.total for d in hidden)
        parts.append(
            f'<text x="{LABEL_X}" y="{y + 4}" font-size="12" fill="#5b6676">'
            f"và {len(hidden)} đơn vị khác ({online}/{total} trực tuyến)</text>"
        )
        y += ROW
    if province is not None and board.districts:
        parts.insert(2, f'<line x1="20" y1="{top - ROW + 9}" x2="20" y2="{y - ROW}" stroke="#c3cad3"/>')
    height = int(y)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="Sơ đồ điểm cầu theo trạng thái" '
        f'font-family="system-ui, sans-serif">' + "".join(parts) + "</svg>"
    )
