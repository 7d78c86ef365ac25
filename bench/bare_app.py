"""The baseline: a bare Bolt app with one /engagement command that acks and opens a modal,
and one view_submission handler that acks with an update to the view it was sent.

Same Bolt mode (process_before_response with a lazy listener) and the same HTTP server
(waitress, same thread count) as the product, so the ratio measures what our code adds.

As a process of its own (what ``bench.run`` starts)::

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... \
        python -m bench.bare_app --port N [--threads 16]

It serves ``bot.transport.http.HttpServer`` (so ``/healthz`` too) on 127.0.0.1, logs like the
product (``bot.cli.configure_logging``), and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

VIEW = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "Bare"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}],
}


ECHOED = ("type", "callback_id", "title", "submit", "close", "private_metadata", "blocks")


def create_bare_app(*, token: str, signing_secret: str, api_url: str) -> App:
    app = App(client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret,
              process_before_response=True, token_verification_enabled=False)

    def ack_command(ack: Ack) -> None:
        ack()

    def open_modal(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    app.command("/engagement")(ack=ack_command, lazy=[open_modal])

    def next_step(ack: Ack, view: dict[str, Any]) -> None:
        """A modal step submitted: answer with a view as big as the one submitted (the
        benchmark submits the product's questionnaire to both apps), unvalidated."""
        ack(response_action="update", view={k: view[k] for k in ECHOED if k in view})

    app.view(re.compile(".+"))(next_step)
    return app


def main() -> None:
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from bot.cli import configure_logging, wait_for_signal
    from bot.settings import Settings
    from bot.transport.http import HttpServer, WsgiApp

    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int,
                        default=Settings.model_fields["web_threads"].default)
    args = parser.parse_args()
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    app = create_bare_app(token=os.environ["SLACK_BOT_TOKEN"],
                          signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                          api_url=os.environ["SLACK_API_URL"])
    # Bolt's own WSGI adapter (the product uses its faster request parser)
    server = HttpServer(WsgiApp(app, handler=SlackRequestHandler), host="127.0.0.1",
                        port=args.port, threads=args.threads)
    logging.getLogger("bench").info("bare app on %s (%d threads)", server.url, args.threads)
    server.start()
    wait_for_signal()
    server.stop()


if __name__ == "__main__":
    main()
