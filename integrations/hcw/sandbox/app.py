"""`HCWSandbox`: the HCW@Home `/api/v1` backend as the sandbox server sees it (`/hcw/api/v1/...`).

What it emulates (vendor-facts; backend api/controllers/InviteController.js, AuthController.js,
policies isLoggedIn / isInviteOwner, config/routes.js):
- `POST /api/v1/login-local {email, password}` -> `{message, user: {..., token, refreshToken}}`
  for the scheduler; a doctor gets the first 2FA step `{localLoginToken, user, role}`; a wrong
  password is 400 `{message, user: false}`. Access tokens are HS256 JWTs that live 15 minutes on
  the sandbox clock; `POST /api/v1/refresh-token {refreshToken}` -> `{token, refreshToken}`.
- `Authorization: Bearer <jwt>` or `x-access-token: <jwt>` (each alone is enough); anything
  else is 401 `{"error": "Unauthorized"}`.
- invites: create (`[{"message"}]` for patient fields, `{"success": false, "error"}` for the
  time, the doctor or a missing doctor/queue, `{"error": true, "message": "Queue x doesn't
  exist"}`), `GET /invite/:id` (the bare invite), `GET /invite?where=` (the blueprint list, our
  own invites only), `PATCH /invite/:id` (refused once ACCEPTED), `DELETE /invite/:id` (the deleted
  invite, no state check), `POST /invite/:id/revoke` (empty 200; 500 for an unknown id),
  `GET /invite/:id/consultation` (the consultation's anonymous details, without its `status`;
  a plain 404 while there is none; still answered after the close deleted the invite),
  `POST /invite/:id/consultation/close` (closes an active consultation and deletes the invite;
  the closed one's record again once closed; 404 `{"success": false, "error": "Consultation not
  found"}` otherwise). An invite that is not ours is a plain-text 404 "Not Found", like every
  unknown route.

Seed (deterministic, restored by reset): the scheduler account from settings
(SANDBOX_HCW_SCHEDULER_EMAIL / _PASSWORD), doctors dr.maya.chen@hcw.example and
dr.samuel.okafor@hcw.example, queues "General" and "Oncologie", and one invite made by another
scheduler (not visible to ours). All people are fictitious.

Controls (`POST /_sandbox/config/hcw`, see `configure`): accept an invite (the patient opened
the link), move its consultation along (pending, active, closed), token lifetimes, required
patient fields, change the scheduler's password, revoke every token. Faults and the call log
belong to the shared server.
"""

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import available_timezones

from integrations.sandbox import shared
from integrations.sandbox.base import Clock, Request, Response

DEFAULT_SCHEDULER_EMAIL = "scheduler@hcw.example"
DEFAULT_SCHEDULER_PASSWORD = "sandbox-hcw-pass"  # noqa: S105 - the demo account
SCHEDULER_ID = "65f1a0c9e2b7d40012a3b401"
OTHER_SCHEDULER_ID = "65f1a0c9e2b7d40012a3b402"
DOCTOR_ID = "65f1a0c9e2b7d40012a3b411"
OTHER_DOCTOR_ID = "65f1a0c9e2b7d40012a3b412"
DOCTOR_EMAIL = "dr.maya.chen@hcw.example"
OTHER_DOCTOR_EMAIL = "dr.samuel.okafor@hcw.example"
DOCTOR_PASSWORD = "sandbox-doctor-pass"  # noqa: S105 - a fictitious demo doctor
QUEUES = [("65f1a0c9e2b7d40012a3c001", "General"), ("65f1a0c9e2b7d40012a3c002", "Oncologie")]
FOREIGN_INVITE_ID = "65f1a0c9e2b7d40012a3d001"
INVITE_ID_PREFIX = "65f1a0c9e2b7d40013"  # + 6 hex digits
DEFAULT_REQUIRED_FIELDS = ("firstName", "lastName", "gender")

UNAUTHORIZED = {"error": "Unauthorized"}
CONSULTATION_STATES = ("pending", "active", "closed")
PAST = "Consultation Time cannot be in the past"

DEFAULTS: dict[str, Any] = {
    "token_lifetime_seconds": 900,  # ACCESS_TOKEN_LIFE: 15 minutes
    "refresh_token_lifetime_seconds": 86400,
    "required_fields": list(DEFAULT_REQUIRED_FIELDS),  # ENABLE_FIELDS_FORM_DOCTOR
    "scheduler_password": None,  # None: settings.SANDBOX_HCW_SCHEDULER_PASSWORD
}

_ROUTES = [  # (method, path pattern, operation)
    ("POST", r"/api/v1/login-local", "login-local"),
    ("POST", r"/api/v1/refresh-token", "refresh-token"),
    ("POST", r"/api/v1/invite", "invite.create"),
    ("GET", r"/api/v1/invite", "invite.list"),
    ("GET", r"/api/v1/invite/(?P<id>[^/]+)", "invite.get"),
    ("PATCH", r"/api/v1/invite/(?P<id>[^/]+)", "invite.update"),
    ("DELETE", r"/api/v1/invite/(?P<id>[^/]+)", "invite.delete"),
    ("POST", r"/api/v1/invite/(?P<id>[^/]+)/revoke", "invite.revoke"),
    ("GET", r"/api/v1/invite/(?P<id>[^/]+)/consultation", "invite.consultation.get"),
    ("POST", r"/api/v1/invite/(?P<id>[^/]+)/consultation/close", "invite.consultation.close"),
    ("GET", r"/inv", "patient-page"),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_jwt(claims: dict, secret: str) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify_jwt(token: str, secret: str, now: float) -> dict | None:
    """The claims of a valid, unexpired HS256 token signed with `secret`, else None."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
        if not hmac.compare_digest(_unb64(signature), expected.digest()):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp <= now:
        return None
    return claims


def parse_when(value: Any) -> datetime | None:
    """moment()-like leniency for scheduledFor: ISO 8601 (with or without offset, space or T),
    RFC 2822, epoch milliseconds. A time without an offset is read as UTC. None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text.replace(" Z", " +0000"))
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class HCWSandbox:
    name = "hcw"

    def __init__(self, clock: Clock):
        self.clock = clock
        self._lock = threading.RLock()
        self._generation = 0
        self._zones = available_timezones()
        self.reset()

    # --- VendorSandbox --------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._generation += 1  # tokens issued before a reset stop working
            self._rotation = 0
            self._options = {**DEFAULTS, "required_fields": list(DEFAULT_REQUIRED_FIELDS)}
            self._logins = 0
            self._refreshes = 0
            self._notifications = 0
            self._invite_numbers = itertools.count(1)
            self._token_numbers = itertools.count(1)
            self._users = {
                SCHEDULER_ID: self._user(SCHEDULER_ID, None, "scheduler", "Sandy", "Scheduler"),
                OTHER_SCHEDULER_ID: self._user(
                    OTHER_SCHEDULER_ID, "other.scheduler@hcw.example", "scheduler", "Otto", "Other"
                ),
                DOCTOR_ID: self._user(DOCTOR_ID, DOCTOR_EMAIL, "doctor", "Maya", "Chen"),
                OTHER_DOCTOR_ID: self._user(
                    OTHER_DOCTOR_ID, OTHER_DOCTOR_EMAIL, "doctor", "Samuel", "Okafor"
                ),
            }
            self._queues = {queue_id: name for queue_id, name in QUEUES}
            # By invite id: kept after the close deletes the invite, as the backend keeps the
            # consultation (then its anonymous record) with the invite's id.
            self._consultations: dict[str, dict] = {}
            self._consultation_numbers = itertools.count(1)
            seeded_at = int(datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp() * 1000)
            self._invites: dict[str, dict] = {
                FOREIGN_INVITE_ID: self._record(
                    FOREIGN_INVITE_ID,
                    {
                        "firstName": "Noor",
                        "lastName": "Haddad",
                        "gender": "female",
                        "emailAddress": "noor.haddad@example.com",
                        "patientLanguage": "en",
                        "patientTZ": "Europe/Zurich",
                        "scheduledFor": seeded_at + 30 * 86400 * 1000,
                        "doctor": OTHER_DOCTOR_ID,
                        "invitedBy": OTHER_SCHEDULER_ID,
                    },
                    seeded_at,
                )
            }

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options: token_lifetime_seconds (900), refresh_token_lifetime_seconds (86400),
        required_fields (subset of firstName, lastName, gender: the backend's
        ENABLE_FIELDS_FORM_DOCTOR), scheduler_password.
        Actions: `accept: <invite id>` marks the invite ACCEPTED (the patient opened the link);
        `consultation: {"invite": <id>, "state": "pending" | "active" | "closed"}` moves the
        invite's consultation on as HCW would: pending = the patient came in from the link
        (invite ACCEPTED), active = a doctor accepted it, closed = a doctor closed it (the
        invite is deleted);
        `revoke_tokens: true` invalidates every access and refresh token issued so far.
        Returns the options, the seeded accounts and queues, and `counts`: invites by status,
        logins, refreshes, notifications (invites HCW would have sent)."""
        options = dict(options)
        accept = options.pop("accept", None)
        consultation = options.pop("consultation", None)
        revoke = options.pop("revoke_tokens", False)
        checks = {
            "token_lifetime_seconds": lambda v: isinstance(v, int) and v > 0,
            "refresh_token_lifetime_seconds": lambda v: isinstance(v, int) and v > 0,
            "required_fields": lambda v: (
                isinstance(v, list) and set(v) <= set(DEFAULT_REQUIRED_FIELDS)
            ),
            "scheduler_password": lambda v: v is None or (isinstance(v, str) and v != ""),
        }
        shared.check_options("HCW", options, checks)
        with self._lock:
            if accept is not None:
                invite = self._invites.get(accept) if isinstance(accept, str) else None
                if invite is None:
                    raise ValueError(f"no invite {accept!r}")
                invite["status"] = "ACCEPTED"
                invite["updatedAt"] = self._now_ms()
            if consultation is not None:
                self._stage_consultation(consultation)
            if revoke:
                self._rotation += 1
            self._options.update(options)
            by_status: dict[str, int] = {}
            for invite in self._invites.values():
                if invite["invitedBy"] == SCHEDULER_ID:
                    by_status[invite["status"]] = by_status.get(invite["status"], 0) + 1
            return {
                **self._options,
                "scheduler_email": self._scheduler_email(),
                "doctor_email": DOCTOR_EMAIL,
                "queues": [name for _, name in QUEUES],
                "counts": {
                    "invites": by_status,
                    "invites_total": sum(by_status.values()),
                    "logins": self._logins,
                    "refreshes": self._refreshes,
                    "notifications": self._notifications,
                },
            }

    def operation(self, request: Request) -> str:
        return self._route(request)[0]

    def handle(self, request: Request) -> Response:
        operation, invite_id = self._route(request)
        if operation == "unknown":
            return _not_found()
        if operation == "patient-page":
            return self._patient_page(request)
        with self._lock:
            try:
                return self._handle(request, operation, invite_id)
            except Refused as refusal:
                return refusal.response

    def _handle(self, request: Request, operation: str, invite_id: str | None) -> Response:
        if operation == "login-local":
            return self._login(request)
        if operation == "refresh-token":
            return self._refresh(request)
        user = self._authenticate(request)
        if user is None:
            return Response.json(UNAUTHORIZED, status=401)
        if operation == "invite.create":
            return self._create(request, user)
        if operation == "invite.list":
            return self._list(request, user)
        if operation == "invite.revoke":
            return self._revoke(invite_id)
        if operation.startswith("invite.consultation."):
            return self._consultation(operation, user, invite_id)
        invite = self._invites.get(invite_id)
        if invite is None or not self._owns(user, invite):
            return _not_found()
        if operation == "invite.get":  # doctorURL only once a consultation exists
            return Response.json(self._with_urls(invite, request, doctor_url=False))
        if operation == "invite.update":
            return self._update(request, user, invite)
        del self._invites[invite["id"]]  # invite.delete
        return Response.json(invite)

    # --- auth -----------------------------------------------------------------------------

    def _login(self, request: Request) -> Response:
        body = _json(request)
        email = str(body.get("email") or "").strip().lower()
        password = body.get("password")
        user = next((u for u in self._users.values() if u["email"].lower() == email), None)
        if user is None or not isinstance(password, str) or password != self._password(user):
            return Response.json({"message": "Incorrect email or password.", "user": False}, 400)
        if user["role"] == "doctor":  # SMS second factor: a scheduler is what an API wants
            claims = {"id": user["id"], "localLoginToken": True, "singleFactor": True}
            local = sign_jwt(claims, self._secret())
            return Response.json({"localLoginToken": local, "user": user["id"], "role": "doctor"})
        self._logins += 1
        token, refresh = self._tokens(user)
        public = {k: v for k, v in user.items() if k != "password"}
        return Response.json(
            {
                "message": "Login Successful",
                "user": {**public, "token": token, "refreshToken": refresh},
            }
        )

    def _refresh(self, request: Request) -> Response:
        refresh = _json(request).get("refreshToken")
        if not refresh or not isinstance(refresh, str):
            return Response.json({"error": "Refresh token is required"}, status=400)
        claims = verify_jwt(refresh, self._secret("refresh"), self._now())
        if claims is None or claims.get("typ") != "refresh":
            return Response.json({"error": "Invalid refresh token"}, status=401)
        user = self._users.get(claims.get("id"))
        if user is None:
            return Response.json({"error": "User not found"}, status=401)
        self._refreshes += 1
        token, new_refresh = self._tokens(user)
        return Response.json({"token": token, "refreshToken": new_refresh})

    def _tokens(self, user: dict) -> tuple[str, str]:
        now = int(self._now())
        number = next(self._token_numbers)  # two tokens minted in the same second still differ
        token = sign_jwt(
            {
                "id": user["id"],
                "email": user["email"],
                "role": user["role"],
                "jti": number,
                "iat": now,
                "exp": now + self._options["token_lifetime_seconds"],
            },
            self._secret(),
        )
        refresh = sign_jwt(
            {
                "id": user["id"],
                "typ": "refresh",
                "jti": number,
                "iat": now,
                "exp": now + self._options["refresh_token_lifetime_seconds"],
            },
            self._secret("refresh"),
        )
        return token, refresh

    def _authenticate(self, request: Request) -> dict | None:
        """isLoggedIn: `Authorization: Bearer`, else `x-access-token` (older backends)."""
        header = (request.headers.get("Authorization") or "").strip()
        token = header[7:].strip() if header.startswith("Bearer ") else None
        token = token or (request.headers.get("x-access-token") or "").strip() or None
        if not token:
            return None
        claims = verify_jwt(token, self._secret(), self._now())
        if claims is None or claims.get("singleFactor") or claims.get("typ") == "refresh":
            return None
        return self._users.get(claims.get("id"))

    def _owns(self, user: dict, invite: dict) -> bool:
        """isInviteOwner: the user's own, the user's doctor invites, or a queue the user sees."""
        if invite.get("type") != "PATIENT":
            return False
        queues = set(self._queues) if user.get("viewAllQueues") else set()
        return (
            invite.get("doctor") == user["id"]
            or invite.get("invitedBy") == user["id"]
            or (invite.get("queue") is not None and invite.get("queue") in queues)
        )

    # --- invites --------------------------------------------------------------------------

    def _create(self, request: Request, user: dict) -> Response:
        body = _json(request)
        if body.get("isPatientInvite") and not body.get("sendLinkManually"):
            errors = self._patient_errors(body)
            if errors:
                return Response.json(errors, status=400)
        elif not any(
            body.get(k)
            for k in ("translationOrganization", "guestPhoneNumber", "guestEmailAddress")
        ):
            return _refused("You must invite at least a patient translator or a guest!")
        scheduled = self._scheduled_for(body)
        if user["role"] == "scheduler" and not body.get("doctorEmail") and not body.get("queue"):
            return _refused("doctorEmail or queue is required.")
        tz = body.get("patientTZ") or None
        if tz is not None and (not isinstance(tz, str) or tz not in self._zones):
            return _refused(f"Unknown timezone identifier {tz}")
        # Creating answers an unknown queue in another shape than updating does.
        doctor, queue_id = self._doctor_and_queue(body, missing_queue=_no_such_queue)
        invite_id = f"{INVITE_ID_PREFIX}{next(self._invite_numbers):06x}"
        invite = self._record(
            invite_id,
            {
                "firstName": body.get("firstName") or "",
                "lastName": body.get("lastName") or "",
                "gender": body.get("gender") or "",
                "phoneNumber": body.get("phoneNumber") or "",
                "emailAddress": body.get("emailAddress") or "",
                "patientLanguage": body.get("language") or "",
                "patientTZ": tz or "",
                "scheduledFor": int(scheduled.timestamp() * 1000) if scheduled else 0,
                "doctor": doctor["id"] if doctor else None,
                "queue": queue_id,
                "invitedBy": user["id"],
                "metadata": body.get("metadata"),
            },
            self._now_ms(),
        )
        self._invites[invite_id] = invite
        send = body["sendInvite"] if "sendInvite" in body else user["role"] != "scheduler"
        if send:
            self._notifications += 1
        return Response.json({"success": True, "invite": self._with_urls(invite, request)})

    def _scheduled_for(self, body: dict) -> datetime | None:
        """scheduledFor as creating and updating read it: refused when unreadable or past."""
        if not body.get("scheduledFor"):
            return None
        scheduled = parse_when(body["scheduledFor"])
        if scheduled is None:
            raise Refused(_refused("ScheduledFor is not a valid date"))
        if scheduled < self.clock.now():
            raise Refused(_refused(PAST))
        return scheduled

    def _doctor_and_queue(
        self, body: dict, *, missing_queue: Callable[[str], Response]
    ) -> tuple[dict | None, str | None]:
        """doctorEmail and queue, looked up: refused when either names nobody."""
        doctor = None
        if body.get("doctorEmail"):
            doctor = self._doctor(body["doctorEmail"])
            if doctor is None:
                raise Refused(_refused(f"Doctor with email {body['doctorEmail']} not found"))
        queue_id = None
        if body.get("queue"):
            queue_id = self._queue(body["queue"])
            if queue_id is None:
                raise Refused(missing_queue(f"Queue {body['queue']} doesn't exist"))
        return doctor, queue_id

    def _patient_errors(self, body: dict) -> list[dict]:
        """validateInviteRequest: an array of {message}."""
        required = self._options["required_fields"]
        errors = []
        if not body.get("phoneNumber") and not body.get("emailAddress"):
            errors.append({"message": "emailAddress or phoneNumber are required"})
        if "gender" in required:
            if not body.get("gender"):
                errors.append({"message": "gender is required"})
            elif body["gender"] not in ("male", "female"):
                errors.append({"message": "gender must be either male or female"})
        elif body.get("gender") and body["gender"] not in ("male", "female"):
            errors.append({"message": "gender must be either male or female"})
        if "firstName" in required and not body.get("firstName"):
            errors.append({"message": "firstName is required"})
        if "lastName" in required and not body.get("lastName"):
            errors.append({"message": "lastName is required"})
        return errors

    def _list(self, request: Request, user: dict) -> Response:
        where: Any = {}
        if request.query.get("where"):
            try:
                where = json.loads(request.query["where"])
            except ValueError:
                return Response.text("Invalid `where` filter", status=400)
            if not isinstance(where, dict):
                return Response.text("Invalid `where` filter", status=400)
        try:
            limit = int(request.query.get("limit", 30))
            skip = int(request.query.get("skip", 0))
        except ValueError:
            return Response.text("Invalid limit or skip", status=400)
        found = [
            invite
            for invite in self._invites.values()
            if self._owns(user, invite) and _matches(invite, where)
        ]
        # As the real backend: a list shows no invite's secret token (nor any link built on it).
        shown = [_without_secrets(invite) for invite in found[skip : skip + max(limit, 0)]]
        return Response.json(shown)

    def _update(self, request: Request, user: dict, invite: dict) -> Response:
        if invite["status"] == "ACCEPTED":
            return _refused("Can't edit Invite has been accepted by patient")
        body = _json(request)
        scheduled = self._scheduled_for(body)
        doctor, queue_id = self._doctor_and_queue(body, missing_queue=_refused)
        fields = {
            "firstName": "firstName",
            "lastName": "lastName",
            "emailAddress": "emailAddress",
            "phoneNumber": "phoneNumber",
            "gender": "gender",
            "language": "patientLanguage",
            "patientTZ": "patientTZ",
            "metadata": "metadata",
        }
        for source, target in fields.items():
            if body.get(source) is not None:
                invite[target] = body[source]
        if body.get("cancelScheduledFor"):
            invite["scheduledFor"] = 0
        elif scheduled is not None:
            invite["scheduledFor"] = int(scheduled.timestamp() * 1000)
        if doctor:
            invite["doctor"] = doctor["id"]
        if queue_id:
            invite["queue"] = queue_id
        invite["updatedAt"] = self._now_ms()
        if body.get("sendInvite", user["role"] != "scheduler"):
            self._notifications += 1
        return Response.json({"success": True, "invite": self._with_urls(invite, request)})

    # --- consultations --------------------------------------------------------------------

    def _stage_consultation(self, wanted: Any) -> None:
        if not isinstance(wanted, dict) or wanted.get("state") not in CONSULTATION_STATES:
            raise ValueError('consultation is {"invite": id, "state": pending|active|closed}')
        invite_id = wanted.get("invite")
        invite = self._invites.get(invite_id) if isinstance(invite_id, str) else None
        consultation = self._consultations.get(invite_id) if isinstance(invite_id, str) else None
        if consultation is None:
            if invite is None:
                raise ValueError(f"no invite {invite_id!r}")
            invite["status"] = "ACCEPTED"  # the patient logged in with the invite's token
            invite["updatedAt"] = self._now_ms()
            consultation = {
                "id": f"65f1a0c9e2b7d40014{next(self._consultation_numbers):06x}",
                "status": "pending",
                "createdAt": self._now_ms(),
                "invite": invite["id"],
                "invitedBy": invite["invitedBy"],
                "doctor": invite["doctor"],
                "queue": invite["queue"],
                "inviteScheduledFor": invite["scheduledFor"],
                "inviteCreatedAt": invite["createdAt"],
            }
            self._consultations[invite["id"]] = consultation
        state = wanted["state"]
        if state in ("active", "closed") and not consultation.get("acceptedAt"):
            consultation.update(status="active", acceptedAt=self._now_ms())
            consultation["acceptedBy"] = consultation["doctor"] or DOCTOR_ID
        if state == "closed":
            self._close(consultation)

    def _close(self, consultation: dict) -> None:
        """Consultation.closeConsultation: closed, and the patient's invite deleted."""
        if consultation["status"] != "closed":
            consultation.update(status="closed", closedAt=self._now_ms())
        self._invites.pop(consultation["invite"], None)

    def _consultation(self, operation: str, user: dict, invite_id: str | None) -> Response:
        """isInviteOwner, then InviteController.getConsultation / closeConsultation."""
        invite = self._invites.get(invite_id or "")
        consultation = self._consultations.get(invite_id or "")
        if invite is not None:
            allowed = self._owns(user, invite)
        else:
            allowed = consultation is not None and user["id"] in (
                consultation["doctor"],
                consultation["invitedBy"],
            )
        if not allowed:
            return _not_found()
        if operation == "invite.consultation.get":
            if consultation is None:
                return _not_found()
            return Response.json(self._anonymous_details(consultation))
        if consultation is None or consultation["status"] == "pending":
            return Response.json({"success": False, "error": "Consultation not found"}, 404)
        if consultation["status"] == "closed":  # its anonymous record, made by the close
            return Response.json(self._anonymous_details(consultation))
        self._close(consultation)
        return Response.json(
            {**consultation, "duration": self._now_ms() - consultation["acceptedAt"]}
        )

    def _anonymous_details(self, consultation: dict) -> dict:
        """Consultation.getAnonymousDetails: no `status`, and `closedAt` is now while open.
        Keys the backend leaves undefined are absent (JSON drops them)."""
        details = {
            "consultationId": consultation["id"],
            "IMADTeam": "none",
            "closedAt": consultation.get("closedAt") or self._now_ms(),
            "consultationCreatedAt": consultation["createdAt"],
            "queue": consultation["queue"],
            "doctor": consultation["doctor"],
            "invite": consultation["invite"],
            "invitedBy": consultation["invitedBy"],
            "numberOfPlannedParticipants": 2,
            "numberOfEffectiveParticipants": 0,
            "doctorTextMessagesCount": 0,
            "patientTextMessagesCount": 0,
            "missedCallsCount": 0,
            "successfulCallsCount": 0,
            "averageCallDuration": 0,
        }
        for key in ("acceptedAt", "acceptedBy"):
            if consultation.get(key):
                details[key] = consultation[key]
        if consultation["invite"] in self._invites:  # read from the invite while it exists
            details["inviteScheduledFor"] = consultation["inviteScheduledFor"]
            details["inviteCreatedAt"] = consultation["inviteCreatedAt"]
        return details

    def _revoke(self, invite_id: str | None) -> Response:
        """No owner check in the real policy; an unknown id makes it throw: an empty 500."""
        invite = self._invites.get(invite_id or "")
        if invite is None:
            return Response(status=500)
        del self._invites[invite["id"]]
        return Response(status=200)

    def _patient_page(self, request: Request) -> Response:
        token = request.query.get("invite", "")
        with self._lock:
            known = any(
                hmac.compare_digest(i["inviteToken"], token) for i in self._invites.values()
            )
        if not token or not known:
            return _not_found()
        html = (
            "<!doctype html><html lang='en'><title>HCW@Home sandbox</title><h1>HCW@Home "
            "sandbox</h1><p>This is where the patient would join the teleconsultation.</p></html>"
        )
        return Response(status=200, body=html.encode(), headers={"Content-Type": "text/html"})

    # --- helpers --------------------------------------------------------------------------

    def _route(self, request: Request) -> tuple[str, str | None]:
        path = request.path.rstrip("/") or "/"
        for method, pattern, operation in _ROUTES:
            match = re.fullmatch(pattern, path)
            if match and request.method.upper() == method:
                return operation, match.groupdict().get("id")
        return "unknown", None

    def _user(self, user_id, email, role, first, last) -> dict:
        return {
            "id": user_id,
            "email": email or self._scheduler_email(),
            "username": "",
            "role": role,
            "firstName": first,
            "lastName": last,
            "phoneNumber": "",
            "viewAllQueues": role == "scheduler",
            "status": "approved",
        }

    def _record(self, invite_id: str, fields: dict, created_ms: int) -> dict:
        # Deterministic like the rest of the seed (the real one is random): a sandbox link.
        token = hashlib.sha1(f"hcw-sandbox-invite-{invite_id}".encode()).hexdigest()  # noqa: S324
        return {
            "createdAt": created_ms,
            "updatedAt": created_ms,
            "id": invite_id,
            "firstName": "",
            "lastName": "",
            "gender": "",
            "phoneNumber": "",
            "emailAddress": "",
            "status": "SENT",
            "scheduledFor": 0,
            "type": "PATIENT",
            "patientLanguage": "",
            "doctorLanguage": "",
            "guestEmailAddress": "",
            "guestPhoneNumber": "",
            "queue": None,
            "doctor": None,
            "invitedBy": None,
            "patientTZ": "",
            "birthDate": "",
            "metadata": None,
            "inviteToken": token,
            "expertToken": hashlib.sha1(f"expert-{token}".encode()).hexdigest(),  # noqa: S324
            "patientInvite": None,
            "translationOrganization": None,
            "translator": None,
            "translatorRequestInvite": None,
            "translatorInvite": None,
            "guestInvite": None,
            **fields,
        }

    def _with_urls(self, invite: dict, request: Request, *, doctor_url: bool = True) -> dict:
        base = f"http://{request.headers.get('Host') or 'hcw.invalid'}/hcw"
        urls = {"patientURL": f"{base}/inv/?invite={invite['inviteToken']}"}
        if doctor_url:
            urls["doctorURL"] = f"{base}/app"  # process.env.DOCTOR_URL
        return {**invite, **urls}

    def _doctor(self, email: Any) -> dict | None:
        if not isinstance(email, str):
            return None
        return next(
            (
                u
                for u in self._users.values()
                if u["role"] in ("doctor", "admin") and u["email"] == email.strip()
            ),
            None,
        )

    def _queue(self, name_or_id: Any) -> str | None:
        if not isinstance(name_or_id, str):
            return None
        for queue_id, name in self._queues.items():
            if name_or_id in (queue_id, name):
                return queue_id
        return None

    def _scheduler_email(self) -> str:
        return shared.setting("SANDBOX_HCW_SCHEDULER_EMAIL", DEFAULT_SCHEDULER_EMAIL)

    def _password(self, user: dict) -> str:
        if user["id"] == SCHEDULER_ID:
            return self._options["scheduler_password"] or shared.setting(
                "SANDBOX_HCW_SCHEDULER_PASSWORD", DEFAULT_SCHEDULER_PASSWORD
            )
        return DOCTOR_PASSWORD if user["role"] == "doctor" else f"{DOCTOR_PASSWORD}-{user['id']}"

    def _secret(self, kind: str = "access") -> str:
        return f"hcw-sandbox-{kind}-{self._generation}-{self._rotation}"

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _now_ms(self) -> int:
        return int(self._now() * 1000)


def _without_secrets(invite: dict) -> dict:
    return {k: v for k, v in invite.items() if k not in ("inviteToken", "expertToken")}


def _json(request: Request) -> dict:
    try:
        body = request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refused(error: str) -> Response:
    return Response.json({"success": False, "error": error}, status=400)


def _no_such_queue(error: str) -> Response:
    return Response.json({"error": True, "message": error}, status=400)


class Refused(Exception):  # noqa: N818 - an answer, not a failure
    """Raised by a check deep in a handler; `handle` answers with `response`."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def _not_found() -> Response:
    return Response.text("Not Found", status=404)


def _matches(invite: dict, where: dict) -> bool:
    """The slice of Waterline criteria a client needs: equality, `in` lists, `and` / `or`."""
    for key, wanted in where.items():
        if key == "and":
            if not all(_matches(invite, w) for w in wanted):
                return False
        elif key == "or":
            if not any(_matches(invite, w) for w in wanted):
                return False
        elif isinstance(wanted, list):
            if invite.get(key) not in wanted:
                return False
        elif isinstance(wanted, dict) and "in" in wanted:
            if invite.get(key) not in wanted["in"]:
                return False
        elif invite.get(key) != wanted:
            return False
    return True
