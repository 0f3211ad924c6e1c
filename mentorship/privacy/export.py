"""Everything the program holds about one person, as data a person can read.

The sections are those of the download page and of the JSON file. Each is one query
(or two, with its topics), however long the person's history. What others wrote about
the person (the committee's notes, a mentor's meeting notes) is theirs and the
committee's, and is left out; so are anonymous answers, which nobody can link to
anyone, the person included.
"""

from django.db.models import Prefetch
from django.utils import timezone

from matching.models import Match, Meeting, RematchRequest
from matching.selectors import pairs_of
from mentorship.models import Enrollment, GraduationGuide, Notification, Profile, Promotion, User
from surveys.models import Answer, Response
from toolkit.models import Bookmark


def _when(value):
    return value.isoformat() if value else None


def _profile(user: User) -> dict | None:
    profile = (
        Profile.objects.select_related("business_unit", "team", "manager")
        .filter(user=user)
        .first()
    )
    if profile is None:
        return None
    return {
        "pronouns": profile.pronouns,
        "title": profile.title,
        "level": profile.get_level_display(),
        "years_in_product": profile.years_in_product,
        "business_unit": profile.business_unit.name if profile.business_unit else "",
        "team": profile.team.name if profile.team else "",
        "manager_email": profile.manager.email if profile.manager else "",
        "time_zone": profile.time_zone,
        "agencies": list(profile.agencies),
        "domains": list(profile.domains),
        "bio": profile.bio,
    }


def _intakes(user: User) -> list[dict]:
    enrollments = (
        Enrollment.objects.filter(user=user)
        .select_related("cohort")
        .prefetch_related("topics")
        .order_by("cohort__intake_opens_at", "pk")
    )
    return [
        {
            "cohort": e.cohort.name,
            "role": e.get_role_display(),
            "status": e.get_status_display(),
            "submitted_at": _when(e.submitted_at),
            "topics": [c.name for c in e.topics.all()],
            "career_track": e.get_career_track_display() if e.career_track else "",
            "cadence": e.get_cadence_display(),
            "goals": e.goals,
            "prefers_other_unit": e.prefers_other_unit,
            "notes_for_committee": e.notes_for_committee,
            "capacity": e.capacity,
            "shared_with_mentor": list(e.shared_with_mentor),
        }
        for e in enrollments
    ]


def _matches(user: User) -> list[dict]:
    rows = (
        pairs_of(Match, user)
        .select_related("cohort", "apm__user", "mentor__user")
        .order_by("created_at", "pk")
    )
    out = []
    for match in rows:
        as_apm = match.apm.user_id == user.pk
        other = match.mentor.user if as_apm else match.apm.user
        out.append(
            {
                "cohort": match.cohort.name,
                "you_were": "APM" if as_apm else "mentor",
                "with": other.display_name,
                "status": match.get_status_display(),
                "started_at": _when(match.created_at),
                "ended_at": _when(match.ended_at),
            }
        )
    return out


def _meetings(user: User) -> list[dict]:
    meetings = (
        Meeting.objects.filter(logged_by=user)
        .select_related("match__cohort")
        .prefetch_related("topics")
        .order_by("occurred_on", "pk")
    )
    return [
        {
            "cohort": m.match.cohort.name,
            "date": _when(m.occurred_on),
            "duration_minutes": m.duration_minutes,
            "topics": [t.title for t in m.topics.all()],
            "notes": m.notes,
            "next_meeting": _when(m.next_meeting_at or m.next_meeting_on),
        }
        for m in meetings
    ]


def _answers(user: User) -> list[dict]:
    responses = (
        Response.objects.filter(user=user)
        .select_related("survey")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").order_by(
                    "question__position", "choice"
                ),
            )
        )
        .order_by("submitted_on", "survey__title")
    )
    return [
        {
            "survey": r.survey.title,
            "submitted_on": _when(r.submitted_on),
            "answers": [
                {
                    "question": a.question.text,
                    "answer": a.text or a.choice or ("" if a.number is None else a.number),
                }
                for a in r.answers.all()
            ],
        }
        for r in responses
    ]


def _notifications(user: User) -> list[dict]:
    rows = Notification.objects.filter(user=user).order_by("created_at", "pk")
    return [
        {
            "kind": n.get_kind_display(),
            "to": n.to_email,
            "subject": n.subject,
            "status": n.get_status_display(),
            "queued_at": _when(n.created_at),
            "sent_at": _when(n.sent_at),
            # Account emails carry keys (reset links, codes): their bodies are erased.
            "body": "" if n.kind in Notification.SECRET_KINDS else n.body_text,
        }
        for n in rows.only(
            "kind", "to_email", "subject", "status", "created_at", "sent_at", "body_text"
        )
    ]


def personal_data(user: User) -> dict:
    """Everything about ``user``, in sections: plain JSON-ready data (strings, numbers,
    lists); dates as ISO 8601."""
    promotions = Promotion.objects.filter(user=user).order_by("promoted_on", "pk")
    guides = GraduationGuide.objects.filter(apm_enrollment__user=user).select_related(
        "apm_enrollment__cohort"
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "name": user.full_name,
            "email": user.email,
            "joined": _when(user.date_joined),
            "last_sign_in": _when(user.last_login),
        },
        "profile": _profile(user),
        "intakes": _intakes(user),
        "matches": _matches(user),
        "meetings_you_logged": _meetings(user),
        "rematch_requests": [
            {"reason": r.reason, "status": r.get_status_display(), "at": _when(r.created_at)}
            for r in RematchRequest.objects.filter(requested_by=user).order_by("created_at")
        ],
        "promotions": [
            {
                "from_title": p.from_title,
                "to_title": p.to_title,
                "promoted_on": _when(p.promoted_on),
                "status": p.get_status_display(),
            }
            for p in promotions
        ],
        "graduation_guides": [
            {
                "cohort": g.apm_enrollment.cohort.name,
                "steps_done": list(g.steps_done),
                "came_full_circle_at": _when(g.full_circle_at),
            }
            for g in guides
        ],
        "saved_topics": list(
            Bookmark.objects.filter(user=user)
            .order_by("created_at")
            .values_list("topic__title", flat=True)
        ),
        "survey_answers_with_your_name": _answers(user),
        "emails": _notifications(user),
    }
