"""Every page a chair, a technician and an officer can reach reads in Vietnamese and people's
names: no English words, raw identifiers ("chair:358", "technician:2", "admin:a@b"), enum values
("draft", "confirmed"), JSON, null or environment variable names. The test crawls the links each
of them can follow from their first page, with data in every state."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from bridgeops.accounts.access import Principal
from bridgeops.conference import service as conferences
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.health import service as health
from bridgeops.health.schemas import RehearsalSignoffIn
from bridgeops.registration import chairs, service
from bridgeops.registration.schemas import PointIn
from bridgeops.returns import service as returns
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, commune_of

#: Words that only appear when developer text leaks (checked on the visible text, whole words).
LEAKS = re.compile(
    r"\b(the|and|or|of|is|not|null|None|True|False|undefined|draft|confirmed|withdrawn|pending|"
    r"unknown|unreachable|rehearsal|session|technician|chair|officer|admin|problem|error|Error|"
    r"Method|Not Found|Forbidden|Internal|Submit|Save|Cancel|Delete|Back|Next|Loading)\b"
    r"|\b(?:chair|technician|officer|admin|cli):\S"
    r"|BRIDGEOPS_|Asia/Ho_Chi_Minh|\{\"|\[\{|&#34;"
)
#: Pages that are files or actions, not pages people read.
SKIP = re.compile(
    r"^/(api/|static/|calendar/|downloads/|logout|c/leave)|\.(ics|eml|csv|xlsx|json)$"
    r"|/file\.|format="
)
MAX_PAGES = 90


def _visible_text(page: str) -> str:
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    return html.unescape((title.group(1) if title else "") + " " + body)


def _links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'<a [^>]*href="([^"#]+)', page):
        url = urlsplit(urljoin(base, html.unescape(href)))
        if url.netloc not in ("", "localhost") or url.scheme not in ("", "http"):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if not SKIP.search(path):
            found.append(path)
    return found


def _crawl(client, seeds: list[str], at_least: int) -> dict[str, list[str]]:
    """Visit every page reachable from the seeds; the leaks found on each."""
    queue, seen, leaks = list(seeds), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        # One page per route and filter: /points/7 and /points/8 read the same.
        shape = re.sub(r"\d+", "N", path)
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(path, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        assert response.status_code < 500, path
        page = response.get_data(as_text=True)
        found = sorted({m.group(0) for m in LEAKS.finditer(_visible_text(page))})
        if found:
            leaks[path] = found
        queue.extend(_links(page, f"http://localhost{path}"))
    assert len(seen) >= at_least, sorted(seen)  # the crawl really went round the pages
    return leaks


@pytest.fixture
def lived_in(demo, officer):
    """A conference with something in every state: confirmed, draft and withdrawn points, a
    commune taking no part, a chair's contact, a moved session, a sign-off and a snapshot."""
    demo.registration_closes_at = datetime.now(UTC) + timedelta(days=3)
    demo.contact_phone = "0228 3849 123"
    principal = Principal(kind="officer", user=officer)
    points = []
    for code, confirm in ((MY_LOC, True), (commune_of(MY_LOC, 1), False), (commune_of(MY_LOC, 2), False)):
        data = validate(
            PointIn,
            {
                "unit": code,
                "venue": "Hội trường",
                "capacity": 90,
                "counts": {"bch": 9},
                "probe": {"target": "sip://10.1.2.3"},
                "technicians": [
                    {"name": "Nguyễn Thị Hòa", "phone": "0912345678", "email": f"hoa{code}@example.vn"},
                    {"name": "Vũ Văn Nam", "phone": "0987000111"},
                ],
            },
        )
        point = service.create_point(demo, data, principal).point
        if confirm:
            service.confirm_point(point, principal)
        points.append(point)
    service.withdraw_point(points[2], principal)
    chairs.mark_absent(demo, commune_of(MY_LOC, 3), principal)
    chairs.save_chair_contact(demo, MY_LOC, {"name": "Lê Thị Hoa", "phone": "0903111222"}, principal.actor)
    session = demo.sessions[0]
    conferences.update_session(
        session, starts_at=session.starts_at + timedelta(minutes=30), actor=principal.actor
    )
    health.record_signoff(
        points[0],
        validate(
            RehearsalSignoffIn,
            {"audio": "ok", "video": "problem", "presentation": "ok", "note": "Hình bị giật"},
        ),
        "technician:" + str(points[0].id),
        datetime.now(UTC),
    )
    returns.freeze(demo, principal.actor)
    db.session.commit()
    return points


def test_no_page_shows_english_raw_ids_or_enum_values(app, client, demo, officer, lived_in, magic_link):
    app.config["BASE_URL"] = "http://localhost"
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    leaks = _crawl(
        client,
        ["/", f"/points/{lived_in[0].id}/history", f"/points/{lived_in[2].id}", "/outbox"],
        at_least=20,
    )
    client.post("/logout")

    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    leaks |= _crawl(chair, ["/conferences/namdinh-2022/registration"], at_least=8)

    technician = app.test_client()
    token = magic_link("technician", point_id=lived_in[0].id).rsplit("/", 1)[-1]
    leaks |= _crawl(
        technician, [f"/t/{token}", f"/t/{token}/keep-alive", f"/t/{token}/rehearsal"], at_least=3
    )
    assert leaks == {}
