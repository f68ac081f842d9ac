"""The first request after a start, against the ones after it: the real service under uvicorn,
signed Twilio webhooks over loopback, each a different newcomer asking a question.

    python benchmarks/first_request.py --starts 3 --requests 200

For each start: the service is started on a fresh SQLite database, the first webhook is timed as
soon as /healthz answers, then `--requests` more one after another; prints the first and the
median and p99 of the rest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sms_webhook import (  # noqa: E402
    ACCOUNT_SID,
    PUBLIC_URL,
    TOKEN,
    free_port,
    start_server,
    wait_healthy,
)

QUESTIONS = ("bonjour, comment avoir la double nationalité ?", "comment envoyer de l'argent")


def post(client: httpx.Client, n: int) -> float:
    sid = f"SM{n:032d}"
    form = {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"+2237{n:07d}",
        "To": "+15005550006",
        "Body": QUESTIONS[n % 2],
    }
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC_URL}/sms/twilio", form)
    started = time.perf_counter()
    response = client.post(
        "/sms/twilio",
        content=urlencode(form),
        headers={
            "X-Twilio-Signature": signature,
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    for start in range(args.starts):
        tmp = Path(tempfile.mkdtemp(prefix="first-"))
        port = free_port()
        server = start_server(tmp / "bot.db", port, tmp / "server.log")
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base_url, server)
            with httpx.Client(base_url=base_url, timeout=60) as client:
                first = post(client, 1)
                rest = [post(client, n) for n in range(2, args.requests + 2)]
        finally:
            server.terminate()
            server.wait(30)
        rest.sort()
        p99 = rest[int(0.99 * len(rest))]
        print(
            f"start {start + 1}: first {1000 * first:.0f} ms; the next {len(rest)}: median "
            f"{1000 * statistics.median(rest):.0f} ms, p99 {1000 * p99:.0f} ms, "
            f"max {1000 * rest[-1]:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
