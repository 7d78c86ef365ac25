"""Validate what the bot sends as Slack would: slack_sdk's own Block Kit models (every run),
the limits they do not check, and, when ``../shared/slack-schemas`` is there (CI has it), the
third-party JSON schemas as an extra layer."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource


class BlockKitError(AssertionError):
    pass


def shared_dir() -> Path:
    env = os.environ.get("ENGAGEMENT_SHARED_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared"


@lru_cache(maxsize=1)
def _block_kit() -> dict[str, Any] | None:
    path = shared_dir() / "slack-schemas/block-kit/slack-block-kit.schema.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@lru_cache(maxsize=4)
def _validator(ref: str | None) -> Draft202012Validator | None:
    root = _block_kit()
    if root is None:
        return None
    schema = dict(root) if ref is None else {"$defs": root["$defs"], "$ref": f"#/$defs/{ref}"}
    schema.pop("$id", None)
    return Draft202012Validator(schema)


# ------------------------------------------------------------------ slack_sdk's models
def _dropped(given: Any, parsed: Any, where: str, problems: list[str]) -> None:
    """Keys of ``given`` that slack_sdk's model did not keep: an attribute the block or
    element does not have (a typo, or a field of another element type)."""
    if isinstance(given, dict) and isinstance(parsed, dict):
        for key, value in given.items():
            if key not in parsed:
                problems.append(f"{where}: {key!r} is not an attribute slack_sdk knows here")
            else:
                _dropped(value, parsed[key], f"{where}/{key}", problems)
    elif isinstance(given, list) and isinstance(parsed, list):
        if len(given) != len(parsed):
            problems.append(f"{where}: {len(given)} items given, {len(parsed)} understood")
        for i, (g, p) in enumerate(zip(given, parsed, strict=False)):
            _dropped(g, p, f"{where}/{i}", problems)


def _sdk_block_problems(blocks: Any) -> list[str]:
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.blocks import Block

    if not isinstance(blocks, list):
        return [f"blocks: a list expected, got {type(blocks).__name__}"]
    problems: list[str] = []
    for i, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"blocks/{i}: unknown block type {raw.get('type')!r}")
                continue
            block.validate_json()
            _dropped(raw, block.to_dict(), f"blocks/{i}", problems)
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError
                ) as exc:
            problems.append(f"blocks/{i}: slack_sdk: {exc}")
    return problems


def _sdk_view_problems(view: dict[str, Any]) -> list[str]:
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.views import View

    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        return [f"view: slack_sdk: {exc}"]
    return _sdk_block_problems(view.get("blocks") or [])


def _schema_problems(validator: Draft202012Validator | None, obj: Any) -> list[str]:
    if validator is None:  # no ../shared: slack_sdk's models are the check
        return []
    problems = []
    for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))[:10]:
        where = "/".join(str(p) for p in err.absolute_path)
        problems.append(f"{where}: {err.message[:300]}")
    return problems


def _walk_texts(blocks: list[dict[str, Any]], problems: list[str]) -> None:
    seen_blocks: set[str] = set()
    for i, block in enumerate(blocks):
        bid = block.get("block_id")
        if bid:
            if bid in seen_blocks:
                problems.append(f"blocks/{i}: duplicate block_id {bid!r}")
            seen_blocks.add(bid)
        if block.get("type") == "section":
            text = (block.get("text") or {}).get("text", "")
            if len(text) > 3000:
                problems.append(f"blocks/{i}: section text {len(text)} > 3000")
        if block.get("type") == "header" and len(
                (block.get("text") or {}).get("text", "")) > 150:
            problems.append(f"blocks/{i}: header text > 150")
        elements = block.get("elements") or []
        if block.get("element"):
            elements = [block["element"]]
        seen_actions: set[str] = set()
        for el in elements:
            aid = el.get("action_id") if isinstance(el, dict) else None
            if aid:
                if aid in seen_actions:
                    problems.append(f"blocks/{i}: duplicate action_id {aid!r}")
                seen_actions.add(aid)
            if isinstance(el, dict) and el.get("type") == "button":
                if len(el.get("text", {}).get("text", "")) > 75:
                    problems.append(f"blocks/{i}: button text > 75")
                if len(el.get("value", "")) > 2000:
                    problems.append(f"blocks/{i}: button value > 2000")
            for opt in (el.get("options") or []) if isinstance(el, dict) else []:
                if len(opt.get("text", {}).get("text", "")) > 75:
                    problems.append(f"blocks/{i}: option text > 75")
                if len(opt.get("value", "")) > 150:
                    problems.append(f"blocks/{i}: option value > 150")


def _raise(kind: str, problems: list[str]) -> None:
    if problems:
        raise BlockKitError(f"invalid {kind}:\n  " + "\n  ".join(problems))


def validate_modal(view: dict[str, Any]) -> None:
    problems = _sdk_view_problems(view) + _schema_problems(_validator("modal_view"), view)
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        problems.append(f"{len(blocks)} blocks > 100")
    if len((view.get("title") or {}).get("text", "")) > 24:
        problems.append("title > 24 characters")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append("private_metadata > 3000 characters")
    if len(view.get("callback_id") or "") > 255:
        problems.append("callback_id > 255")
    _walk_texts(blocks, problems)
    _raise("modal", problems)


def validate_home(view: dict[str, Any]) -> None:
    problems = _sdk_view_problems(view) + _schema_problems(_validator("home_view"), view)
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        problems.append(f"{len(blocks)} blocks > 100")
    _walk_texts(blocks, problems)
    _raise("home view", problems)


def validate_blocks_message(payload: dict[str, Any]) -> None:
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    problems: list[str] = []
    if blocks:
        problems += _sdk_block_problems(blocks) + _schema_problems(_validator(None), blocks)
        if len(blocks) > 50:
            problems.append(f"{len(blocks)} blocks > 50 per message")
        if not str(payload.get("text") or "").strip():
            problems.append("no plain-text fallback ('text') next to blocks")
        for i, b in enumerate(blocks):
            if b.get("type") == "input":
                problems.append(f"blocks/{i}: input blocks are not allowed in messages")
        _walk_texts(blocks, problems)
    _raise("message", problems)


def validate_file_share(args: dict[str, Any]) -> None:
    """The blocks a file's share message carries (files.completeUploadExternal), when it
    has some: as a message's, without the text fallback (the file call has no such field)."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks:
        return
    if args.get("initial_comment"):
        _raise("file share", ["blocks and initial_comment: Slack ignores the blocks"])
    validate_blocks_message({"text": "(file)", "blocks": blocks})


MANIFEST_URL = ("https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
                "manifest.schema.{}.json")


def validate_manifest(path: str | Path) -> None:
    """The manifest against the limits of Slack's manifest reference (our own model, every
    run), then against Slack's official JSON schema when ``../shared`` has it."""
    from tests.fakeslack.manifest import manifest_problems

    manifest = yaml.safe_load(Path(path).read_text())
    problems = manifest_problems(manifest)
    base = shared_dir() / "slack-schemas/manifest"
    if (base / "manifest.schema.json").is_file():
        problems += _official_manifest_problems(base, manifest)
    _raise("manifest", problems)


def _official_manifest_problems(base: Path, manifest: Any) -> list[str]:
    root = json.loads((base / "manifest.schema.json").read_text())
    resources = []
    for version in ("1.0.0", "2.0.0"):
        contents = json.loads((base / "schemas" / f"manifest.schema.{version}.json").read_text())
        resources.append((MANIFEST_URL.format(version),
                          Resource.from_contents(contents,
                                                 default_specification=_draft7())))
    registry: Registry = Registry().with_resources(resources)
    validator = Draft7Validator(root, registry=registry)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
            for e in validator.iter_errors(manifest)]


def _draft7() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7
