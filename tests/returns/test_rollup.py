import threading

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from bridgeops.returns import service
from tests.factories import make_point


def _district(summary, code):
    return next(d for d in summary.districts if d.code == code)


def test_province_totals_keep_confirmed_and_draft_apart_and_leave_withdrawn_out(nam_dinh):
    summary = service.rollup(nam_dinh.conference)
    assert summary.province.confirmed.points == 3
    assert summary.province.confirmed.delegates == nam_dinh.expected_confirmed
    assert summary.province.draft.points == 2
    assert summary.province.draft.delegates == nam_dinh.expected_draft
    assert summary.province.withdrawn_points == 1
    assert summary.province.registered.delegates == nam_dinh.expected_confirmed + nam_dinh.expected_draft
    assert summary.province.confirmed.counts["bch"] == 25 + 11
    assert summary.province.draft.counts["bch"] == 21 + 9


def test_district_rolls_up_its_own_point_and_its_communes(nam_dinh):
    summary = service.rollup(nam_dinh.conference)
    my_loc = _district(summary, "358")
    assert (my_loc.units_total, my_loc.units_registered, my_loc.units_confirmed) == (12, 2, 2)
    assert my_loc.figures.confirmed.delegates == 25 + 6 + 30 + 11 + 2 + 8
    assert my_loc.figures.withdrawn_points == 1
    # Its own point confirmed, nothing in draft, but 10 of its 11 communes unaccounted for.
    assert my_loc.own_status == "confirmed" and not my_loc.complete and my_loc.units_done == 2
    vu_ban = _district(summary, "359")
    assert (vu_ban.units_total, vu_ban.units_registered, vu_ban.units_confirmed) == (19, 2, 0)
    assert vu_ban.figures.draft.delegates == 21 + 5 + 14 + 9 + 4
    assert not vu_ban.complete
    hai_hau = _district(summary, "366")
    assert hai_hau.units_registered == 0 and hai_hau.own_status is None
    province = _district(summary, "36")
    assert province.units_total == 1 and province.figures.confirmed.delegates == 62
    assert len(summary.districts) == 11


def test_levels_add_up_to_the_province(nam_dinh):
    summary = service.rollup(nam_dinh.conference)
    assert summary.levels["province"].confirmed.points == 1
    assert summary.levels["district"].confirmed.points == 1
    assert summary.levels["district"].draft.points == 1
    assert summary.levels["commune"].confirmed.points == 1
    assert summary.levels["commune"].withdrawn_points == 1
    assert (
        sum(f.registered.delegates for f in summary.levels.values()) == summary.province.registered.delegates
    )


def test_point_lines_match_the_points_counts(nam_dinh):
    summary = service.rollup(nam_dinh.conference)
    points = db.session.scalars(sa.select(BridgePoint).where(BridgePoint.status != "withdrawn")).all()
    assert {p.unit_code: p.delegates for p in summary.points} == {
        p.unit_code: p.total_delegates for p in points
    }
    assert summary.points[0].unit_code == "36"  # province first


def test_two_level_tree_rolls_communes_up_to_the_province(two_level):
    summary = service.rollup(two_level)
    assert [d.code for d in summary.districts] == ["91"]
    province = summary.districts[0]
    assert (province.units_total, province.units_registered, province.units_confirmed) == (4, 3, 2)
    assert province.figures.confirmed.delegates == 27 and province.figures.draft.delegates == 5


def test_rollup_runs_a_fixed_number_of_queries_whatever_the_number_of_points(demo):
    statements: list[str] = []
    this_thread = threading.get_ident()

    def count(*_args):
        # Only this test's queries: the suite's live server shares the engine from other threads.
        if threading.get_ident() == this_thread:
            statements.append("x")

    def queries_for_rollup() -> int:
        db.session.expire_all()
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            service.rollup(demo)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_point(demo, "358", status="confirmed", counts={"bch": 3})
    few = queries_for_rollup()
    for code in [
        "13708",
        "13711",
        "13714",
        "13717",
        "13720",
        "13723",
        "13726",
        "13729",
        "359",
        "13741",
        "13744",
        "13747",
        "360",
        "361",
    ]:
        make_point(demo, code, status="confirmed", counts={"bch": 2, "chi_hoi_truong": 1})
    many = queries_for_rollup()
    assert many == few


def test_two_level_tree_has_no_district_level(two_level, nam_dinh):
    assert list(service.rollup(two_level).levels) == ["province", "commune"]
    assert list(service.rollup(nam_dinh.conference).levels) == ["province", "district", "commune"]
