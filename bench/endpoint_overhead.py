"""In-process cost of one signed /vraag through handlers.slack.endpoint.SlackEndpoint: handed
to its function past Bolt (as the bot does), through Bolt behind the walls (a listener that only
acks), and through Bolt's ASGI adapter alone (no walls). No network, no database: only what
differs between them.

usage: PYTHONPATH=. python bench/endpoint_overhead.py
"""

import asyncio
import statistics
import time
from urllib.parse import urlencode

from slack_bolt import BoltResponse
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.signature import SignatureVerifier

from handlers.slack.endpoint import SlackEndpoint

SECRET = "bench-secret"
ROUNDS, REQUESTS = 15, 400


async def authorize(**_):  # no auth.test call: only the dispatch is measured
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-x",
                           bot_user_id="UB", bot_id="B")


def build_app() -> AsyncApp:
    app = AsyncApp(signing_secret=SECRET, authorize=authorize, process_before_response=True)

    async def ack_only(ack):
        await ack()

    app.command("/vraag")(ack_only)
    return app


async def direct(command, signature):  # what handlers.slack.commands does, minus storing
    return BoltResponse(status=200, body="")


def signed_command(number: int) -> tuple[dict, bytes]:
    body = urlencode({"token": "x", "team_id": "T1", "channel_id": "C1", "user_id": "U1",
                      "command": "/vraag", "text": f"Hoe deel ik het bericht {number}?",
                      "response_url": "http://127.0.0.1:1/r", "trigger_id": "t"}).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = [(b"content-type", b"application/x-www-form-urlencoded"),
               (b"x-slack-request-timestamp", timestamp.encode()),
               (b"x-slack-signature", signature.encode()),
               (b"content-length", str(len(body)).encode())]
    return {"type": "http", "method": "POST", "path": "/slack/events", "query_string": b"",
            "headers": headers}, body


async def timed(endpoint, scope: dict, body: bytes) -> float:
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    statuses = []

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    await endpoint(scope, receive, send)
    elapsed = time.perf_counter() - started
    assert statuses == [200], statuses
    return elapsed


async def main() -> None:
    app = build_app()
    commands = [signed_command(n) for n in range(REQUESTS)]
    variants = {"past Bolt": SlackEndpoint(app, commands={"/vraag": direct}),
                "through Bolt": SlackEndpoint(app),
                "no walls": AsyncSlackRequestHandler(app)}
    for endpoint in variants.values():  # warm up
        for scope, body in commands[:100]:
            await timed(endpoint, scope, body)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for round_number in range(ROUNDS):
        order = list(variants)[round_number % 3:] + list(variants)[:round_number % 3]
        for name in order:
            for scope, body in commands:
                times[name].append(await timed(variants[name], scope, body))
    for name, values in times.items():
        values.sort()
        print(f"{name:13s} n={len(values)} median {statistics.median(values) * 1e3:.3f} ms"
              f"  p99 {values[int(len(values) * 0.99)] * 1e3:.3f} ms")


if __name__ == "__main__":
    asyncio.run(main())
