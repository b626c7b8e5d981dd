"""Second-factor helpers for tests: an RFC 6238 code computed here, independently of
django-otp, from the base32 secret the user is shown; an enrolment done for a test user."""

import hashlib
import hmac
import struct
import time
from base64 import b32decode

from hn.comptes import mfa


def code_totp(secret_base32: str, at: float | None = None) -> str:
    """RFC 6238 (HMAC-SHA-1, 30 s steps, 6 digits) at ``at`` (default: now, time-machine's)."""
    key = b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def activer(user) -> tuple[str, list[str]]:
    """Enrol ``user`` (a confirmed TOTP device): returns its secret and backup codes. The code
    used here cannot be used again: move time on by 30 s before the next one."""
    device = mfa.demarrer_activation(user)
    secret = mfa.secret_base32(device)
    _, codes = mfa.confirmer_activation(user, code_totp(secret))
    user.refresh_from_db()
    return secret, codes
