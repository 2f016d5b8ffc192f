"""Provisioning: after a booking is confirmed, set up what its appointment type needs elsewhere.

One Provision row per part (video room, questionnaire, exams). `provision_run` does one part's
work and is safe to run any number of times, concurrently or after a crash:
- a lease on the row keeps two deliveries of the same task from calling a vendor at once;
- every vendor id is saved the moment it exists, so a rerun continues instead of recreating;
- where a vendor can be searched, a write whose answer was lost is settled by looking it up;
- where it cannot (BetterPT, Qualiphy), a create is marked in flight before it is sent, so a
  rerun after a lost answer or a killed worker knows the vendor may hold an object we never
  heard of: it records that possible orphan for staff (`details["possible_orphans"]`) before
  it sends again. A resend is the exception: only after a lost answer or a crash mid-call.
Transient and unreadable answers propagate to the Celery task, which retries with backoff;
a vendor's refusal fails the part with the vendor's reason and is not retried.
"""

import contextlib
import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.betterpt.types import Outreach
from integrations.errors import OutcomeUnknownError, RejectedError, TransientError, VendorError
from scheduling.common import upstream
from scheduling.common.queue import enqueue
from scheduling.models import (
    Booking,
    ExamEvent,
    ProviderVideoRoute,
    Provision,
    QualiphyExam,
)
from scheduling.provisioning import selectors

logger = logging.getLogger(__name__)


PROVISION_TASK = "scheduling.provisioning.tasks.provision_part"
SYNC_TASK = "scheduling.provisioning.tasks.provision_sync_part"
STRAY_EXAM_TASK = "scheduling.provisioning.tasks.cancel_stray_exam"


def lease() -> timedelta:
    return timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)


class ProvisionBusy(Exception):
    """Another worker holds this part's lease; try again after it runs out."""


def provisioning_start(*, booking_id: int) -> list[int]:
    """Create the confirmed booking's Provision rows from its plan; queue each after commit."""
    booking = Booking.objects.get(id=booking_id)
    plan = selectors.plan_for(booking.appointment_type_id)
    if booking.status != Booking.Status.CONFIRMED or plan is None:
        return []
    ids = []
    for part in plan.parts(contact_type=booking.contact_type):
        provision, _ = Provision.objects.get_or_create(booking=booking, part=part)
        if provision.status == Provision.Status.PENDING:
            ids.append(provision.id)
    _enqueue_on_commit(ids)
    return ids


def provision_retry(*, provision_id: int) -> None:
    """Staff asked to try a failed part again."""
    updated = Provision.objects.filter(id=provision_id, status=Provision.Status.FAILED).update(
        status=Provision.Status.PENDING, failure_reason="", claimed_until=None
    )
    if updated:
        _enqueue_on_commit([provision_id])


def provision_run(*, provision_id: int) -> Provision:
    """Do (or finish) one part. Raises ProvisionBusy, TransientError, ContractError."""
    _claim(provision_id)
    try:
        provision = Provision.objects.select_related("booking").get(id=provision_id)
        if provision.booking.status != Booking.Status.CONFIRMED:
            return _settle(provision, Provision.Status.CANCELLED, reason="booking not confirmed")
        if provision.status != Provision.Status.PENDING:
            return provision
        Provision.objects.filter(id=provision_id).update(attempts=F("attempts") + 1)
        try:
            RUNNERS[provision.part](provision)
            if _moved(provision):  # rescheduled while this part was being provisioned
                MOVERS[provision.part](provision)
        except RejectedError as exc:
            return _settle(provision, Provision.Status.FAILED, reason=str(exc))
        return _settle(provision, Provision.Status.READY)
    finally:
        Provision.objects.filter(id=provision_id).update(claimed_until=None)


def provision_give_up(*, provision_id: int, reason: str) -> None:
    """The task ran out of retries: fail the part so staff see why and can retry it."""
    provision = Provision.objects.get(id=provision_id)
    if provision.status in (Provision.Status.PENDING, Provision.Status.READY):
        _settle(provision, Provision.Status.FAILED, reason=reason)


def _claim(provision_id: int) -> None:
    """Take the part's lease, or raise ProvisionBusy (or Provision.DoesNotExist)."""
    now = timezone.now()
    claimed = Provision.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), id=provision_id
    ).update(claimed_until=now + lease())
    if not claimed:
        if not Provision.objects.filter(id=provision_id).exists():
            raise Provision.DoesNotExist(provision_id)
        raise ProvisionBusy(provision_id)


def _settle(provision: Provision, status: str, *, reason: str = "") -> Provision:
    provision.status, provision.failure_reason = status, reason[:2000]
    provision.save(update_fields=["status", "failure_reason", "updated_at"])
    logger.info("provision %s (%s) %s", provision.id, provision.part, status)
    return provision


def _save(provision: Provision, **fields) -> None:
    """Record progress at once (its own transaction): a rerun must see it even if we die next."""
    for name, value in fields.items():
        setattr(provision, name, value)
    provision.save(update_fields=[*fields, "updated_at"])


def _enqueue_on_commit(provision_ids: list[int], *, sync: bool = False) -> None:
    """Queue each part's task once the transaction commits. If the broker is down the booking
    still stands: `requeue_stalled_provisions` (celery beat) picks new parts up later."""
    task = SYNC_TASK if sync else PROVISION_TASK
    for provision_id in provision_ids:
        transaction.on_commit(functools.partial(enqueue, task, provision_id), robust=True)


def _betterpt_room(provision: Provision) -> None:
    booking = provision.booking
    if not provision.external_id:
        plan = selectors.plan_for(booking.appointment_type_id)
        outreach = None
        if plan and plan.betterpt_patient_notifications:
            clinic = booking.page.title if booking.page else ""
            outreach = Outreach(
                clinic_name=clinic, patient_email=booking.email, patient_phone=booking.phone
            )
        # BetterPT can be neither searched nor given an idempotency key: a create whose answer
        # was lost is sent again, and the possible orphan is noted for staff.
        with _unsearchable_create(provision):
            room = upstream.betterpt().create_video_room(
                start=booking.start,
                time_zone=booking.patient_timezone,
                display_name=booking.appointment_type_name or "Video visit",
                outreach=outreach,
            )
        _video_ready(
            provision, external_id=room.uid, patient_url=room.patient_link,
            provider_url=room.provider_link,
        )  # fmt: skip
    _write_video_link(provision, provision.details["provider_url"])


IN_FLIGHT = "in_flight"


@contextlib.contextmanager
def _unsearchable_create(provision: Provision):
    """A create at a vendor that cannot be searched (BetterPT, Qualiphy).

    Before it is sent, the part records that a create is in flight (committed at once): if the
    worker dies during the call, the next run finds the mark and records the possible orphan
    instead of resending unawares. A lost answer is recorded the same way. A refusal or a call
    that provably never ran (throttled, refused connection) clears the mark; so does the
    caller when it saves the vendor's id.
    """
    if provision.details.get(IN_FLIGHT):
        _note_possible_orphan(provision, "the worker stopped during the call")
    _save(provision, details={**provision.details, IN_FLIGHT: timezone.now().isoformat()})
    try:
        yield
    except OutcomeUnknownError:
        _note_possible_orphan(provision, "the answer was lost")
        raise
    except VendorError:
        _save(provision, details=_without(provision.details, IN_FLIGHT))
        raise


def _note_possible_orphan(provision: Provision, why: str) -> None:
    """The vendor may hold an object from an earlier create that we never heard back from:
    noted on the part (the admin shows it) with when and why; the task sends the create again."""
    since = provision.details.get(IN_FLIGHT) or timezone.now().isoformat()
    orphans = [*provision.details.get("possible_orphans", []), {"sent_at": since, "why": why}]
    details = {**_without(provision.details, IN_FLIGHT), "possible_orphans": orphans}
    _save(provision, details={**details, "lost_answers": len(orphans)})
    logger.warning("provision %s (%s): possible orphan, %s", provision.id, provision.part, why)


def _without(details: dict, *names: str) -> dict:
    return {key: value for key, value in details.items() if key not in names}


def _video_ready(provision: Provision, *, external_id: str, patient_url: str, provider_url: str):
    """A video room or invite exists: its id and links are saved at once (a rerun continues
    from them), with the start it was made for (a reschedule compares against it)."""
    _save(
        provision,
        external_id=external_id,
        patient_url=patient_url,
        details={
            **_without(provision.details, IN_FLIGHT),
            "provider_url": provider_url,
            "start": provision.booking.start.isoformat(),
        },
    )


def _write_video_link(provision: Provision, url: str) -> None:
    """Put the provider's video link on the Healthie appointment (idempotent: same value)."""
    if provision.written_to_healthie:
        return
    upstream.healthie().update_appointment(
        id=provision.booking.healthie_appointment_id, external_videochat_url=url
    )
    _save(provision, written_to_healthie=True)


def _semble_questionnaire(provision: Provision) -> None:
    booking = provision.booking
    semble = upstream.semble()
    if not provision.external_id:
        # Semble can be searched by e-mail, so a lost createPatient is settled by a look-up.
        patient, _ = semble.find_or_create_patient(
            first_name=booking.first_name,
            last_name=booking.last_name,
            email=booking.email,
            dob=booking.date_of_birth,
            phone_number=booking.phone,
        )
        plan = selectors.plan_for(booking.appointment_type_id)
        _save(
            provision,
            external_id=patient.id,
            details={"questionnaire_token": plan.semble_questionnaire_token if plan else ""},
        )
    # One token exists before the link is shown; the link itself mints a fresh one per click.
    if semble.integration_token(provision.external_id) is None:
        try:
            semble.create_integration_token(provision.external_id)
        except OutcomeUnknownError:
            if semble.integration_token(provision.external_id) is None:
                raise


def vendor_tag(booking: Booking) -> str:
    """How vendors that keep a note of ours (HCW's invite metadata, Qualiphy's additional_data)
    name the booking: by its database id. Not by its reference: that opens the confirmation
    page and, through it, the manage link, so it stays a secret (README)."""
    return f"booking-{booking.pk}"


def _our_invites(hcw, booking: Booking) -> list:
    """Our invites for this booking at its time; invites made before tags named bookings by id
    carry the reference instead."""
    found = hcw.find_invites(scheduled_for=booking.start, email=booking.email)
    return [i for i in found if i.reference in (vendor_tag(booking), booking.reference)]


def _hcw_invite(provision: Provision) -> None:
    booking = provision.booking
    if not provision.external_id:
        route = ProviderVideoRoute.objects.filter(provider_id=booking.provider_id).first()
        if route is None:
            raise RejectedError(
                "hcw", "invite", "No HCW@Home doctor or queue is set for this provider."
            )
        hcw = upstream.hcw()
        # HCW can be searched by time; our tag tells our invite apart from others.
        found = _our_invites(hcw, booking)
        invite = found[0] if found else None
        if invite is None:
            try:
                invite = hcw.create_invite(
                    first_name=booking.first_name,
                    last_name=booking.last_name,
                    email=booking.email,
                    scheduled_for=booking.start,
                    patient_tz=booking.patient_timezone,
                    language="en",
                    gender=booking.gender or None,  # asked by the details form for HCW
                    doctor_email=route.hcw_doctor_email or None,
                    queue=route.hcw_queue or None,
                    reference=vendor_tag(booking),
                )
            except OutcomeUnknownError:
                found = _our_invites(hcw, booking)
                if not found:
                    raise
                invite = found[0]
        if not invite.patient_url:
            # Found by the list, which shows no link (nor the token it is built on, as the real
            # backend): the invite read back by id carries the patient's link.
            invite = hcw.get_invite(invite.id)
            if invite is None or not invite.patient_url:
                raise TransientError("hcw", "invite.get", "the invite's link is not readable")
        _video_ready(
            provision, external_id=invite.id, patient_url=invite.patient_url,
            provider_url=invite.doctor_url or hcw.doctor_url,
        )  # fmt: skip
    _write_video_link(provision, provision.details["provider_url"])


def _qualiphy_exams(provision: Provision) -> None:
    booking = provision.booking
    if provision.external_id:
        return
    plan = selectors.plan_for(booking.appointment_type_id)
    if not (plan and plan.qualiphy_exam_ids):
        raise RejectedError("qualiphy", "exam_invite", "The plan orders no exams.")
    if not (booking.date_of_birth and booking.patient_state):
        raise RejectedError("qualiphy", "exam_invite", "The booking has no date of birth or state.")
    # Qualiphy cannot be searched: like BetterPT, a lost invite is sent again and noted. The
    # invite carries our tag (echoed in every webhook), so a stray one is recognised and
    # cancelled when Qualiphy reports on it (`exam_event_record`).
    with _unsearchable_create(provision):
        invite = upstream.qualiphy().exam_invite(
            exams=plan.qualiphy_exam_ids,
            first_name=booking.first_name,
            last_name=booking.last_name,
            email=booking.email,
            dob=booking.date_of_birth,
            phone_number=booking.phone,
            tele_state=booking.patient_state,
            webhook_url=selectors.qualiphy_webhook_url(),
            additional_data=vendor_tag(booking),
        )
    with transaction.atomic():
        for exam in invite.patient_exams:
            QualiphyExam.objects.get_or_create(
                patient_exam_id=str(exam.patient_exam_id),
                defaults={
                    "provision": provision,
                    "exam_id": str(exam.exam_id),
                    "title": exam.exam_title or "",
                },
            )
        _save(
            provision,
            external_id=invite.meeting_uuid,
            patient_url=invite.meeting_url,
            details=_without(provision.details, IN_FLIGHT),
        )


RUNNERS = {
    Provision.Part.BETTERPT_ROOM: _betterpt_room,
    Provision.Part.HCW_INVITE: _hcw_invite,
    Provision.Part.SEMBLE_QUESTIONNAIRE: _semble_questionnaire,
    Provision.Part.QUALIPHY_EXAMS: _qualiphy_exams,
}


def exam_event_record(*, event) -> bool:
    """Record a parsed Qualiphy event once; False when it is a repeat. Updates the exam's status.

    An event about an exam we never saved, carrying one of our tags (`additional_data`),
    comes from a stray invite: one whose answer was lost before the invite was sent again. It
    is noted on the booking's part and cancelled at Qualiphy (after commit, by a task)."""
    exam = QualiphyExam.objects.filter(patient_exam_id=event.patient_exam_id).first()
    status = getattr(event, "exam_status", None) or ""
    with transaction.atomic():
        _, created = ExamEvent.objects.get_or_create(
            event=event.event,
            patient_exam_id=event.patient_exam_id,
            defaults={"exam_status": status, "exam": exam},
        )
        if created and exam is not None and status:
            exam.status = status
            exam.save(update_fields=["status"])
        if created and exam is None:
            _note_stray_exam(event)
    return created


def _note_stray_exam(event) -> None:
    provision = selectors.exams_part_by_tag(tag=getattr(event, "additional_data", None))
    if provision is None:
        return
    strays = provision.details.get("stray_exams", {})
    if event.patient_exam_id in strays:
        return
    strays = {**strays, event.patient_exam_id: "found"}
    _save(provision, details={**provision.details, "stray_exams": strays})
    logger.warning("provision %s: stray qualiphy exam reported; cancelling it", provision.id)
    transaction.on_commit(
        functools.partial(enqueue, STRAY_EXAM_TASK, provision.id, event.patient_exam_id),
        robust=True,
    )


def stray_exam_cancel(*, provision_id: int, patient_exam_id: str) -> str:
    """Cancel an exam of a stray Qualiphy invite; what happened is kept on the part for staff:
    "cancelled", or "completed" when the consultation had already taken place."""
    provision = Provision.objects.get(id=provision_id)
    try:
        upstream.qualiphy().cancel_exam_invite(patient_exam_id)
        outcome = "cancelled"
    except RejectedError as exc:
        if exc.code != "EXAM_ALREADY_COMPLETED":
            raise
        outcome = "completed"
    with transaction.atomic():
        provision = Provision.objects.select_for_update().get(id=provision_id)
        strays = {**provision.details.get("stray_exams", {}), patient_exam_id: outcome}
        _save(provision, details={**provision.details, "stray_exams": strays})
    return outcome


def provisioning_follow(*, booking_id: int) -> list[int]:
    """Queue a sync of each of the booking's parts with the booking as it now stands."""
    ids = list(Provision.objects.filter(booking_id=booking_id).values_list("id", flat=True))
    _enqueue_on_commit(ids, sync=True)
    return ids


def provision_sync(*, provision_id: int) -> Provision:
    """Bring one part in line with its booking; safe to run any number of times.

    Cancelled booking: cancel at the vendor. Confirmed booking: a cancelled part (staff took the
    cancellation back) is provisioned afresh; a ready part whose vendor time differs from the
    booking's is moved. A pending part is moved by provision_run when it finishes.
    """
    _claim(provision_id)
    try:
        provision = Provision.objects.select_related("booking").get(id=provision_id)
        booking = provision.booking
        if booking.status == Booking.Status.CANCELLED:
            if provision.status != Provision.Status.CANCELLED:
                if provision.external_id and provision.part in CANCELLERS:
                    CANCELLERS[provision.part](provision)
                _settle(provision, Provision.Status.CANCELLED, reason="appointment cancelled")
            return provision
        if booking.status != Booking.Status.CONFIRMED:
            return provision
        if provision.status == Provision.Status.CANCELLED:
            _save(
                provision,
                status=Provision.Status.PENDING,
                failure_reason="",
                external_id="",
                patient_url="",
                details={},
                written_to_healthie=False,
            )
            _enqueue_on_commit([provision.id])
        elif provision.status == Provision.Status.READY and _moved(provision):
            try:
                MOVERS[provision.part](provision)
            except RejectedError as exc:
                return _settle(provision, Provision.Status.FAILED, reason=str(exc))
        return provision
    finally:
        Provision.objects.filter(id=provision_id).update(claimed_until=None)


def _moved(provision: Provision) -> bool:
    """The vendor holds another time than the booking (only parts with a time are moved)."""
    start = provision.details.get("start")
    return provision.part in MOVERS and start not in (None, provision.booking.start.isoformat())


def _move_betterpt_room(provision: Provision) -> None:
    """Reschedule the room; once its session has started BetterPT refuses, so a new room
    replaces it and the old one is cancelled."""
    betterpt = upstream.betterpt()
    start = provision.booking.start
    if provision.external_id:
        try:
            betterpt.reschedule_video_room(uid=provision.external_id, start=start)
        except RejectedError:
            _replace(provision)
        else:
            _save(provision, details={**provision.details, "start": start.isoformat()})
            return
    _betterpt_room(provision)
    old = provision.details.get("replaced")
    if old:
        with contextlib.suppress(RejectedError):  # already over or cancelled: nothing to stop
            betterpt.cancel_video_room(old)
        _forget_replaced(provision)


def _move_hcw_invite(provision: Provision) -> None:
    """Move the invite; once the patient accepted it HCW@Home refuses, so it is revoked
    (deleted) and a new invite made."""
    hcw = upstream.hcw()
    booking = provision.booking
    if provision.external_id:
        try:
            hcw.reschedule_invite(
                provision.external_id,
                scheduled_for=booking.start,
                patient_tz=booking.patient_timezone,
            )
        except RejectedError as exc:
            if exc.code != "INVITE_ACCEPTED":
                raise
            _replace(provision)
        else:
            _save(provision, details={**provision.details, "start": booking.start.isoformat()})
            return
    old = provision.details.get("replaced")
    if old:
        hcw.delete_invite(old)  # None when already gone
    _hcw_invite(provision)
    _forget_replaced(provision)


def _replace(provision: Provision) -> None:
    """Forget the vendor object (kept as `replaced` until it is cancelled) so a new one is made
    and its link written to Healthie; recorded first, so a crash in between resumes here."""
    _save(
        provision,
        external_id="",
        written_to_healthie=False,
        details={**provision.details, "replaced": provision.external_id},
    )


def _forget_replaced(provision: Provision) -> None:
    _save(provision, details={k: v for k, v in provision.details.items() if k != "replaced"})


def _cancel_betterpt_room(provision: Provision) -> None:
    with contextlib.suppress(RejectedError):  # already over or cancelled
        upstream.betterpt().cancel_video_room(provision.external_id)


def _cancel_hcw_invite(provision: Provision) -> None:
    upstream.hcw().delete_invite(provision.external_id)  # None when already gone


def _cancel_qualiphy_exams(provision: Provision) -> None:
    qualiphy = upstream.qualiphy()
    for exam in provision.exams.filter(cancelled=False):
        try:
            qualiphy.cancel_exam_invite(exam.patient_exam_id)
        except RejectedError as exc:
            if exc.code != "EXAM_ALREADY_COMPLETED":
                raise
            continue  # the consultation happened: its result stays
        exam.cancelled = True
        exam.save(update_fields=["cancelled"])


MOVERS = {
    Provision.Part.BETTERPT_ROOM: _move_betterpt_room,
    Provision.Part.HCW_INVITE: _move_hcw_invite,
}


CANCELLERS = {
    Provision.Part.BETTERPT_ROOM: _cancel_betterpt_room,
    Provision.Part.HCW_INVITE: _cancel_hcw_invite,
    Provision.Part.QUALIPHY_EXAMS: _cancel_qualiphy_exams,
}
