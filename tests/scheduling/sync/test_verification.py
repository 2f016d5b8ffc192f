"""The app's verifier against the sandbox's signer: two implementations of Healthie's signature
that share no code, so a mistake in one shows up as a refusal here."""

import base64
import hashlib
import hmac
import json

import pytest

from integrations.healthie.sandbox.app import signed_headers
from scheduling.sync import verification

SECRET = "whsec_test-secret"
PATH = "/webhooks/healthie/"
BODY = json.dumps(
    {
        "resource_id": "50001",
        "resource_id_type": "Appointment",
        "event_type": "appointment.updated",
        "changed_fields": ["date"],
    }
).encode()


def delivery(body=BODY, *, path=PATH, query="", headers=None):
    headers = headers if headers is not None else signed_headers(SECRET, "POST", path, query, body)
    return verification.Delivery(method="POST", path=path, query=query, headers=headers, body=body)


def hand_signed(body: bytes, *, digest: str, length: int, secret=SECRET, path=PATH) -> dict:
    """Headers signed over components we choose (a sender with one of the sample's bugs)."""
    signed = f"post {path}  {digest} application/json {length}"
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return {"Content-Digest": f"sha-256={digest}", "Signature": f"sig1={signature}"}


def refusal(candidate, secrets=(SECRET,)) -> str:
    with pytest.raises(verification.Refused) as refused:
        verification.verify(candidate, secrets)
    return refused.value.reason


def test_a_delivery_signed_as_healthie_signs_is_accepted():
    verification.verify(delivery(), [SECRET])
    verification.verify(delivery(query="practice=1"), ["an-old-secret", SECRET])


def test_the_digest_keeps_its_padding():
    # A SHA-256 digest is 32 bytes: its base64 always ends in "=", which a split on every "="
    # would lose. The signed string carries it too.
    assert signed_headers(SECRET, "POST", PATH, "", BODY)["Content-Digest"].endswith("=")
    padded = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    verification.verify(
        delivery(headers=hand_signed(BODY, digest=padded, length=len(BODY))), [SECRET]
    )


def test_forged_and_altered_deliveries_are_refused_each_for_its_reason():
    padded = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    altered = BODY.replace(b"50001", b"50002")
    assert len(altered) == len(BODY)
    wrong_secret = signed_headers("not-the-secret", "POST", PATH, "", BODY)
    other_path = signed_headers(SECRET, "POST", "/webhooks/healthie", "", BODY)
    assert refusal(delivery(headers=wrong_secret)) == "signature_mismatch"
    assert refusal(delivery(altered, headers=signed_headers(SECRET, "POST", PATH, "", BODY))) == (
        "digest_mismatch"
    )
    unpadded = hand_signed(BODY, digest=padded.rstrip("="), length=len(BODY))
    assert refusal(delivery(headers=unpadded)) == "digest_mismatch"
    assert refusal(delivery(headers=other_path)) == "signature_mismatch"
    longer = hand_signed(BODY, digest=padded, length=len(BODY) + 1)
    assert refusal(delivery(headers=longer)) == "signature_mismatch"
    declared = {**signed_headers(SECRET, "POST", PATH, "", BODY), "Content-Length": "999"}
    assert refusal(delivery(headers=declared)) == "length_mismatch"
    for missing in ("Signature", "Content-Digest"):
        headers = signed_headers(SECRET, "POST", PATH, "", BODY)
        del headers[missing]
        assert refusal(delivery(headers=headers)) == "missing_headers"
    assert refusal(delivery(), secrets=("",)) == "no_secret_configured"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("Signature", "sig1=", "bad_signature"),
        ("Signature", "sig1=ZZZZ", "bad_signature"),
        ("Signature", "sig2=" + "0" * 64, "bad_signature"),
        ("Content-Digest", "sha-512=abc=", "bad_digest"),
        ("Content-Digest", "sha-256", "bad_digest"),
    ],
)
def test_malformed_headers_are_refused(name, value, reason):
    headers = {**signed_headers(SECRET, "POST", PATH, "", BODY), name: value}
    assert refusal(delivery(headers=headers)) == reason
