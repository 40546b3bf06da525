"""Every format of the return agrees with the others and with the points' counts."""

import csv
import io
import json
import re

import openpyxl
import pytest

from bridgeops.returns import exporters, service, table
from bridgeops.returns.schemas import ReturnOut
from tests.conftest import bearer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODES = ["bch_tinh", "chuyen_trach_tinh", "chu_tich_truc_thuoc", "bch", "chuyen_trach", "chi_hoi_truong"]
FIRST_COUNT_COLUMN = len(table.FIXED_HEADERS)  # 0-based index of the first category column


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


def _grand_total(rows: list[list]) -> list:
    return next(r for r in rows if r[2] == "TỔNG CỘNG")


def test_csv_opens_in_excel_with_bom_crlf_and_vietnamese_intact(nam_dinh):
    export = service.export(nam_dinh.conference, "csv")
    assert export.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in export.content and b"\n" not in export.content.replace(b"\r\n", b"")
    rows = _csv_rows(export.content)
    assert rows[0][:3] == ["STT", "Mã đơn vị", "Đơn vị"]
    assert "Ủy viên BCH Hội LHPN tỉnh khóa XVII" in rows[0]
    assert any(r[2] == "Huyện Mỹ Lộc" for r in rows)
    assert int(_grand_total(rows)[-1]) == nam_dinh.expected_confirmed + nam_dinh.expected_draft


def test_csv_guards_every_text_cell_that_looks_like_a_formula(nam_dinh):
    rows = _csv_rows(service.export(nam_dinh.conference, "csv").content)
    venues = [r[4] for r in rows]
    assert "'=cmd()|' /C calc'!A0" in venues
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert [exporters.guard(v) for v in ["=1+1", "+84", "-2", "@SUM(A1)", "\tx", "\rx", "ok", 5]] == [
        "'=1+1",
        "'+84",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        5,
    ]


def test_xlsx_has_number_cells_vietnamese_text_and_subtotals_that_add_up(nam_dinh):
    export = service.export(nam_dinh.conference, "xlsx")
    assert export.mimetype == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value == "HỘI LHPN TỈNH NAM ĐỊNH"
    values = [c.value for row in sheet.iter_rows(max_row=3) for c in row]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in values and "Độc lập - Tự do - Hạnh phúc" in values
    header_row = exporters.HEADER_ROW + 1
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.column_dimensions["C"].width > 20

    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
    rows = [r for r in rows if r[2]]
    data = [r for r in rows if r[0]]  # point rows carry an STT
    first, last = FIRST_COUNT_COLUMN, len(table.FIXED_HEADERS) + len(CODES)
    for row in data:
        assert all(isinstance(v, int) for v in row[first - 1 : last + 1])
        assert sum(row[first:last]) == row[last]
    subtotals = {r[1]: r for r in rows if str(r[2]).startswith("Cộng ")}
    my_loc_points = [r for r in data if r[1] in ("358", "13708")]
    assert subtotals["358"][last] == sum(r[last] for r in my_loc_points) == 82
    assert subtotals["358"][first - 1] == 2
    assert sum(s[last] for s in subtotals.values()) == _grand_total(rows)[last]
    confirmed = next(r for r in rows if r[2] == "Tổng cộng đã xác nhận")
    draft = next(r for r in rows if r[2] == "Tổng cộng chưa xác nhận")
    assert confirmed[last] == nam_dinh.expected_confirmed
    assert draft[last] == nam_dinh.expected_draft
    assert confirmed[last] + draft[last] == _grand_total(rows)[last]
    assert "=cmd()|' /C calc'!A0" in [r[4] for r in data]  # kept as text, never a formula
    assert any("Nam Định, ngày" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_json_has_a_versioned_schema_and_matches_the_points(nam_dinh):
    export = service.export(nam_dinh.conference, "json")
    document = json.loads(export.content)
    assert document["schema"] == "bridgeops.return/v1"
    assert document["totals"]["confirmed"]["delegates"] == nam_dinh.expected_confirmed
    assert document["totals"]["draft"]["delegates"] == nam_dinh.expected_draft
    assert document["totals"]["withdrawn_points"] == 1
    assert (
        sum(p["delegates"] for p in document["points"] if p["status"] == "confirmed")
        == nam_dinh.expected_confirmed
    )
    assert {"13711"}.isdisjoint(p["unit_code"] for p in document["points"])
    assert [c["code"] for c in document["categories"]] == CODES


def test_every_format_and_the_api_give_the_same_totals(client, nam_dinh, officer_token):
    conference = nam_dinh.conference
    expected_total = nam_dinh.expected_confirmed + nam_dinh.expected_draft
    api = client.get("/api/v1/conferences/namdinh-2022/return", headers=bearer(officer_token))
    assert api.status_code == 200
    body = api.get_json()
    assert body["schema"] == "bridgeops.return/v1" and "generated_at" in body
    ReturnOut.model_validate(body)  # the answer matches its published schema
    per_category = {c: body["totals"]["registered"]["counts"][c] for c in CODES}

    csv_rows = _csv_rows(
        client.get("/api/v1/conferences/namdinh-2022/return?format=csv", headers=bearer(officer_token)).data
    )
    csv_total = _grand_total(csv_rows)
    xlsx = client.get("/api/v1/conferences/namdinh-2022/return?format=xlsx", headers=bearer(officer_token))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    xlsx_total = _grand_total([[c.value for c in r] for r in sheet.iter_rows()])
    first = FIRST_COUNT_COLUMN
    for index, code in enumerate(CODES):
        assert int(csv_total[first + index]) == xlsx_total[first + index] == per_category[code]
    assert int(csv_total[-1]) == xlsx_total[-1] == body["totals"]["registered"]["delegates"] == expected_total

    client.post("/login", data={"email": "officer@hoiphunu.test", "password": "mat-khau-123"})
    page = client.get(f"/conferences/{conference.slug}/return/print").get_data(as_text=True)
    grand_total_row = page.split("TỔNG CỘNG</td>")[1].split("</tr>")[0]
    numbers = re.findall(r'<td class="num">([\d.]+)</td>', grand_total_row)
    printed = [int(n.replace(".", "")) for n in numbers]
    assert printed[-1] == expected_total
    assert printed[-1 - len(CODES) : -1] == [per_category[c] for c in CODES]


@pytest.mark.parametrize("fmt,mimetype", [("csv", "text/csv"), ("xlsx", XLSX)])
def test_api_file_downloads_carry_a_content_disposition(client, nam_dinh, officer_token, fmt, mimetype):
    response = client.get(
        f"/api/v1/conferences/namdinh-2022/return?format={fmt}", headers=bearer(officer_token)
    )
    assert response.status_code == 200 and response.mimetype == mimetype
    assert re.fullmatch(
        rf'attachment; filename="bao-cao-namdinh-2022-\d{{8}}-\d{{4}}\.{fmt}"',
        response.headers["Content-Disposition"],
    )


def test_unknown_format_is_a_vietnamese_422(client, nam_dinh, officer_token):
    response = client.get("/api/v1/conferences/namdinh-2022/return?format=pdf", headers=bearer(officer_token))
    assert response.status_code == 422 and "format" in response.get_json()["errors"]


def test_printed_page_has_the_official_layout_and_a4_print_css(client, nam_dinh, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    response = client.get("/conferences/namdinh-2022/return/print")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in [
        "HỘI LHPN TỈNH NAM ĐỊNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO SỐ LƯỢNG ĐIỂM CẦU",
        "Nam Định, ngày",
        "tháng",
        "năm",
        "TM. BAN THƯỜNG VỤ",
        "Nơi nhận:",
        "Huyện Mỹ Lộc",
    ]:
        assert text in page
    assert "<script>" not in page and "css/returns-print.css" in page
    with client.get("/static/css/returns-print.css") as stylesheet:
        css = stylesheet.get_data(as_text=True)
    assert "size: A4 landscape" in css and "@media print" in css


def test_cli_export_writes_each_format(runner, nam_dinh, tmp_path):
    for fmt in ("csv", "xlsx", "json"):
        target = tmp_path / f"return.{fmt}"
        result = runner.invoke(
            args=["return", "export", "--conference", "namdinh-2022", "--format", fmt, "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 100
    document = json.loads((tmp_path / "return.json").read_text(encoding="utf-8"))
    assert document["totals"]["confirmed"]["delegates"] == nam_dinh.expected_confirmed
    assert (tmp_path / "return.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    missing = runner.invoke(
        args=[
            "return",
            "export",
            "--conference",
            "khong-co",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "x.csv"),
        ]
    )
    assert missing.exit_code != 0 and "khong-co" in missing.output
