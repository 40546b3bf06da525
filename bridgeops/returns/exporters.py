"""Builders of the return's files: pure functions from the v1 document to bytes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter

from bridgeops.core.time import format_datetime_vi, local
from bridgeops.returns import table

#: A text cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TITLE = "BÁO CÁO SỐ LƯỢNG ĐIỂM CẦU VÀ ĐẠI BIỂU DỰ HỘI NGHỊ"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def guard(value: Any) -> Any:
    """Defuse formula injection: a text cell that Excel would evaluate gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def as_of_line(as_of: datetime, timezone: str) -> str:
    return f"Số liệu tính đến {format_datetime_vi(as_of, timezone)}"


def dated_place(place: str, as_of: datetime, timezone: str) -> str:
    """'Nam Định, ngày 20 tháng 4 năm 2022', as the administrative layout writes it."""
    day = local(as_of, timezone)
    return f"{place}, ngày {day.day} tháng {day.month} năm {day.year}"


def csv_bytes(document: dict[str, Any]) -> bytes:
    """UTF-8 with BOM, comma-separated, CRLF: Excel opens it directly with Vietnamese intact."""
    return table_csv_bytes(table.headers(document), [row.values() for row in table.rows(document)])


def table_csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """Any report table as the CSV people open in Excel (BOM, CRLF, formula guard)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard(h) for h in headers])
    for values in rows:
        writer.writerow([guard(v) for v in values])
    return "\ufeff".encode() + buffer.getvalue().encode()


@dataclass(frozen=True)
class Sheet:
    """An official report sheet: who issues it, its title, its table (rows as (kind, values),
    kind point | subtotal | total) and its column widths."""

    host_name: str
    place: str
    timezone: str
    title: str
    subtitle: str
    headers: list[str]
    rows: list[tuple[str, list[Any]]]
    widths: list[int]

    @classmethod
    def of_document(
        cls,
        document: dict[str, Any],
        title: str,
        subtitle: str,
        headers: list[str],
        rows: list[tuple[str, list[Any]]],
        widths: list[int],
    ) -> Sheet:
        """A report document's sheet, issued by its conference's host at its place and timezone."""
        conference = document["conference"]
        return cls(
            host_name=conference["host_name"],
            place=conference["place"],
            timezone=conference["timezone"],
            title=title,
            subtitle=subtitle,
            headers=headers,
            rows=rows,
            widths=widths,
        )


def file_stamp(document: dict[str, Any], as_of: datetime) -> str:
    """The local time of a report document's data as its file names carry it: yyyymmdd-hhmm."""
    return local(as_of, document["conference"]["timezone"]).strftime("%Y%m%d-%H%M")


#: Column widths (characters): STT, code, unit, level, venue, status, points; then numbers.
_WIDTHS = [5, 9, 28, 7, 28, 22, 9]
_NUMBER_WIDTH = 14
HEADER_ROW = 6


def xlsx_bytes(document: dict[str, Any], as_of: datetime) -> bytes:
    """The return as a workbook: official header block, frozen header row, number cells,
    subtotals per district and grand totals as numbers, A4 landscape print setup."""
    conference = document["conference"]
    return sheet_xlsx_bytes(
        Sheet(
            host_name=conference["host_name"],
            place=conference["place"],
            timezone=conference["timezone"],
            title=TITLE,
            subtitle=conference["title"],
            headers=table.headers(document),
            rows=[(row.kind, row.values()) for row in table.rows(document)],
            widths=_WIDTHS,
        ),
        as_of,
    )


def sheet_xlsx_bytes(sheet_spec: Sheet, as_of: datetime) -> bytes:
    """Any official report sheet as a workbook (the layout of the headcount return)."""
    headers = sheet_spec.headers
    last_col = len(headers) - 1
    output = io.BytesIO()
    # constant_memory streams each finished row to a temporary file: a national return (12,000
    # rows) then costs no extra worker memory and writes faster. Rows must go in order, as here.
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties(
        {"title": sheet_spec.title, "author": sheet_spec.host_name, "created": as_of.replace(tzinfo=None)}
    )
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
    org = workbook.add_format({**base, "bold": True, "align": "center"})
    nation = workbook.add_format({**base, "bold": True, "align": "center"})
    motto = workbook.add_format({**base, "bold": True, "underline": 1, "align": "center"})
    title = workbook.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
    subtitle = workbook.add_format({**base, "italic": True, "align": "center", "text_wrap": True})
    head = workbook.add_format(
        {**base, "bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#EDEDED"}
    )
    text = workbook.add_format({**base, "border": 1, "text_wrap": True})
    number = workbook.add_format({**base, "border": 1, "num_format": "#,##0"})
    sub_text = workbook.add_format(
        {**base, "border": 1, "bold": True, "text_wrap": True, "bg_color": "#F7F7F7"}
    )
    sub_number = workbook.add_format(
        {**base, "border": 1, "bold": True, "num_format": "#,##0", "bg_color": "#F7F7F7"}
    )
    total_text = workbook.add_format({**base, "border": 1, "bold": True, "bg_color": "#DDEBF7"})
    total_number = workbook.add_format(
        {**base, "border": 1, "bold": True, "num_format": "#,##0", "bg_color": "#DDEBF7"}
    )
    plain = workbook.add_format({**base})
    italic = workbook.add_format({**base, "italic": True, "align": "center"})
    bold_center = workbook.add_format({**base, "bold": True, "align": "center"})

    sheet = workbook.add_worksheet("Báo cáo")
    split = max(3, last_col // 2)
    sheet.merge_range(0, 0, 0, split - 1, sheet_spec.host_name.upper(), org)
    sheet.merge_range(0, split, 0, last_col, NATION, nation)
    sheet.merge_range(1, split, 1, last_col, MOTTO, motto)
    sheet.merge_range(
        2, split, 2, last_col, dated_place(sheet_spec.place, as_of, sheet_spec.timezone), italic
    )
    sheet.merge_range(3, 0, 3, last_col, sheet_spec.title, title)
    sheet.merge_range(4, 0, 4, last_col, sheet_spec.subtitle, subtitle)
    sheet.set_row(4, 32)
    sheet.merge_range(5, 0, 5, last_col, as_of_line(as_of, sheet_spec.timezone), italic)

    sheet.set_row(HEADER_ROW, 64)
    for col, label in enumerate(headers):
        sheet.write_string(HEADER_ROW, col, label, head)
    for col, width in enumerate(sheet_spec.widths):
        sheet.set_column(col, col, width)
    sheet.set_column(len(sheet_spec.widths), last_col, _NUMBER_WIDTH)

    row_index = HEADER_ROW
    for kind, values in sheet_spec.rows:
        row_index += 1
        text_format, number_format = {
            "point": (text, number),
            "subtotal": (sub_text, sub_number),
            "total": (total_text, total_number),
        }[kind]
        for col, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row_index, col, value, number_format)
            elif col == 0 and value.isdigit():  # STT: a number, so Excel flags nothing
                sheet.write_number(row_index, col, int(value), text_format)
            elif value == "" or value is None:
                sheet.write_blank(row_index, col, None, text_format)
            else:
                sheet.write_string(row_index, col, value, text_format)

    place_row = row_index + 1
    sheet.write_string(
        place_row + 1, 0, "Nơi nhận:", workbook.add_format({**base, "bold": True, "italic": True})
    )
    sheet.write_string(place_row + 2, 0, "- Ban Tổ chức Trung ương;", plain)
    sheet.write_string(place_row + 3, 0, "- Lưu: VP.", plain)
    sheet.merge_range(place_row + 1, split, place_row + 1, last_col, "TM. BAN THƯỜNG VỤ", bold_center)
    sheet.merge_range(place_row + 2, split, place_row + 2, last_col, "(Ký, ghi rõ họ tên, đóng dấu)", italic)

    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer("&CTrang &P/&N")
    sheet.print_area(0, 0, place_row + 6, last_col)
    workbook.close()
    return output.getvalue()
