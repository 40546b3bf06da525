"""Builders of the return's files: pure functions from the v1 document to bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
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
class Signature:
    """The foot of an official sheet: whom it goes to ("Nơi nhận") and who signs for whom."""

    addressee: str = "Ban Tổ chức Trung ương"
    signer_for: str = "TM. BAN THƯỜNG VỤ"
    signer_title: str = ""
    signer_name: str = ""

    @classmethod
    def of_conference(cls, conference: Any) -> Signature:
        """The conference's own return fields (conference.models.RETURN_FIELDS)."""
        return cls(
            addressee=conference.return_addressee,
            signer_for=conference.return_signer_for or cls.signer_for,
            signer_title=conference.return_signer_title,
            signer_name=conference.return_signer_name,
        )


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
    #: Rows as (kind, values): a list, or an iterator read once by the XLSX builder.
    rows: Iterable[tuple[str, list[Any]]]
    widths: list[int]
    signature: Signature = Signature()

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


def xlsx_bytes(document: dict[str, Any], as_of: datetime, signature: Signature | None = None) -> bytes:
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
            rows=((row.kind, row.values()) for row in table.rows(document)),
            widths=_WIDTHS,
            signature=signature or Signature(),
        ),
        as_of,
    )


def sheet_xlsx_bytes(sheet_spec: Sheet, as_of: datetime) -> bytes:
    """Any official report sheet as a workbook (the layout of the headcount return)."""
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
    formats = _formats(workbook)
    sheet = workbook.add_worksheet("Báo cáo")
    _write_heading(sheet, sheet_spec, as_of, formats)
    last_row = _write_table(sheet, sheet_spec.rows, formats)
    _write_signature(sheet, sheet_spec, last_row + 1, formats)
    workbook.close()
    return output.getvalue()


def _formats(workbook: xlsxwriter.Workbook) -> dict[str, Any]:
    """Every cell format of the sheet, made once per workbook."""
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
    shaded = {"point": {}, "subtotal": {"bold": True, "bg_color": "#F7F7F7"}}
    shaded["total"] = {"bold": True, "bg_color": "#DDEBF7"}
    specs: dict[str, dict[str, Any]] = {
        "org": {"bold": True, "align": "center"},
        "nation": {"bold": True, "align": "center"},
        "motto": {"bold": True, "underline": 1, "align": "center"},
        "title": {"bold": True, "font_size": 14, "align": "center"},
        "subtitle": {"italic": True, "align": "center", "text_wrap": True},
        "head": {"bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#EDEDED"},
        "plain": {},
        "italic": {"italic": True, "align": "center"},
        "bold_center": {"bold": True, "align": "center"},
        "recipients": {"bold": True, "italic": True},
    }
    for kind, extra in shaded.items():
        # A total row's text does not wrap (its labels are short and bold).
        specs[f"{kind}_text"] = {"border": 1, **({"text_wrap": True} if kind != "total" else {}), **extra}
        specs[f"{kind}_number"] = {"border": 1, "num_format": "#,##0", **extra}
    return {name: workbook.add_format({**base, **spec}) for name, spec in specs.items()}


def _split_column(last_col: int) -> int:
    """Where the right-hand block (nation, motto, signature) starts."""
    return max(3, last_col // 2)


def _write_heading(sheet, spec: Sheet, as_of: datetime, formats: dict[str, Any]) -> None:
    """The administrative header block, the title lines, the column headers and widths."""
    last_col = len(spec.headers) - 1
    split = _split_column(last_col)
    sheet.merge_range(0, 0, 0, split - 1, spec.host_name.upper(), formats["org"])
    sheet.merge_range(0, split, 0, last_col, NATION, formats["nation"])
    sheet.merge_range(1, split, 1, last_col, MOTTO, formats["motto"])
    sheet.merge_range(2, split, 2, last_col, dated_place(spec.place, as_of, spec.timezone), formats["italic"])
    sheet.merge_range(3, 0, 3, last_col, spec.title, formats["title"])
    sheet.merge_range(4, 0, 4, last_col, spec.subtitle, formats["subtitle"])
    sheet.set_row(4, 32)
    sheet.merge_range(5, 0, 5, last_col, as_of_line(as_of, spec.timezone), formats["italic"])
    sheet.set_row(HEADER_ROW, 64)
    for col, label in enumerate(spec.headers):
        sheet.write_string(HEADER_ROW, col, label, formats["head"])
    for col, width in enumerate(spec.widths):
        sheet.set_column(col, col, width)
    sheet.set_column(len(spec.widths), last_col, _NUMBER_WIDTH)


def _write_table(sheet, rows: Iterable[tuple[str, list[Any]]], formats: dict[str, Any]) -> int:
    """The table's rows under the header row, numbers as numbers; the last row written."""
    write_number, write_string, write_blank = sheet.write_number, sheet.write_string, sheet.write_blank
    styles = {
        kind: (formats[f"{kind}_text"], formats[f"{kind}_number"]) for kind in ("point", "subtotal", "total")
    }
    row_index = HEADER_ROW
    for kind, values in rows:
        row_index += 1
        text_format, number_format = styles[kind]
        for col, value in enumerate(values):
            if value.__class__ is int or value.__class__ is float:
                write_number(row_index, col, value, number_format)
            elif value == "" or value is None:
                write_blank(row_index, col, None, text_format)
            elif col == 0 and value.isdigit():  # STT: a number, so Excel flags nothing
                write_number(row_index, col, int(value), text_format)
            else:
                write_string(row_index, col, value, text_format)
    return row_index


def _write_signature(sheet, spec: Sheet, place_row: int, formats: dict[str, Any]) -> None:
    """Recipients, the signature block and the print setup (A4 landscape, one page wide)."""
    last_col = len(spec.headers) - 1
    split = _split_column(last_col)
    signature = spec.signature
    # Left: the recipients; right: the signer's block, with room for the signature and seal
    # before her name. Written row by row: in constant_memory mode a row is final once a later
    # one is written.
    left = [("Nơi nhận:", "recipients"), (f"- {signature.addressee};", "plain"), ("- Lưu: VP.", "plain")]
    right = [(signature.signer_for.upper(), "bold_center")]
    if signature.signer_title:
        right.append((signature.signer_title.upper(), "bold_center"))
    right.append(("(Ký, ghi rõ họ tên, đóng dấu)", "italic"))
    if signature.signer_name:
        right += [("", "")] * 3 + [(signature.signer_name, "bold_center")]
    for offset in range(max(len(left), len(right))):
        row = place_row + 1 + offset
        if offset < len(left):
            sheet.write_string(row, 0, left[offset][0], formats[left[offset][1]])
        if offset < len(right) and right[offset][0]:
            text, style = right[offset]
            sheet.merge_range(row, split, row, last_col, text, formats[style])
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer("&CTrang &P/&N")
    sheet.print_area(0, 0, max(place_row + 6, place_row + len(right) + 1), last_col)
