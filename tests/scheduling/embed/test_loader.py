"""The widget's loader at /embed.js (issue 11): one fixed URL, so a short max-age and an ETag,
compressed, small, dependency-free; the code staff copy points at it; and neither side of the
widget ever posts a message to "*"."""

import gzip
import re
from pathlib import Path

import brotli
import pytest
from django.test import Client

from scheduling.common.embed import LOADER_MAX_AGE, snippet

STATIC = Path(__file__).resolve().parents[3] / "static" / "scheduling"
SOURCE = (STATIC / "embed.js").read_bytes()


def test_the_loader_is_served_at_embed_js_with_short_caching_and_an_etag(db):
    client = Client()
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.content == SOURCE
    assert "Content-Encoding" not in response
    assert f"max-age={LOADER_MAX_AGE}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    etag = response["ETag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)
    again = client.get("/embed.js", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    stale = client.get("/embed.js", HTTP_IF_NONE_MATCH='W/"0123"')
    assert stale.status_code == 200


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, deflate", "gzip", gzip.decompress), ("gzip, br", "br", brotli.decompress)],
)
def test_the_loader_is_compressed_when_the_browser_accepts_it(db, accept, encoding, decode):
    response = Client().get("/embed.js", HTTP_ACCEPT_ENCODING=accept)
    assert response["Content-Encoding"] == encoding
    assert decode(response.content) == SOURCE
    assert len(response.content) < 3000  # small: well under 3 KB on the wire


def test_the_loader_answers_get_and_head_only(db):
    assert Client().head("/embed.js").status_code == 200
    assert Client().post("/embed.js").status_code == 405


def test_the_loader_has_no_dependency_and_nothing_a_strict_policy_refuses():
    source = SOURCE.decode()
    assert "import " not in source and "require(" not in source
    assert "eval(" not in source and "new Function" not in source
    assert "innerHTML" not in source
    assert 'setAttribute("style"' not in source and "cssText" not in source


@pytest.mark.parametrize("name", ["embed.js", "booking.js"])
def test_messages_go_to_an_exact_origin_never_to_any(name):
    source = (STATIC / name).read_text()
    calls = re.findall(r"postMessage\(([^;]*)\)", source)
    assert calls, "no postMessage at all"
    for call in calls:
        target = call.rsplit(",", 1)[-1].strip()
        assert target in {"app", "host"}, call
    assert '"*"' not in "".join(calls) and "'*'" not in "".join(calls)


def test_the_code_staff_copy_loads_the_loader_from_this_app():
    inline = snippet(base_url="https://book.example/", slug="riverside")
    assert inline == (
        '<script src="https://book.example/embed.js" data-booking-page="riverside" async></script>'
    )
    popup = snippet(base_url="https://book.example", slug="riverside", popup=True)
    assert 'data-booking-page="riverside" data-booking-mode="popup"' in popup
    assert '<script src="https://book.example/embed.js" async></script>' in popup
    hostile = snippet(base_url="https://book.example", slug='x"><script>')
    assert "<script>" not in hostile.replace("<script src", "")
