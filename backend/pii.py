"""Personal information at rest: encrypted, searchable by a keyed hash, masked on output.

* Encryption is AES-256-GCM with a key derived from ``GRIDGOV_PII_KEY`` (HKDF, purpose
  "enc"); each value gets a random nonce, so equal phone numbers do not look equal in the table.
* Search uses HMAC-SHA256 of the normalized value with a second derived key (purpose "idx"),
  so an exact-match lookup by phone or ID number works without decrypting every row, and the
  index is useless without the key.
* Names and addresses are encrypted the same way (``seal_text``/``open_text``). Names stay
  searchable by any part through a keyed token index (``name_tokens``/``query_tokens``): HMAC
  (the "idx" key) of each character and of each pair of neighbouring characters. A query's
  tokens pick candidates in SQL; for three or more characters the caller decrypts those and
  keeps the true substring matches, so results equal a plain substring search. What the
  index gives away to someone holding the tables but not the key: which rows share a
  character or a character pair, how often each occurs and how long names are (frequency
  analysis of common surnames is possible); never the characters themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.config import load_settings
from backend.errors import DomainError, ErrorCode

_VERSION = b"v1"
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gridgov-pii", info=purpose).derive(
        secret.encode("utf-8")
    )


@dataclass(frozen=True)
class PiiCipher:
    enc_key: bytes
    idx_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> PiiCipher:
        return cls(enc_key=_derive(secret, b"enc"), idx_key=_derive(secret, b"idx"))

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.enc_key).encrypt(nonce, value.encode("utf-8"), _VERSION)
        return _VERSION.decode() + ":" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        version, _, payload = token.partition(":")
        if version.encode() != _VERSION:
            raise ValueError(f"unknown PII cipher version {version!r}")
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        return AESGCM(self.enc_key).decrypt(raw[:12], raw[12:], _VERSION).decode("utf-8")

    def blind_index(self, normalized: str) -> str:
        return hmac.new(self.idx_key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()


_cipher: PiiCipher | None = None
_TOKEN_CHARS = 32  # 128 bits of HMAC per token: collisions are negligible, rows stay small


def cipher() -> PiiCipher:
    """The process's cipher, from the environment on first use (see ``configure``)."""
    global _cipher
    if _cipher is None:
        _cipher = PiiCipher.from_secret(load_settings().pii_key)
    return _cipher


def configure(secret: str) -> None:
    global _cipher
    _cipher = PiiCipher.from_secret(secret)


def normalize_phone(raw: str) -> str:
    """Mainland mobile numbers, accepting spaces, dashes and a +86/86 prefix."""
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _PHONE.match(digits):
        raise DomainError(ErrorCode.PHONE_INVALID)
    return digits


def normalize_id_number(raw: str) -> str:
    """18-digit resident ID numbers (GB 11643) with a valid check digit."""
    value = raw.strip().upper()
    if not _ID18.match(value):
        raise DomainError(ErrorCode.ID_NUMBER_INVALID)
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise DomainError(ErrorCode.ID_NUMBER_INVALID)
    return value


def id_check_digit(first17: str) -> str:
    """The check digit for 17 digits; used to make valid synthetic ID numbers."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_id_number(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "****"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜: keeps enough for a neighbour to recognise, no more."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class SealedPii:
    enc: str | None
    hash: str | None


def seal_phone(raw: str | None) -> SealedPii:
    if not raw:
        return SealedPii(None, None)
    phone = normalize_phone(raw)
    c = cipher()
    return SealedPii(c.encrypt(phone), c.blind_index(phone))


def seal_id_number(raw: str | None) -> SealedPii:
    if not raw:
        return SealedPii(None, None)
    number = normalize_id_number(raw)
    c = cipher()
    return SealedPii(c.encrypt(number), c.blind_index(number))


def phone_lookup_hash(raw: str) -> str:
    return cipher().blind_index(normalize_phone(raw))


def id_number_lookup_hash(raw: str) -> str:
    return cipher().blind_index(normalize_id_number(raw))


def seal_text(value: str) -> str:
    """A name or address at rest; the empty string stays empty (it identifies no one)."""
    return cipher().encrypt(value) if value else ""


def open_text(sealed: str | None) -> str:
    return cipher().decrypt(sealed) if sealed else ""


def _fold(text: str) -> str:
    return text.strip().lower()


def _token(kind: str, part: str) -> str:
    return cipher().blind_index(kind + ":" + part)[:_TOKEN_CHARS]


def name_tokens(name: str) -> set[str]:
    """Index tokens of a name: each character and each neighbouring pair (no whole-name
    token: it would add nothing to search and would show which residents share a name)."""
    folded = _fold(name)
    tokens = {_token("1", ch) for ch in folded}
    tokens.update(_token("2", folded[i : i + 2]) for i in range(len(folded) - 1))
    return tokens


def query_tokens(term: str) -> set[str]:
    """Tokens every name containing ``term`` has: its character (one-character query) or all
    its pairs. Pairs may match a name that lacks the whole term (``ab`` and ``bc`` without
    ``abc``), so callers filter the decrypted candidates with :func:`name_matches`."""
    folded = _fold(term)
    if len(folded) == 1:
        return {_token("1", folded)}
    return {_token("2", folded[i : i + 2]) for i in range(len(folded) - 1)}


def tokens_are_exact(term: str) -> bool:
    """One or two characters: the query's single token matches exactly the names containing
    it, so no decrypting is needed to confirm the candidates."""
    return len(_fold(term)) <= 2


def name_lookup_hash(name: str) -> str:
    """Exact-name equality (owners matched by name within a house unit, developers by name):
    the same keyed hash as phone numbers, of the name as written."""
    return cipher().blind_index("name:" + name)


def name_matches(name: str, term: str) -> bool:
    """The substring rule the search has always had: case-insensitive, literal."""
    return _fold(term) in name.lower()
