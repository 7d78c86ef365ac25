"""The baseline: a bare Bolt app with one /engagement command that acks and opens a modal.

Same Bolt mode (process_before_response with a lazy listener) and the same HTTP server
(waitress, same thread count) as the product, so the ratio measures what our code adds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

VIEW = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "Bare"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}],
}


def create_bare_app(*, token: str, signing_secret: str, api_url: str) -> App:
    app = App(client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret,
              process_before_response=True, token_verification_enabled=False)

    def ack_command(ack: Ack) -> None:
        ack()

    def open_modal(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    app.command("/engagement")(ack=ack_command, lazy=[open_modal])
    return app
