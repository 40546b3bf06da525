#!/usr/bin/env python3
"""Heartbeat client for a bridge point's room machine: tells BridgeOps "this point is alive".

Plain Python 3.8+ standard library, nothing to install. It POSTs to
``{URL}/api/v1/heartbeat`` with the technician's link token every INTERVAL seconds; BridgeOps
answers 204. The token is the last part of the technician's link (``…/t/<token>``).

Usage::

    python3 heartbeat.py --url=https://bridgeops.example.vn --token=TOKEN [--interval=30]

(write ``--token=TOKEN`` with the equals sign: a token may begin with "-").

or with the environment (handy for a service or a scheduled task)::

    BRIDGEOPS_URL=https://bridgeops.example.vn BRIDGEOPS_TOKEN=TOKEN python3 heartbeat.py

Options (environment variable in brackets):

    --url URL          BridgeOps base address [BRIDGEOPS_URL]
    --token TOKEN      the technician's token [BRIDGEOPS_TOKEN]
    --interval SECS    seconds between beats, default 30 [BRIDGEOPS_HEARTBEAT_INTERVAL]
    --timeout SECS     per request, default 10
    --once             send one beat and exit (0 when accepted): for a test or cron

It keeps running through network errors (printing them) and stops at once with exit code 2
if the token is refused (401/403): ask the province office for a new technician link.
On Windows, run it with ``pythonw heartbeat.py …`` from a scheduled task at logon; on Linux,
from a systemd user unit or ``@reboot`` cron line.
"""

from __future__ import annotations

import argparse
import gettext
import os
import sys
import time
import urllib.error
import urllib.request

USER_AGENT = "BridgeOps-heartbeat/1"
_VI_GETTEXT = {
    "usage: ": "cách dùng: ",
    "options": "tùy chọn",
    "positional arguments": "tham số",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
}
# argparse asks gettext for its headings; answer in Vietnamese.
argparse._ = lambda text: _VI_GETTEXT.get(text, gettext.gettext(text))


def send_beat(url: str, token: str, timeout: float) -> int:
    """POST one heartbeat; returns the HTTP status."""
    request = urllib.request.Request(
        url.rstrip("/") + "/api/v1/heartbeat",
        data=b"",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT, "Content-Length": "0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    # Help in Vietnamese: argparse's own headings ("usage", "options") are translated too.
    parser = argparse.ArgumentParser(
        description="Gửi nhịp tim (heartbeat) của điểm cầu tới BridgeOps, để Ban Tổ chức biết "
        "phòng họp vẫn kết nối.",
        epilog="Ví dụ: python3 heartbeat.py --url=https://cau.example.vn --token=MÃ --interval=30",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")
    parser.add_argument(
        "--url",
        metavar="ĐỊA_CHỈ",
        default=os.environ.get("BRIDGEOPS_URL", ""),
        help="địa chỉ BridgeOps, ví dụ https://cau.example.vn (hoặc biến BRIDGEOPS_URL)",
    )
    parser.add_argument(
        "--token",
        metavar="MÃ",
        default=os.environ.get("BRIDGEOPS_TOKEN", ""),
        help="phần cuối của đường dẫn kỹ thuật viên (…/t/MÃ); viết --token=MÃ (hoặc biến BRIDGEOPS_TOKEN)",
    )
    parser.add_argument(
        "--interval",
        metavar="GIÂY",
        type=float,
        default=float(os.environ.get("BRIDGEOPS_HEARTBEAT_INTERVAL", "30")),
        help="số giây giữa hai lần gửi (mặc định 30)",
    )
    parser.add_argument(
        "--timeout",
        metavar="GIÂY",
        type=float,
        default=10.0,
        help="chờ máy chủ trả lời tối đa bấy nhiêu giây (mặc định 10)",
    )
    parser.add_argument("--once", action="store_true", help="gửi một lần rồi thoát (để thử)")
    args = parser.parse_args(argv)
    if not args.url or not args.token:
        parser.error("cần --url và --token (hoặc BRIDGEOPS_URL và BRIDGEOPS_TOKEN)")
    if args.interval < 1:
        parser.error("--interval phải từ 1 giây trở lên")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    while True:
        started = time.monotonic()
        try:
            status = send_beat(args.url, args.token, args.timeout)
        except (urllib.error.URLError, OSError) as error:
            print(
                f"heartbeat: không gửi được ({error}); thử lại sau {args.interval:g}s",
                file=sys.stderr,
                flush=True,
            )
            status = 0
        if status in (401, 403):
            print(
                f"heartbeat: mã bị từ chối (HTTP {status}); xin đường dẫn kỹ thuật viên mới",
                file=sys.stderr,
                flush=True,
            )
            return 2
        if status and status != 204:
            print(f"heartbeat: máy chủ trả HTTP {status}", file=sys.stderr, flush=True)
        if args.once:
            return 0 if status == 204 else 1
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main())
