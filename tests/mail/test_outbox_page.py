"""The outbox page: one conference's mail or all of it, by state, to an address, a page at a time."""

from __future__ import annotations

import re

from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.mail import views


def _queue(conference_id: int | None, n: int, prefix: str) -> None:
    for i in range(n):
        mail.enqueue(
            kind="alert",
            recipient=f"{prefix}{i}@diemcau.vn",
            subject=f"Cảnh báo {prefix} số {i}",
            text="Điểm cầu mất kết nối.",
            dedupe_key=f"{prefix}:{i}",
            conference_id=conference_id,
        )
    db.session.commit()


def _subjects(page: str) -> set[str]:
    return set(re.findall(r"Cảnh báo (\w+) số \d+", page))


def test_the_outbox_shows_one_conference_or_all(client, officer, demo):
    other = Conference(slug="hanoi-2027", title="Hội nghị Hà Nội 2027")
    db.session.add(other)
    db.session.commit()
    _queue(demo.id, 3, "namdinh")
    _queue(other.id, 2, "hanoi")
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})

    everything = client.get("/outbox").get_data(as_text=True)
    assert _subjects(everything) == {"namdinh", "hanoi"}
    assert "Hội nghị Hà Nội 2027" in everything and demo.title in everything  # whose mail it is

    mine = client.get(f"/outbox?conference={demo.slug}").get_data(as_text=True)
    assert _subjects(mine) == {"namdinh"}
    assert re.search(r'<div class="value">3</div>\s*<div class="label">Đang chờ gửi', mine)

    theirs = client.get("/outbox?conference=hanoi-2027&status=pending").get_data(as_text=True)
    assert _subjects(theirs) == {"hanoi"}
    # An unknown conference or state is no filter, not an error.
    assert _subjects(client.get("/outbox?conference=khong-co&status=la").get_data(as_text=True)) == {
        "namdinh",
        "hanoi",
    }


def test_the_outbox_finds_an_address_and_pages(client, officer, demo, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    _queue(demo.id, 5, "namdinh")
    _queue(demo.id, 1, "ha_noi")  # the "_" is a letter here, not a LIKE wildcard
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})

    found = client.get("/outbox?to=HA_NOI0").get_data(as_text=True)
    assert "ha_noi0@diemcau.vn" in found and _subjects(found) == {"ha_noi"}
    assert "Chưa có thư nào khớp bộ lọc" in client.get("/outbox?to=hanoi").get_data(as_text=True)

    first = client.get(f"/outbox?conference={demo.slug}").get_data(as_text=True)
    assert "Trang 1/3" in first and "6 thư" in first
    last = client.get(f"/outbox?conference={demo.slug}&page=99").get_data(as_text=True)
    assert "Trang 3/3" in last and "namdinh0@diemcau.vn" in last  # oldest last
    assert f"conference={demo.slug}" in re.search(r'rel="prev" href="([^"]+)"', last)[1]
