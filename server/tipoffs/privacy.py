"""The tipster's privacy (举报人保密, PIPL): tracking codes and their keyed hashes, the phone's keyed hash, the Fernet
encryption of phones and names (several keys, the first encrypting, allow rotation) and their masked forms."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet

from server.common.fields import clean_phone
from server.config import Config

# --- tracking codes ---------------------------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 10  # 50 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(text: str) -> str:
    """As a code is read over the phone: case, spaces and hyphens do not matter, O is 0, I and L are 1.  Any text
    comes out as some string; a malformed one simply matches nothing."""
    return "".join(ch for ch in text[:64].upper() if ch not in "- ").translate(_READ_AS)


def _hmac(config: Config, purpose: bytes, value: str) -> str:
    if not config.tipoff_hash_key:
        raise RuntimeError("tipoff_hash_key is not configured")
    return hmac.new(config.tipoff_hash_key.encode(), purpose + b":" + value.encode(), hashlib.sha256).hexdigest()


def code_hash(config: Config, code: str) -> str:
    return _hmac(config, b"tracking-code", normalize_code(code))


def phone_hash(config: Config, phone: str) -> str:
    return _hmac(config, b"phone", phone.replace("-", ""))


# --- the tipster's details (PIPL) -------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    if not keys:
        raise RuntimeError("tipoff_phone_key is not configured")
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(config: Config, value: str) -> str:
    return _fernet(config.tipoff_phone_key).encrypt(value.encode()).decode()


def decrypt(config: Config, token: str) -> str:
    return _fernet(config.tipoff_phone_key).decrypt(token.encode()).decode()


def mask_name(name: str) -> str:
    """张** : the family name, not the person."""
    return name[0] + "*" * min(len(name) - 1, 8) if len(name) > 1 else "*"


def normalize_phone(value: Any, field: str = "phone") -> str | None:
    """A mobile (11 digits) or a landline with its area code, as digits; None when not given."""
    phone = clean_phone(value, field)
    return phone.replace("-", "") if phone else None
