"""Multi-workspace installs: slack_sdk's SQLAlchemy stores on our database, with tokens
encrypted at rest (Fernet) and a short-lived cache so authorising a request does not hit
the database every time.

Key rotation: set ``ENGAGEMENT_ENCRYPTION_KEY`` to the new key followed by the old ones,
comma-separated (``new,old``). Tokens encrypted with any listed key are read; every save
(an install or reinstall) encrypts with the first. Drop an old key once every workspace
has reinstalled since it was retired.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

log = logging.getLogger(__name__)

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
STATES_TABLE = "slack_oauth_states"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
PREFIX = "enc:"
CACHE_SECONDS = 60.0


class TokenCipher:
    def __init__(self, keys: str) -> None:
        fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
        if not fernets:
            raise ValueError("ENGAGEMENT_ENCRYPTION_KEY is empty")
        self._fernet = MultiFernet(fernets)

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def rotate(self, value: str | None) -> str | None:
        """The same token encrypted with the first key (unchanged if it already is)."""
        if not value or not value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.rotate(value[len(PREFIX):].encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode()).decode()
        except InvalidToken:
            log.error("a stored token does not decrypt with ENGAGEMENT_ENCRYPTION_KEY")
            return None


def _with_tokens(obj: Any, fn: Any) -> Any:
    if obj is None:
        return None
    clone = copy.copy(obj)
    for field in TOKEN_FIELDS:
        if hasattr(clone, field):
            setattr(clone, field, fn(getattr(clone, field)))
    return clone


class EncryptedInstallationStore(InstallationStore):
    """Encrypts tokens on the way in, decrypts on the way out, caches bots briefly."""

    def __init__(self, underlying: InstallationStore, cipher: TokenCipher,
                 cache_seconds: float = CACHE_SECONDS,
                 on_save: Callable[[Installation], None] | None = None) -> None:
        self.underlying = underlying
        self.cipher = cipher
        self.cache_seconds = cache_seconds
        self.on_save = on_save  # told of every install (the workspaces table)
        self._cache: dict[str, tuple[float, Bot | None]] = {}
        self._lock = threading.Lock()

    @property
    def logger(self) -> logging.Logger:
        return log

    def _forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self._lock:
            self._cache.pop(f"{enterprise_id or ''}-{team_id or ''}", None)

    def save(self, installation: Installation) -> None:
        self._forget(installation.enterprise_id, installation.team_id)
        self.underlying.save(_with_tokens(installation, self.cipher.encrypt))
        if self.on_save is not None:
            self.on_save(installation)

    def save_bot(self, bot: Bot) -> None:
        self._forget(bot.enterprise_id, bot.team_id)
        self.underlying.save_bot(_with_tokens(bot, self.cipher.encrypt))

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        key = f"{enterprise_id or ''}-{team_id or ''}"
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self.cache_seconds:
                return hit[1]
        bot = _with_tokens(self.underlying.find_bot(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install), self.cipher.decrypt)
        with self._lock:
            self._cache[key] = (now, bot)
        return bot  # type: ignore[no-any-return]

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                          user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        return _with_tokens(self.underlying.find_installation(  # type: ignore[no-any-return]
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install), self.cipher.decrypt)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._forget(enterprise_id, team_id)
        self.underlying.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        self._forget(enterprise_id, team_id)
        self.underlying.delete_installation(enterprise_id=enterprise_id, team_id=team_id,
                                            user_id=user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)


def make_stores(engine: Engine, *, client_id: str, encryption_key: str
                ) -> tuple[EncryptedInstallationStore, SQLAlchemyOAuthStateStore]:
    installations = SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine,
                                       table_name=STATES_TABLE)
    return EncryptedInstallationStore(installations, TokenCipher(encryption_key)), states


def rotate_keys(engine: Engine, encryption_key: str) -> dict[str, int]:
    """Re-encrypt every stored token with the first of ``ENGAGEMENT_ENCRYPTION_KEY``'s keys
    (``MultiFernet.rotate``), so the old keys can then be dropped. One transaction; a token
    no listed key decrypts stops the rotation with an error (nothing is half-done)."""
    from sqlalchemy import Table, select, update

    from bot.db.models import Base

    cipher = TokenCipher(encryption_key)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for name in (BOTS_TABLE, INSTALLATIONS_TABLE):
            table: Table = Base.metadata.tables[name]
            fields = [f for f in TOKEN_FIELDS if f in table.c]
            counts[name] = 0
            for row in conn.execute(select(table.c.id, *[table.c[f] for f in fields])):
                changes = {f: cipher.rotate(getattr(row, f)) for f in fields
                           if getattr(row, f)}
                if changes:
                    conn.execute(update(table).where(table.c.id == row.id).values(**changes))
                    counts[name] += 1
    return counts
