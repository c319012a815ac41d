"""Password and API key storage and checks, plus the login cooldown of res.users._assert_can_auth.

Secrets are stored as salted PBKDF2-SHA256 digests in ``sandbox_credentials``; successful checks
are cached in memory so the per-call credential check of ``object`` stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

PBKDF2_ITERATIONS = 20_000
# odoo/addons/base/models/res_users.py: base.login_cooldown_after / base.login_cooldown_duration.
DEFAULT_COOLDOWN_AFTER = 5
DEFAULT_COOLDOWN_SECONDS = 60
COOLDOWN_MESSAGE = "Too many login failures, please wait a bit before trying again."


def digest(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), PBKDF2_ITERATIONS).hex()


def store_secret(conn, user_id: int, kind: str, secret: str) -> None:
    """Store a password (kind "password") or an API key (kind "apikey") for a user."""
    if kind == "password":
        conn.execute("DELETE FROM sandbox_credentials WHERE user_id = ? AND kind = 'password'", (user_id,))
    salt = secrets.token_hex(8)
    conn.execute(
        "INSERT INTO sandbox_credentials (user_id, kind, salt, digest) VALUES (?, ?, ?, ?)",
        (user_id, kind, salt, digest(secret, salt)),
    )


class CredentialChecker:
    """Verify secrets against the stored digests, with a cache of verified pairs."""

    def __init__(self) -> None:
        self._verified: set[tuple[int, str, str]] = set()
        self._lock = threading.Lock()

    def matches(self, conn, user_id: int, secret: str, kinds: tuple[str, ...] = ("password", "apikey")) -> bool:
        if not secret:
            return False
        fingerprint = hashlib.sha256(secret.encode()).hexdigest()
        with self._lock:
            if any((user_id, kind, fingerprint) in self._verified for kind in kinds):
                return True
        placeholders = ", ".join("?" for _ in kinds)
        rows = conn.execute(
            f"SELECT kind, salt, digest FROM sandbox_credentials WHERE user_id = ? AND kind IN ({placeholders})",
            (user_id, *kinds),
        ).fetchall()
        for kind, salt, stored in rows:
            if hmac.compare_digest(digest(secret, salt), stored):
                with self._lock:
                    self._verified.add((user_id, kind, fingerprint))
                return True
        return False

    def user_for_api_key(self, conn, key: str) -> int | None:
        """Return the id of the active user owning API key ``key``, or None."""
        rows = conn.execute(
            "SELECT c.user_id FROM sandbox_credentials c JOIN res_users u ON u.id = c.user_id "
            "WHERE c.kind = 'apikey' AND u.active = 1"
        ).fetchall()
        for (user_id,) in rows:
            if self.matches(conn, user_id, key, kinds=("apikey",)):
                return user_id
        return None


class LoginCooldown:
    """Count login failures per source address and refuse attempts during the cooldown."""

    def __init__(self, after: int = DEFAULT_COOLDOWN_AFTER, seconds: float = DEFAULT_COOLDOWN_SECONDS):
        self.after = after
        self.seconds = seconds
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def on_cooldown(self, source: str) -> bool:
        with self._lock:
            failures, previous = self._failures.get(source, (0, 0.0))
        return failures >= self.after and (time.monotonic() - previous) < self.seconds

    def record_failure(self, source: str) -> None:
        with self._lock:
            failures, _previous = self._failures.get(source, (0, 0.0))
            self._failures[source] = (failures + 1, time.monotonic())

    def record_success(self, source: str) -> None:
        with self._lock:
            self._failures.pop(source, None)
