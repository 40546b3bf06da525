"""RFC 5545 wire rules, checked on the bytes a client receives."""

from __future__ import annotations

import re


def physical_lines(ics: bytes) -> list[bytes]:
    assert ics.endswith(b"\r\n"), "the last line must end with CRLF"
    assert ics.count(b"\n") == ics.count(b"\r\n"), "every line must end with CRLF, never a bare LF"
    assert b"\r" not in ics.replace(b"\r\n", b""), "no bare CR"
    return ics[:-2].split(b"\r\n")


def unfolded(ics: bytes) -> list[str]:
    lines: list[bytes] = []
    for line in physical_lines(ics):
        if line.startswith((b" ", b"\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return [line.decode("utf-8") for line in lines]


def assert_wire_rules(ics: bytes, *, itip: bool) -> list[str]:
    """CRLF, ≤75 octets per line, folds never split a UTF-8 character, every TZID has its
    VTIMEZONE, no floating times; an iTIP message has exactly one UID. Returns unfolded lines."""
    for line in physical_lines(ics):
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
        line.decode("utf-8")  # a fold inside a multi-byte character would fail here
    lines = unfolded(ics)
    tzids = {m.group(1) for line in lines for m in re.finditer(r";TZID=([^;:]+)", line)}
    defined = {line.split(":", 1)[1] for line in lines if line.startswith("TZID:")}
    assert tzids <= defined, f"TZID without VTIMEZONE: {tzids - defined}"
    for line in lines:
        if line.startswith(("DTSTART", "DTEND")) and not _in_vtimezone(lines, line):
            assert ";TZID=" in line or line.endswith("Z"), f"floating time: {line}"
    if itip:
        uids = [line for line in lines if line.startswith("UID:")]
        assert len(uids) == 1, uids
    return lines


def _in_vtimezone(lines: list[str], target: str) -> bool:
    inside = False
    for line in lines:
        if line == "BEGIN:VTIMEZONE":
            inside = True
        elif line == "END:VTIMEZONE":
            inside = False
        elif line == target:
            return inside
    return False
