"""The one place for "now", timezones and Vietnamese date formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

VN_TZ = "Asia/Ho_Chi_Minh"
WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A timezone-aware datetime in UTC; naive input is refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


def doubling_wait(first: timedelta, attempts: int, cap: timedelta | None = None) -> timedelta:
    """The wait after ``attempts`` failed tries: first, twice that, four times … never above
    ``cap`` (when given). The one back-off rule of outbox, auto-retries and TW submission."""
    wait = first * 2 ** max(attempts - 1, 0)
    return wait if cap is None else min(wait, cap)


def local(value: datetime, tz: str = VN_TZ) -> datetime:
    """The datetime in the conference's zone."""
    return value.astimezone(ZoneInfo(tz))


def local_datetime(year: int, month: int, day: int, hour: int, minute: int = 0, tz: str = VN_TZ) -> datetime:
    """A wall-clock time in the given zone, converted to UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def format_datetime_vi(value: datetime | None, tz: str = VN_TZ) -> str:
    """'08:30 ngày 26/4/2022' in the conference's zone."""
    if value is None:
        return ""
    v = local(value, tz)
    return f"{v:%H:%M} ngày {v.day}/{v.month}/{v.year}"


def format_date_vi(value: datetime | None, tz: str = VN_TZ) -> str:
    """'Thứ Ba, 26/4/2022' in the conference's zone."""
    if value is None:
        return ""
    v = local(value, tz)
    return f"{WEEKDAYS_VI[v.weekday()]}, {v.day}/{v.month}/{v.year}"


def format_wall_clock_vi(value: str | None) -> str:
    """A datetime-local field's value ("2022-04-26T08:30", a wall-clock time) in words:
    'Thứ Ba, 26/4/2022 lúc 08:30'; empty when it is not such a value."""
    try:
        v = datetime.strptime((value or "")[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return ""
    return f"{WEEKDAYS_VI[v.weekday()]}, {v.day}/{v.month}/{v.year} lúc {v:%H:%M}"


def format_number_vi(value: int | float | None) -> str:
    """Vietnamese thousands separator: 11.400."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def format_time_left_vi(deadline: datetime | None, now: datetime | None = None, tz: str = VN_TZ) -> str:
    """How long until a deadline, in words a chair reads at a glance: 'còn 3 ngày',
    'hạn chót hôm nay', 'còn 5 giờ', 'đã hết hạn'. Days count calendar days in the zone."""
    if deadline is None:
        return ""
    now = now or utcnow()
    if deadline <= now:
        return "đã hết hạn"
    days = (local(deadline, tz).date() - local(now, tz).date()).days
    if days >= 1:
        return f"còn {days} ngày"
    hours = int((deadline - now).total_seconds() // 3600)
    return f"còn {hours} giờ, hạn chót hôm nay" if hours >= 1 else "hạn chót trong vài phút nữa"


def zone_label_vi(tz: str | None) -> str:
    """A time zone as people say it ("giờ Việt Nam"), not its database name."""
    if tz in (None, "", VN_TZ, "Asia/Saigon"):
        return "giờ Việt Nam"
    offset = datetime.now(ZoneInfo(tz)).strftime("%z")
    return f"giờ địa phương (UTC{offset[:3]}:{offset[3:]})"
