"""Generated bad input across every public endpoint (issue 13, "Done when"): hypothesis sends
at least 2,000 hostile requests to the booking pages, their htmx partials and posts, the manage
pages and posts, the confirmation page, its .ics and polled links, the questionnaire link and
both webhooks, on PostgreSQL with the sandbox behind. Every answer must be below 500, and a
refused request (4xx) must store nothing: the rows of every table are counted before and after.

Deterministic (derandomize, no example database) and quick: Django's test client in-process.
Rate limits are off here (tests/security covers them): they would answer 429 before the code
under test ran. Valid step tokens and links are mixed in, so the generated values reach the
forms, the services and the vendors' answers rather than stopping at the first check.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.sync import selectors as sync_selectors
from tests.scheduling.conftest import NEW_YORK, ORIGIN, VIDEO, Patient, days_ahead, hidden
from tests.scheduling.manage.helpers import Manager, book

MINIMUM_INPUTS = 2000
QUALIPHY_SECRET = "qualiphy-url-secret"
HEALTHIE_SECRET = "healthie-signing-secret"

pytestmark = pytest.mark.django_db(transaction=True)

# -- generated values --------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "%ff%fe",
    "9999-12-31",
    "0001-01-01",
    "9999-12",
    "0000-00",
    "2026-02-30",
    "2026-13",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999",
    "<script>alert(1)</script>",
    "'\"><img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202eevil",
    "\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a" * 5000,
    "Mars/Olympus_Mons",
    "Etc/GMT+14",
    "America/New_York",
    "UTC",
    "2026-12-07T09:00:00-05:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "\r\nSet-Cookie: x=1",
    "[]",
    "{}",
    "null",
    "true",
    "any",
    "taken",
    "expired",
    "unavailable",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
JUNK = st.one_of(
    st.sampled_from(NASTY),
    TEXT,
    st.integers().map(str),
    st.dates(min_value=date(1, 1, 1)).map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)


def maybe(valid: list[str]):
    """Mostly a value the page would send, else junk: both the deep and the shallow paths."""
    return st.one_of(st.sampled_from(valid), JUNK) if valid else JUNK


def query(valid: dict[str, list[str]]):
    """A query or form: each known key present or not, valid or junk, plus unknown keys."""
    known = st.fixed_dictionaries({}, optional={key: maybe(v) for key, v in valid.items()})
    extra = st.dictionaries(TEXT, JUNK, max_size=2)
    return st.tuples(known, extra).map(lambda both: {**both[1], **both[0]})


def segment():
    """A path segment: junk, URL-quoted (raw %-escapes included)."""
    return st.one_of(
        JUNK.map(lambda s: quote(s, safe="")),
        st.sampled_from(["%00", "%ff", "%2e%2e", "..", "%2F", "a%00b"]),
    )


def tampered(token: str):
    """A valid signed token with one character changed, cut short, or doubled."""
    if not token:
        return st.just("")
    return st.one_of(
        st.integers(0, len(token) - 1).map(
            lambda i: token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        ),
        st.integers(0, len(token)).map(lambda i: token[:i]),
        st.just(token + token),
        st.just(token.replace(":", "")),
    )


def json_value():
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
        st.sampled_from(NASTY),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=12,
    )


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BODIES = st.one_of(
    json_value().map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.sampled_from([deep(100_000), b'{"event": ' * 5000, b"\xff\xfe\x00", b"", b"{" * 3]),
)

# -- the requests --------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the suite sent and what came back: the count and any broken answer."""

    count: int = 0
    by_group: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    group: str
    method: str
    path: str
    data: dict | bytes | None = None
    headers: dict = field(default_factory=dict)
    content_type: str = ""

    def __repr__(self) -> str:  # hypothesis prints failing examples: keep a 200 kB body short
        return (
            f"Request({self.method} {self.path[:200]!r}, {repr(self.data)[:300]}, {self.headers})"
        )


# Pages a patient opens: a refusal there is the site's own page (its layout), not a bare answer.
PATIENT_PAGES = {
    "booking pages",
    "booking posts",
    "confirmation",
    "manage pages",
    "manage posts",
    "cancel reason",
}


def table_counts() -> tuple[int, ...]:
    """Rows in every table of every model, in one round trip."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
        & set(connection.introspection.table_names())
    )
    # Table names from Django's own model registry, quoted: no outside input in this SQL.
    counts = (f"(SELECT count(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    sql = "SELECT " + ", ".join(counts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def send(client: Client, request: Request, sent: Sent):
    before = table_counts()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()}
    if request.method == "GET" and not isinstance(request.data, bytes):
        response = client.get(request.path, request.data or {}, **headers)
    elif isinstance(request.data, bytes):
        response = client.generic(
            request.method, request.path, request.data, request.content_type, **headers
        )
    else:
        method = getattr(client, request.method.lower())
        response = method(request.path, request.data or {}, **headers)
    sent.count += 1
    sent.by_group[request.group] = sent.by_group.get(request.group, 0) + 1
    where = repr(request)
    assert response.status_code < 500, f"{response.status_code} for {where}"
    if 400 <= response.status_code < 500:
        assert table_counts() == before, f"a refused request stored rows: {where}"
        if request.group in PATIENT_PAGES and "HX-Request" not in request.headers:
            assert 'class="skip-link"' in response.content.decode(), f"not our page: {where}"
    return response


def drive(client: Client, sent: Sent, strategy, examples: int) -> None:
    """`examples` generated requests from `strategy`, each sent and checked."""

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def each(request: Request):
        send(client, request, sent)

    each()


# -- what the generated requests are built on ------------------------------------------------------


@dataclass
class Valid:
    """Real values from a real run through the pages, to mix with the junk."""

    slug: str
    flow: dict[str, list[str]]
    times_token: str
    slots: list[str]
    details_token: str
    confirm_token: str
    hold: str
    reference: str
    manage_token: str
    manage_times_token: str
    cancel_token: str
    review_token: str


@pytest.fixture
def valid(pages, sandbox) -> Valid:
    patient = Patient()
    times_response = patient.times_page()
    page = times_response.content.decode()
    hold_response, slot = patient.hold(times_response)
    details = patient.details_page(hold_response)
    review = patient.submit_details(details)
    booking = book(skip=1)
    manager = Manager(booking)
    manage_times = manager.times_page()
    cancel = manager.get("cancel/")
    moved_hold, _ = manager.hold(manager.times_page())
    review_page = manager.review(moved_hold)
    day = days_ahead(5).isoformat()
    return Valid(
        slug="riverside",
        flow={
            "type": ["301", "302", "303"],
            "contact": [VIDEO, "In Person", "Phone Call"],
            "provider": ["101", "102", "any"],
            "tz": [NEW_YORK, "America/Chicago", "Europe/London"],
            "tz_detected": ["1", "0"],
            "month": [day[:7]],
            "day": [day],
            "notice": ["taken", "expired", "unavailable"],
            "first_name": ["Ada"],
            "email": ["ada@example.com"],
        },
        times_token=hidden(page, "form_token"),
        slots=[slot],
        details_token=hidden(details.content.decode(), "details_token"),
        confirm_token=hidden(review.content.decode(), "confirm_token"),
        hold=hold_response["Location"].split("hold=")[1].split("&")[0],
        reference=booking.reference,
        manage_token=booking.manage_token,
        manage_times_token=hidden(manage_times.content.decode(), "form_token"),
        cancel_token=hidden(cancel.content.decode(), "form_token"),
        review_token=hidden(review_page.content.decode(), "form_token"),
    )


def booking_pages(v: Valid):
    steps = ["", "contact/", "provider/", "calendar/", "times/", "details/"]
    flow = {**v.flow, "hold": [v.hold]}
    return st.builds(
        lambda step, slug, params, htmx: Request(
            "booking pages",
            "GET",
            f"/book/{slug}/{step}",
            params,
            {"HX-Request": "true"} if htmx else {},
        ),
        st.sampled_from(steps),
        st.one_of(st.just(v.slug), st.just("dr-chen"), segment()),
        query(flow),
        st.booleans(),
    ) | st.builds(
        lambda path, params: Request("booking pages", "GET", path, params),
        st.sampled_from(["/", "/book/", "/healthz", f"/book/{v.slug}/brand.css"]),
        query({"type": v.flow["type"]}),
    )


def booking_posts(v: Valid):
    patient = ["first_name", "last_name", "email", "phone", "date_of_birth", "patient_state"]
    details = {
        "details_token": [v.details_token],
        **{k: ["Ada", "ada@example.com", "555-123-4567", "1990-01-01", "NY"] for k in patient},
        "edit": ["1"],
    }

    def post(step: str, form):
        return st.builds(
            lambda data, origin: Request(
                "booking posts", "POST", f"/book/{v.slug}/{step}/", data, {"Origin": origin}
            ),
            form,
            st.sampled_from([ORIGIN, ORIGIN, ORIGIN, "null", "https://evil.example", ""]),
        )

    tokens = {"form_token": [v.times_token], "slot": v.slots, "tz": v.flow["tz"]}
    return st.one_of(
        post("hold", query(tokens)),
        post("hold", st.fixed_dictionaries({"form_token": tampered(v.times_token), "slot": JUNK})),
        post("details", query(details)),
        post("details", st.fixed_dictionaries({"details_token": tampered(v.details_token)})),
        post("confirm", st.fixed_dictionaries({"confirm_token": tampered(v.confirm_token)})),
        post("confirm", query({"confirm_token": []})),
    )


def confirmation(v: Valid):
    tails = ["", "calendar.ics", "access/"]
    return st.builds(
        lambda slug, reference, tail, params, htmx: Request(
            "confirmation",
            "GET",
            f"/book/{slug}/booked/{reference}/{tail}",
            params,
            {"HX-Request": "true"} if htmx else {},
        ),
        st.one_of(st.just(v.slug), segment()),
        st.one_of(st.just(v.reference), segment(), tampered(v.reference)),
        st.sampled_from(tails),
        query({"changed": ["rescheduled", "cancelled"]}),
        st.booleans(),
    )


def manage_pages(v: Valid):
    steps = ["", "reschedule/", "reschedule/times/", "reschedule/review/", "cancel/"]
    params = {
        "tz": v.flow["tz"],
        "month": v.flow["month"],
        "day": v.flow["day"],
        "hold": [v.hold],
        "notice": v.flow["notice"],
    }
    return st.builds(
        lambda token, step, query_params, htmx: Request(
            "manage pages",
            "GET",
            f"/manage/{token}/{step}",
            query_params,
            {"HX-Request": "true"} if htmx else {},
        ),
        st.one_of(st.just(v.manage_token), st.just(v.manage_token), segment()),
        st.one_of(st.sampled_from(steps), segment().map(lambda s: f"{s}/")),
        query(params),
        st.booleans(),
    )


def manage_posts(v: Valid):
    def post(step: str, form):
        return st.builds(
            lambda token, data: Request(
                "manage posts", "POST", f"/manage/{token}/{step}", data, {"Origin": ORIGIN}
            ),
            st.one_of(st.just(v.manage_token), st.just(v.manage_token), segment()),
            form,
        )

    def forged(token: str, **more):
        return st.fixed_dictionaries({"form_token": tampered(token), **more})

    return st.one_of(
        post("reschedule/hold/", query({"form_token": [v.manage_times_token], "slot": []})),
        post("reschedule/hold/", forged(v.manage_times_token, slot=JUNK)),
        post("reschedule/confirm/", forged(v.review_token)),
        post("cancel/", forged(v.cancel_token, reason=JUNK)),
        post("cancel/", query({"reason": []})),
    )


def cancel_with_a_valid_token(v: Valid):
    """The cancel step's free text reaches the database: NUL bytes, 5,000 characters, markup."""
    return st.builds(
        lambda reason: Request(
            "cancel reason",
            "POST",
            f"/manage/{v.manage_token}/cancel/",
            {"form_token": v.cancel_token, "reason": reason},
            {"Origin": ORIGIN},
        ),
        st.one_of(st.just("a\x00b" * 300), JUNK),
    )


def questionnaire(v: Valid):
    return st.builds(
        lambda reference: Request("questionnaire", "GET", f"/questionnaire/{reference}/"),
        st.one_of(st.just(v.reference), segment(), tampered(v.reference)),
    )


def qualiphy_webhook(v: Valid):
    events = st.fixed_dictionaries(
        {
            "event": st.one_of(
                st.sampled_from([1, 2, 3, 0, -1, 70000, 10**22, "1", None, 1.5]), json_value()
            ),
            "patient_exam_id": st.one_of(st.sampled_from(["1", "123456", 7]), json_value()),
        },
        optional={
            "exam_status": st.one_of(
                st.sampled_from(["Approved", "Rejected", "NA", "Missed", "x" * 10_000]), JUNK
            ),
            "exam_url": JUNK,
            "additional_data": json_value(),
        },
    ).map(lambda e: json.dumps(e).encode())
    return st.builds(
        lambda secret, body: Request(
            "qualiphy webhook",
            "POST",
            f"/webhooks/qualiphy/{secret}/",
            body,
            content_type="application/json",
        ),
        st.one_of(st.just(QUALIPHY_SECRET), st.just(QUALIPHY_SECRET), segment()),
        st.one_of(events, BODIES),
    )


def healthie_signed(path: str, body: bytes, secret: str) -> dict:
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    signed = f"post {path}  {digest} application/json {len(body)}".encode()
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"Content-Digest": f"sha-256={digest}", "Signature": f"sig1={signature}"}


def healthie_webhook(v: Valid):
    events = st.fixed_dictionaries(
        {},
        optional={
            "event_type": st.one_of(
                st.sampled_from(["appointment.updated", "patient.created", ""]), json_value()
            ),
            "resource_id": st.one_of(st.sampled_from(["1", "x" * 40, 5]), json_value()),
            "resource_id_type": json_value(),
            "changed_fields": json_value(),
        },
    ).map(lambda e: json.dumps(e).encode())

    def request(path, body, how):
        if how == "signed":
            headers = healthie_signed(path, body, HEALTHIE_SECRET)
        elif how == "wrong key":
            headers = healthie_signed(path, body, "not-the-secret")
        else:
            headers = {"Content-Digest": "sha-256=" + how, "Signature": "sig1=" + how}
        return Request("healthie webhook", "POST", path, body, headers, "application/json")

    return st.builds(
        request,
        st.sampled_from(["/webhooks/healthie/", "/webhooks/healthie"]),
        st.one_of(events, BODIES),
        st.one_of(st.sampled_from(["signed", "signed", "wrong key"]), JUNK),
    )


def odd_methods(v: Valid):
    paths = [
        f"/book/{v.slug}/",
        f"/book/{v.slug}/hold/",
        f"/book/{v.slug}/confirm/",
        f"/book/{v.slug}/booked/{v.reference}/",
        f"/manage/{v.manage_token}/",
        f"/manage/{v.manage_token}/cancel/",
        f"/questionnaire/{v.reference}/",
        f"/webhooks/qualiphy/{QUALIPHY_SECRET}/",
        "/webhooks/healthie/",
    ]
    return st.builds(
        lambda method, path, body: Request("odd methods", method, path, body, {}, "text/plain"),
        st.sampled_from(["PUT", "PATCH", "DELETE", "OPTIONS", "POST", "GET"]),
        st.sampled_from(paths),
        st.binary(max_size=50),
    )


# How many requests each group sends (hypothesis may stop a small space early: the total is
# asserted on what was actually sent).
PLAN = [
    (booking_pages, 500),
    (booking_posts, 350),
    (confirmation, 200),
    (manage_pages, 300),
    (manage_posts, 200),
    (questionnaire, 100),
    (qualiphy_webhook, 200),
    (healthie_webhook, 200),
    (odd_methods, 100),
    (cancel_with_a_valid_token, 50),  # last: it cancels the booking the others use
]


@override_settings(
    RATE_LIMITS={},
    QUALIPHY_WEBHOOK_SECRET=QUALIPHY_SECRET,
    HEALTHIE_WEBHOOK_SECRET=HEALTHIE_SECRET,
)
def test_every_public_endpoint_answers_generated_bad_input_without_a_500_or_a_stored_row(
    valid,
):
    sync_selectors.sync_status()  # the staff status row exists: refusals only update it
    client, sent = Client(raise_request_exception=False), Sent()  # a 500 is an answer here
    for group, examples in PLAN:
        drive(client, sent, group(valid), examples)
    assert sent.count >= MINIMUM_INPUTS, sent.by_group
    assert len(sent.by_group) == len(PLAN), sent.by_group
