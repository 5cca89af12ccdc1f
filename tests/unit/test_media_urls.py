"""Time-limited photo URLs: the app's own HMAC signing, and S3 presigning (checked here,
because the test S3 peer checks no signatures)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from backend import clock
from backend.errors import DomainError
from media.signing import UrlSigner
from media.storage import LocalStorage, S3Storage, open_storage

KEY = "display/ab/" + "ab" * 32 + ".jpg"
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SECRET = "s" * 40


def reason(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == "media_link_invalid" and caught.value.status == 403
    return str(caught.value.data["reason"])


def test_signed_url_is_valid_until_its_expiry_and_not_after():
    signer = UrlSigner(SECRET)
    expires, signature = signer.sign(KEY, NOW + timedelta(minutes=15))
    signer.verify(KEY, expires, signature, NOW)
    signer.verify(KEY, expires, signature, NOW + timedelta(minutes=14, seconds=59))
    assert reason(lambda: signer.verify(KEY, expires, signature, NOW + timedelta(minutes=15))) == (
        "expired"
    )


def test_changing_key_expiry_or_signature_breaks_the_url():
    signer = UrlSigner(SECRET)
    expires, signature = signer.sign(KEY, NOW + timedelta(minutes=15))
    other_key = KEY.replace("display/", "thumb/")
    assert reason(lambda: signer.verify(other_key, expires, signature, NOW)) == "bad signature"
    assert reason(lambda: signer.verify(KEY, expires + 3600, signature, NOW)) == "bad signature"
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert reason(lambda: signer.verify(KEY, expires, flipped, NOW)) == "bad signature"
    assert reason(lambda: signer.verify(KEY, expires, "", NOW)) == "bad signature"
    assert reason(lambda: signer.verify(KEY, expires, "☃" * 43, NOW)) == "bad signature"


def test_forged_expired_url_learns_only_that_its_signature_is_bad():
    signer = UrlSigner(SECRET)
    expires, _ = signer.sign(KEY, NOW - timedelta(minutes=1))
    assert reason(lambda: signer.verify(KEY, expires, "x" * 43, NOW)) == "bad signature"


def test_another_installations_secret_does_not_verify():
    expires, signature = UrlSigner(SECRET).sign(KEY, NOW + timedelta(minutes=5))
    assert reason(lambda: UrlSigner("t" * 40).verify(KEY, expires, signature, NOW)) == (
        "bad signature"
    )


def test_media_signature_is_not_a_plain_hmac_of_the_secret():
    """The key is derived for this purpose, so the secret's other uses cannot be replayed."""
    expires, signature = UrlSigner(SECRET).sign(KEY, NOW)
    plain = hmac.new(SECRET.encode(), f"{KEY}\n{expires}".encode(), hashlib.sha256).hexdigest()
    assert signature != plain


def test_local_url_carries_key_expiry_and_signature(tmp_path: Path):
    clock.freeze(NOW)
    storage = open_storage(f"file://{tmp_path}", SECRET)
    assert isinstance(storage, LocalStorage)
    url = storage.url(KEY, timedelta(seconds=900))
    path, _, query = url.partition("?")
    assert path == f"/api/v1/media/objects/{KEY}"
    params = dict(parse_qsl(query))
    assert int(params["exp"]) == int(NOW.timestamp()) + 900
    storage.signer.verify(KEY, int(params["exp"]), params["sig"], NOW)


def _sigv4_signature(url: str, secret: str) -> tuple[str, str]:
    """(expected, actual) AWS SigV4 query signature of a presigned GET, computed from scratch."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    actual = dict(params)["X-Amz-Signature"]
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(params)
        if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    amz_date = dict(params)["X-Amz-Date"]
    scope = dict(params)["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return expected, actual


def test_presigned_get_is_a_valid_sigv4_url_made_without_the_store():
    # port 9 (discard) has no S3 behind it: presigning must not need a round trip
    storage = open_storage(
        "s3://AKIDTEST:secret%2Fkey@127.0.0.1:9/photos?region=cn-north-1&secure=0", SECRET
    )
    assert isinstance(storage, S3Storage)
    url = storage.url(KEY, timedelta(seconds=900))
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:9", f"/photos/{KEY}")
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-Expires"] == "900"
    assert params["X-Amz-SignedHeaders"] == "host"
    access_key, date, region, service, terminal = params["X-Amz-Credential"].split("/")
    assert (access_key, region, service, terminal) == (
        "AKIDTEST",
        "cn-north-1",
        "s3",
        "aws4_request",
    )
    assert params["X-Amz-Date"].startswith(date)
    expected, actual = _sigv4_signature(url, "secret/key")
    assert actual == expected
    forged_expiry = url.replace("X-Amz-Expires=900", "X-Amz-Expires=86400")
    assert _sigv4_signature(forged_expiry, "secret/key")[0] != actual


def test_presigned_url_is_capped_at_seven_days_and_signed_for_the_public_host():
    storage = open_storage(
        "s3://AK:SK@minio:9000/photos?region=us-east-1&secure=0"
        "&public_host=img.example.cn&public_secure=1",
        SECRET,
    )
    url = storage.url(KEY, timedelta(days=30))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "img.example.cn")
    assert dict(parse_qsl(parts.query))["X-Amz-Expires"] == str(7 * 24 * 3600)
    expected, actual = _sigv4_signature(url, "SK")
    assert actual == expected
