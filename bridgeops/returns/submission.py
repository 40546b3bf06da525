"""Handing a frozen return to TW over HTTP: timeouts, retries with backoff, an idempotency key."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import requests

from bridgeops.core.outbound import InsecureURL, check_outbound_url, redact_text
from bridgeops.core.time import doubling_wait

#: Statuses worth retrying: TW is overloaded or restarting.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Errors worth retrying: no answer, or an answer cut off.
RETRY_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
EXCERPT_CHARS = 500
USER_AGENT = "BridgeOps return submitter"


@dataclass(frozen=True)
class AttemptResult:
    number: int
    status_code: int | None
    response_excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Policy:
    """How hard to try: (connect, read) timeouts in seconds, attempts, first backoff delay,
    and a budget no retry may start beyond (an officer is waiting on the page)."""

    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    attempts: int = 4
    backoff: float = 1.0
    budget: float = 40.0


def post_return(
    url: str,
    body: bytes,
    idempotency_key: str,
    policy: Policy,
    on_attempt: Callable[[AttemptResult], None],
    sleep: Callable[[float], None] = time.sleep,
    token: str = "",
) -> AttemptResult:
    """POST the snapshot until TW answers 2xx, a non-retryable status, or attempts run out.

    Every attempt is reported to ``on_attempt``; the last one is returned. Retries are safe
    because TW deduplicates on the Idempotency-Key (the snapshot's sha256). ``token`` is the
    credential TW issued to the province (a BridgeOps TW checks it), sent as a bearer token.
    """
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "Idempotency-Key": idempotency_key,
        "User-Agent": USER_AGENT,
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        check_outbound_url(url)
    except InsecureURL as exc:
        refused = AttemptResult(1, None, "", str(exc)[:500], 0)
        on_attempt(refused)
        return refused
    result: AttemptResult | None = None
    deadline = time.monotonic() + policy.budget
    with requests.Session() as session:
        for number in range(1, policy.attempts + 1):
            started = time.monotonic()
            try:
                # A redirect is an answer, not an acceptance: never re-post the return elsewhere.
                response = session.post(
                    url,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    timeout=(policy.connect_timeout, policy.read_timeout),
                )
                result = AttemptResult(
                    number, response.status_code, response.text[:EXCERPT_CHARS], "", _elapsed_ms(started)
                )
                retry = response.status_code in RETRY_STATUSES
            except requests.RequestException as exc:
                # Every failure is an attempt on record; only a network one is worth a retry now.
                error = redact_text(f"{type(exc).__name__}: {exc}", url)
                result = AttemptResult(number, None, "", error[:500], _elapsed_ms(started))
                retry = isinstance(exc, RETRY_ERRORS)
            on_attempt(result)
            delay = doubling_wait(timedelta(seconds=policy.backoff), number).total_seconds()
            if not retry or number == policy.attempts or time.monotonic() + delay >= deadline:
                break
            sleep(delay)
    assert result is not None
    return result


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
