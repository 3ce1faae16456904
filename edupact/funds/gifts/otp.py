"""Six-digit one-time codes: drawn with ``secrets``, stored as a salted HMAC-SHA256 keyed
with ``SECRET_KEY`` (a leaked table alone cannot be brute-forced), compared in constant time.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings

from edupact.core.text import ascii_digits

DIGITS = 6
LIFETIME = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def _digest(salt: str, code: str) -> str:
    key = f"edupact.funds.otp:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def hash_code(code: str) -> str:
    salt = secrets.token_hex(8)
    return f"{salt}${_digest(salt, code)}"


def check_code(code: str, stored: str) -> bool:
    salt, _sep, digest = stored.partition("$")
    given = "".join(ascii_digits(str(code or "")).split())
    if not salt or not digest or len(given) != DIGITS or not given.isdigit():
        # Still spend the same work so that timing says nothing about the format.
        hmac.compare_digest(_digest(salt or "x", "000000"), digest or "")
        return False
    return hmac.compare_digest(_digest(salt, given), digest)
