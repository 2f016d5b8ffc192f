"""A wrong method gets the site's own 405 page, with the methods that do work in Allow."""

import pytest
from django.core.management import call_command
from django.test import Client

from tests.scheduling.html import Page


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/book/riverside/", "GET"),
        ("get", "/book/riverside/confirm/", "POST"),
        ("put", "/book/riverside/hold/", "POST"),
    ],
)
def test_a_wrong_method_gets_the_sites_own_page(db, method, path, allowed):
    call_command("seed_demo", verbosity=0)
    response = getattr(Client(), method)(path)
    assert response.status_code == 405
    assert allowed in response["Allow"]
    page = Page(response.content.decode())
    assert page.headings(level=1)[0].text == "This page can't be used that way"
    assert "Content-Security-Policy" in response
