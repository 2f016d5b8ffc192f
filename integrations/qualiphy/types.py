"""What the Qualiphy client returns: small frozen values, never raw payloads.

Patient-specific links (the meeting URL) stay out of `repr`, so a value printed into a log line
does not leak them.
"""

from dataclasses import dataclass, field
from datetime import datetime

# `rx_type` in /exam_list: 1 = non-Rx (Good Faith Exam), 2 = Rx.
RX_TYPE_GFE = 1
RX_TYPE_RX = 2


@dataclass(frozen=True)
class Exam:
    """One exam configured on the clinic (`/exam_list`); pass `id` to `exam_invite`."""

    id: int
    title: str
    rx_type: int | None = None
    price: str | None = None  # decimal string, e.g. "27.99"
    attachments_required: int | None = None
    attachments: tuple[str, ...] = ()

    @property
    def is_rx(self) -> bool:
        return self.rx_type == RX_TYPE_RX


@dataclass(frozen=True)
class PatientExam:
    """One exam of an invite: `patient_exam_id` is what cancel and the webhooks refer to."""

    patient_exam_id: int
    exam_id: int
    exam_title: str


@dataclass(frozen=True)
class ExamInvite:
    """The answer to `exam_invite`: one meeting for all the exams sent."""

    meeting_uuid: str
    meeting_url: str = field(repr=False)  # the patient's own link
    patient_exams: tuple[PatientExam, ...]

    @property
    def patient_exam_ids(self) -> tuple[int, ...]:
        return tuple(exam.patient_exam_id for exam in self.patient_exams)


@dataclass(frozen=True)
class ExamCancellation:
    """`exam_invite_cancel` succeeded, or the exam had been cancelled already (a second cancel)."""

    patient_exam_id: int
    cancelled_at: datetime | None = None
    already_cancelled: bool = False
