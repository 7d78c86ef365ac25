"""Validate what the bot sends against Slack's schemas, plus the limits schemas don't check."""

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
def _block_kit() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (shared_dir() / "slack-schemas/block-kit/slack-block-kit.schema.json").read_text())
    return data


@lru_cache(maxsize=4)
def _validator(ref: str | None) -> Draft202012Validator:
    root = _block_kit()
    schema = dict(root) if ref is None else {"$defs": root["$defs"], "$ref": f"#/$defs/{ref}"}
    schema.pop("$id", None)
    return Draft202012Validator(schema)


def _schema_problems(validator: Draft202012Validator, obj: Any) -> list[str]:
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
    problems = _schema_problems(_validator("modal_view"), view)
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
    problems = _schema_problems(_validator("home_view"), view)
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
        problems += _schema_problems(_validator(None), blocks)
        if len(blocks) > 50:
            problems.append(f"{len(blocks)} blocks > 50 per message")
        if not str(payload.get("text") or "").strip():
            problems.append("no plain-text fallback ('text') next to blocks")
        for i, b in enumerate(blocks):
            if b.get("type") == "input":
                problems.append(f"blocks/{i}: input blocks are not allowed in messages")
        _walk_texts(blocks, problems)
    _raise("message", problems)


MANIFEST_URL = ("https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
                "manifest.schema.{}.json")


def validate_manifest(path: str | Path) -> None:
    base = shared_dir() / "slack-schemas/manifest"
    root = json.loads((base / "manifest.schema.json").read_text())
    resources = []
    for version in ("1.0.0", "2.0.0"):
        contents = json.loads((base / "schemas" / f"manifest.schema.{version}.json").read_text())
        resources.append((MANIFEST_URL.format(version),
                          Resource.from_contents(contents,
                                                 default_specification=_draft7())))
    registry: Registry = Registry().with_resources(resources)
    manifest = yaml.safe_load(Path(path).read_text())
    validator = Draft7Validator(root, registry=registry)
    problems = [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
                for e in validator.iter_errors(manifest)]
    _raise("manifest", problems)


def _draft7() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7
