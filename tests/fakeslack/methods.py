"""The Web API methods the fake Slack knows: what each requires and its rate-limit tier.

Facts from Slack's method reference (docs.slack.dev/reference/methods), written down as
our own data. ``required`` are the arguments without which Slack answers
``invalid_arguments`` (the token aside: it comes in the Authorization header);
``one_of`` are groups of which at least one must be given. ``tier`` is the method's
rate-limit tier (per method, per workspace): 1 about 1 a minute, 2 about 20, 3 about 50,
4 about 100; ``special`` has a rule of its own (chat.postMessage: about one message a
second per channel, plus a workspace-wide limit).

When ``../shared/slack-schemas/web-api-methods/`` is present (CI has it), the fake also
requires every argument those files mark required (``required_args``): an extra layer,
never a condition for the tests to run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Method:
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    tier: int | str = 3


# Each tier's limit, per method and per workspace: (requests a minute, burst). Slack's
# published floors ("1+", "20+", "50+", "100+" a minute) with bursts of our choosing: Slack
# says a tier-1 method tolerates "a small amount" of burst, tier 4 "generous" bursts.
TIER_LIMITS: dict[int | str, tuple[float, int]] = {
    1: (1, 3),
    2: (20, 10),
    3: (50, 15),
    4: (100, 30),
    "special": (600, 100),  # auth.test, chat.getPermalink: far more than the tiers
}
# chat.postMessage: one message a second per channel (short bursts allowed), and a
# workspace-wide limit Slack does not publish; the fake's default is 300 a minute.
WORKSPACE_POSTS_PER_MINUTE = 300.0
WORKSPACE_POST_BURST = 10


METHODS: dict[str, Method] = {
    "apps.connections.open": Method(tier=1),  # app-level (xapp-) token only
    "auth.test": Method(tier="special"),
    "chat.delete": Method(required=("channel", "ts"), tier=3),
    "chat.getPermalink": Method(required=("channel", "message_ts"), tier="special"),
    "chat.postEphemeral": Method(required=("channel", "user"),
                                 one_of=(("text", "blocks", "attachments"),), tier=4),
    "chat.postMessage": Method(required=("channel",),
                               one_of=(("text", "blocks", "attachments"),), tier="special"),
    "chat.update": Method(required=("channel", "ts"), tier=3),
    "conversations.history": Method(required=("channel",), tier=3),
    "conversations.info": Method(required=("channel",), tier=3),
    "conversations.join": Method(required=("channel",), tier=3),
    "conversations.members": Method(required=("channel",), tier=4),
    "conversations.open": Method(one_of=(("users", "channel"),), tier=3),
    "conversations.replies": Method(required=("channel", "ts"), tier=3),
    "files.completeUploadExternal": Method(required=("files",), tier=4),
    "files.getUploadURLExternal": Method(required=("filename", "length"), tier=4),
    "oauth.v2.access": Method(required=("code",), tier=4),  # client id + secret, no token
    "users.info": Method(required=("user",), tier=4),
    "views.open": Method(required=("view",), one_of=(("trigger_id", "interactivity_pointer"),),
                         tier=4),
    "views.publish": Method(required=("user_id", "view"), tier=4),
    "views.push": Method(required=("view",), one_of=(("trigger_id", "interactivity_pointer"),),
                         tier=4),
    "views.update": Method(required=("view",), one_of=(("view_id", "external_id"),), tier=4),
}


def required_args(shared_methods_dir: Path | None) -> dict[str, tuple[str, ...]]:
    """Each known method's required arguments: ours, plus those the shared reference
    files mark required when that folder is there."""
    required = {name: spec.required for name, spec in METHODS.items()}
    if shared_methods_dir is None or not shared_methods_dir.is_dir():
        return required
    for path in shared_methods_dir.glob("*.json"):
        if path.stem not in required:
            continue  # a method the bot does not call: the fake still answers unknown_method
        args = json.loads(path.read_text()).get("args") or {}
        extra = [k for k, v in args.items() if v.get("required") and k != "token"]
        required[path.stem] = tuple(dict.fromkeys((*required[path.stem], *extra)))
    return required
