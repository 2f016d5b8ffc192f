"""The real BetterPT client against the BetterPT sandbox over real HTTP.

Rooms, the session-started rule, outreach only when asked, token caching and refresh, faults.
Seed (integrations/betterpt/sandbox/app.py): two rooms, one cancelled.
"""

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.betterpt import client as betterpt_client
from integrations.betterpt.client import token_cache_key
from integrations.betterpt.types import Outreach
from integrations.errors import (
    ContractError,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
)
from integrations.transport import NO_RETRY

SEED_ROOMS = 2
SEEDED_UID = "5e1d0a7c-0000-4000-8000-000000000001"
WRITE_FAULTS = ["http_500", "timeout", "reset", "malformed"]


def at(days: float, hour: int = 15) -> datetime:
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def state(sandbox) -> dict:
    return sandbox.configure("betterpt")


def create(betterpt, **options):
    options.setdefault("start", at(3))
    options.setdefault("time_zone", "America/New_York")
    options.setdefault("display_name", "Dana Rivera, PT")
    return betterpt.create_video_room(**options)


# --- rooms ----------------------------------------------------------------------------------


def test_a_room_is_created_read_rescheduled_and_cancelled(betterpt, sandbox):
    start = at(3)
    room = create(betterpt, start=start)
    assert room.start == start
    assert (room.time_zone, room.display_name, room.status) == (
        "America/New_York",
        "Dana Rivera, PT",
        "SCHEDULED",
    )
    assert room.patient_link != room.provider_link
    assert room.opens_at == start - timedelta(minutes=5)
    assert room.ends_at == start + timedelta(minutes=60)
    assert room.did_patient_attend is None  # filled in ~2 h after the start
    assert "link" not in repr(room)

    assert betterpt.video_room(room.uid) == room

    later = at(4, hour=17)
    moved = betterpt.reschedule_video_room(uid=room.uid, start=later)
    assert (moved.uid, moved.start) == (room.uid, later)

    cancelled = betterpt.cancel_video_room(room.uid)
    assert cancelled is not None and cancelled.status == "CANCELLED"
    assert betterpt.video_room(room.uid).status == "CANCELLED"
    assert state(sandbox)["rooms"] == SEED_ROOMS + 1


def test_the_links_open_the_room_page(betterpt):
    room = create(betterpt)
    for link in (room.patient_link, room.provider_link):
        page = httpx.get(link, timeout=5)
        assert page.status_code == 200
        assert "BetterPT video room" in page.text
        assert "opens five minutes before" in page.text


def test_an_unknown_room_is_none(betterpt):
    assert betterpt.video_room("no-such-room") is None
    assert betterpt.video_room(SEEDED_UID).display_name == "Dana Rivera, PT"


def test_outreach_fields_are_sent_only_when_asked(betterpt, sandbox):
    quiet = create(betterpt)
    loud = create(
        betterpt,
        outreach=Outreach(
            clinic_name="Riverside Physio",
            patient_email="pat.doe@example.com",
            patient_phone="+15552223232",
        ),
    )
    rooms = {r["uid"]: r for r in state(sandbox)["room_list"]}
    assert (rooms[quiet.uid]["outreach"], rooms[quiet.uid]["notices"]) == (False, [])
    assert (rooms[loud.uid]["outreach"], rooms[loud.uid]["notices"]) == (True, ["confirmation"])
    betterpt.reschedule_video_room(uid=loud.uid, start=at(5))
    betterpt.cancel_video_room(loud.uid)
    rooms = {r["uid"]: r for r in state(sandbox)["room_list"]}
    assert rooms[loud.uid]["notices"] == ["confirmation", "reschedule", "cancellation"]


def test_outreach_needs_a_clinic_name_and_a_way_to_reach_the_patient():
    with pytest.raises(ValueError):
        Outreach(clinic_name="Riverside Physio")
    with pytest.raises(ValueError):
        Outreach(clinic_name=" ", patient_email="pat.doe@example.com")
    with pytest.raises(ValueError):
        Outreach(clinic_name="Riverside Physio", patient_email="not-an-email")
    assert "example.com" not in repr(
        Outreach(clinic_name="Riverside Physio", patient_email="pat.doe@example.com")
    )


def test_bad_arguments_fail_before_any_call(betterpt, sandbox):
    with pytest.raises(ValueError):
        create(betterpt, time_zone="America/Nowhere")
    with pytest.raises(ValueError):
        create(betterpt, start=datetime(2027, 1, 5, 15, 0))  # naive
    assert sandbox.calls(vendor="betterpt") == []


def test_a_session_that_has_started_cannot_be_rescheduled_or_cancelled(betterpt, sandbox):
    start = at(2)
    room = create(betterpt, start=start)
    sandbox.set_clock((start - timedelta(minutes=4)).isoformat())
    assert betterpt.video_room(room.uid).status == "OPEN"  # open 5 minutes before the start
    sandbox.set_clock((start + timedelta(minutes=1)).isoformat())
    with pytest.raises(RejectedError) as refused:
        betterpt.reschedule_video_room(uid=room.uid, start=at(6))
    assert refused.value.code == "BAD_USER_INPUT"
    assert "started" in refused.value.messages[0].message
    with pytest.raises(RejectedError):
        betterpt.cancel_video_room(room.uid)
    sandbox.set_clock((start + timedelta(hours=2)).isoformat())
    finished = betterpt.video_room(room.uid)
    assert finished.status == "COMPLETED"
    assert (finished.did_patient_attend, finished.patient_duration) == (False, 0)


def test_documented_refusals_are_rejections(betterpt, sandbox):
    with pytest.raises(RejectedError) as past:
        create(betterpt, start=at(-1))
    assert past.value.code == "BAD_USER_INPUT"
    with pytest.raises(RejectedError) as unknown:
        betterpt.reschedule_video_room(uid="no-such-room", start=at(3))
    assert unknown.value.code == "NOT_FOUND"
    cancelled_seed = "5e1d0a7c-0000-4000-8000-000000000002"
    with pytest.raises(RejectedError):
        betterpt.reschedule_video_room(uid=cancelled_seed, start=at(5))
    assert betterpt.cancel_video_room(cancelled_seed).status == "CANCELLED"  # twice is fine


# --- the access token -----------------------------------------------------------------------


def test_many_calls_and_clients_share_one_token(make_betterpt, sandbox):
    first, second = make_betterpt(), make_betterpt()
    create(first)
    for _ in range(4):
        first.video_room(SEEDED_UID)
        second.video_room(SEEDED_UID)
    assert state(sandbox)["tokens_issued"] == 1
    assert len(sandbox.calls(operation="oauth/token")) == 1
    assert all(c["status"] == 200 for c in sandbox.calls(vendor="betterpt"))


def test_the_token_lives_in_djangos_cache_under_a_key_without_the_secret(betterpt, settings):
    from django.core.cache import cache

    betterpt.video_room(SEEDED_UID)
    key = token_cache_key(betterpt.token_url, betterpt.client_id, betterpt.audience)
    assert settings.BETTERPT_CLIENT_SECRET not in key and betterpt.client_id not in key
    cached = cache.get(key)
    assert isinstance(cached["token"], str) and cached["refresh_at"] > 0
    assert settings.BETTERPT_CLIENT_SECRET not in repr(betterpt)


def test_a_token_is_fetched_again_shortly_before_it_expires(make_betterpt, sandbox):
    sandbox.configure("betterpt", token_lifetime_seconds=600)
    now = [1_000_000.0]
    betterpt = make_betterpt(clock=lambda: now[0])
    betterpt.video_room(SEEDED_UID)
    now[0] += 530  # 600 s minus the 60 s margin is 540 s: still good
    betterpt.video_room(SEEDED_UID)
    assert state(sandbox)["tokens_issued"] == 1
    now[0] += 20  # past 540 s: refreshed before BetterPT would refuse it
    betterpt.video_room(SEEDED_UID)
    assert state(sandbox)["tokens_issued"] == 2
    assert [c["status"] for c in sandbox.calls(operation="partnerVideoRoom")] == [200, 200, 200]


def test_an_expired_token_is_dropped_and_the_call_sent_once_more(betterpt, sandbox):
    sandbox.configure("betterpt", token_lifetime_seconds=3600)
    betterpt.video_room(SEEDED_UID)
    # BetterPT's clock runs past the token's expiry while ours still trusts it.
    sandbox.set_clock((datetime.now(UTC) + timedelta(hours=2)).isoformat())
    room = create(betterpt, start=datetime.now(UTC) + timedelta(days=3))
    assert [c["status"] for c in sandbox.calls(operation="createPartnerVideoRoom")] == [401, 200]
    assert state(sandbox)["tokens_issued"] == 2
    assert state(sandbox)["rooms"] == SEED_ROOMS + 1  # the refused write did not run
    assert betterpt.video_room(room.uid) is not None


def test_revoked_tokens_are_replaced(betterpt, sandbox):
    betterpt.video_room(SEEDED_UID)
    sandbox.configure("betterpt", revoke_tokens=True)
    betterpt.video_room(SEEDED_UID)
    assert [c["status"] for c in sandbox.calls(operation="partnerVideoRoom")] == [200, 401, 200]


def test_a_second_401_is_a_rejection_not_a_loop(betterpt, sandbox):
    sandbox.configure("betterpt", accept_tokens=False)  # the API refuses every token
    with pytest.raises(RejectedError) as refused:
        betterpt.video_room(SEEDED_UID)
    assert refused.value.code == "UNAUTHENTICATED"
    assert [c["status"] for c in sandbox.calls(operation="partnerVideoRoom")] == [401, 401]
    assert state(sandbox)["tokens_issued"] == 2


def test_wrong_credentials_are_rejections(make_betterpt, sandbox):
    with pytest.raises(RejectedError) as wrong_secret:
        make_betterpt(client_secret="not-the-secret").video_room(SEEDED_UID)
    assert wrong_secret.value.code == "access_denied"
    with pytest.raises(RejectedError) as wrong_audience:
        make_betterpt(audience="https://elsewhere.example").video_room(SEEDED_UID)
    assert wrong_audience.value.code == "access_denied"
    assert sandbox.calls(operation="partnerVideoRoom") == []
    assert state(sandbox)["tokens_issued"] == 0


def test_the_token_endpoint_rides_out_transient_faults(betterpt, sandbox):
    sandbox.fault("betterpt", "http_500", operation="oauth/token")
    sandbox.fault("betterpt", "http_429", operation="oauth/token", retry_after=0)
    assert betterpt.video_room(SEEDED_UID) is not None
    assert [c["status"] for c in sandbox.calls(operation="oauth/token")] == [500, 429, 200]


def test_the_token_cache_falls_back_to_the_process_when_djangos_cache_is_down(
    betterpt, sandbox, monkeypatch
):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache server unreachable")

            return fail

    monkeypatch.setattr(betterpt_client, "django_cache", Down())
    for _ in range(3):
        assert betterpt.video_room(SEEDED_UID) is not None
    assert state(sandbox)["tokens_issued"] == 1


def test_logs_carry_no_links_tokens_or_patient_data(betterpt, sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="integrations")
    room = create(
        betterpt,
        outreach=Outreach(clinic_name="Riverside Physio", patient_email="pat.doe@example.com"),
    )
    betterpt.video_room(room.uid)
    sandbox.configure("betterpt", revoke_tokens=True)
    betterpt.video_room(room.uid)
    text = caplog.text
    assert "createPartnerVideoRoom ok" in text
    for secret in ("pat.doe", room.patient_link, room.provider_link, "sbx.", "Bearer"):
        assert secret not in text


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_500", "http_429", "timeout", "reset", "malformed"])
def test_queries_ride_out_transient_faults(make_betterpt, sandbox, kind):
    betterpt = make_betterpt(timeout=0.5)
    sandbox.fault("betterpt", kind, operation="partnerVideoRoom", count=2, timeout_seconds=1)
    assert betterpt.video_room(SEEDED_UID) is not None
    faults = [c["fault"] for c in sandbox.calls(operation="partnerVideoRoom")]
    assert faults == [kind, kind, None]


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_a_create_whose_answer_is_lost_is_not_resent(make_betterpt, sandbox, kind):
    betterpt = make_betterpt(timeout=0.5)
    sandbox.fault(
        "betterpt", kind, operation="createPartnerVideoRoom", when="after", timeout_seconds=1
    )
    with pytest.raises(OutcomeUnknownError):
        create(betterpt)
    assert len(sandbox.calls(operation="createPartnerVideoRoom")) == 1
    # The room exists at BetterPT, unknown to us: there is no query to find it by.
    assert state(sandbox)["rooms"] == SEED_ROOMS + 1


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset"])
def test_a_create_that_failed_before_running_is_still_unknown_to_us(make_betterpt, sandbox, kind):
    betterpt = make_betterpt(timeout=0.5)
    sandbox.fault("betterpt", kind, operation="createPartnerVideoRoom", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        create(betterpt)
    assert len(sandbox.calls(operation="createPartnerVideoRoom")) == 1
    assert state(sandbox)["rooms"] == SEED_ROOMS


def test_a_throttled_create_did_not_run_so_it_is_a_plain_transient_error(make_betterpt, sandbox):
    betterpt = make_betterpt(retry_policy=NO_RETRY)
    sandbox.fault("betterpt", "http_429", operation="createPartnerVideoRoom", retry_after=0)
    with pytest.raises(TransientError) as throttled:
        create(betterpt)
    assert not isinstance(throttled.value, OutcomeUnknownError)
    assert state(sandbox)["rooms"] == SEED_ROOMS


def test_a_throttled_create_is_retried_and_creates_one_room(betterpt, sandbox):
    sandbox.fault("betterpt", "http_429", operation="createPartnerVideoRoom", retry_after=0)
    create(betterpt)
    statuses = [c["status"] for c in sandbox.calls(operation="createPartnerVideoRoom")]
    assert statuses == [429, 200]
    assert state(sandbox)["rooms"] == SEED_ROOMS + 1


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_a_lost_reschedule_is_settled_by_reading_the_room(make_betterpt, sandbox, kind):
    betterpt = make_betterpt(timeout=0.5)
    room = create(betterpt)
    later = at(6)
    sandbox.fault(
        "betterpt", kind, operation="reschedulePartnerVideoRoom", when="after", timeout_seconds=1
    )
    with pytest.raises(OutcomeUnknownError):
        betterpt.reschedule_video_room(uid=room.uid, start=later)
    assert len(sandbox.calls(operation="reschedulePartnerVideoRoom")) == 1
    assert betterpt.video_room(room.uid).start == later  # it happened: nothing to resend


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_a_lost_cancel_is_not_resent(make_betterpt, sandbox, kind):
    betterpt = make_betterpt(timeout=0.5)
    room = create(betterpt)
    sandbox.fault(
        "betterpt", kind, operation="cancelPartnerVideoRoom", when="after", timeout_seconds=1
    )
    with pytest.raises(OutcomeUnknownError):
        betterpt.cancel_video_room(room.uid)
    assert len(sandbox.calls(operation="cancelPartnerVideoRoom")) == 1
    assert betterpt.video_room(room.uid).status == "CANCELLED"


def test_a_malformed_query_answer_that_persists_stays_transient(make_betterpt, sandbox):
    betterpt = make_betterpt()
    sandbox.fault("betterpt", "malformed", operation="partnerVideoRoom", count=None)
    with pytest.raises(TransientError):
        betterpt.video_room(SEEDED_UID)
    assert len(sandbox.calls(operation="partnerVideoRoom")) == 4


def test_a_document_betterpt_refuses_is_a_contract_error(betterpt, monkeypatch):
    document, is_write = betterpt._operations["partnerVideoRoom"]
    broken = document.replace("status", "roomState")
    monkeypatch.setitem(betterpt._operations, "partnerVideoRoom", (broken, is_write))
    with pytest.raises(ContractError):
        betterpt.video_room(SEEDED_UID)
