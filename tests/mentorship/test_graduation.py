from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matching import meetings
from matching import services as matching_services
from matching.models import BannedPair, Match, RematchRequest
from mentorship import graduation
from mentorship.models import (
    AuditLog,
    CareerTrack,
    Cohort,
    Enrollment,
    GraduationGuide,
    Notification,
    Promotion,
    Role,
)
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory
from toolkit.models import Category, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched in a cohort whose intake has closed."""
    return active_cohort


TODAY = timezone.localdate


@pytest.fixture
def match(committee, make_apm, make_mentor):
    apm = make_apm(
        topics=("career-growth", "accessibility"), career_track=CareerTrack.PEOPLE_MANAGER
    )
    mentor = make_mentor(topics=("career-growth",))
    match = matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    # The pair has been meeting for a month: promotions since then count for the program.
    Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=30))
    match.refresh_from_db()
    return match


@pytest.fixture
def apm_user(match):
    return match.apm.user


@pytest.fixture
def next_cohort(db):
    return CohortFactory(name="Spring 2027", slug="spring-2027")


@pytest.fixture
def promoted(match, committee):
    return graduation.promotion_record(
        user=match.apm.user,
        from_title="Associate Product Manager",
        to_title="Product Manager",
        promoted_on=TODAY() - timedelta(days=3),
        acting_user=committee,
    )


@pytest.fixture
def guide(match, promoted, committee, next_cohort):
    return graduation.apm_graduate(match=match, acting_user=committee)


def admin_action(client, model_url, action, ids):
    return client.post(
        reverse(model_url), {"action": action, "_selected_action": [str(i) for i in ids]}
    )


def log_meeting(match, *topic_slugs, days_ago=10):
    return meetings.meeting_log(
        match=match,
        logged_by=match.apm.user,
        occurred_on=TODAY() - timedelta(days=days_ago),
        duration_minutes=30,
        topics=Topic.objects.filter(slug__in=topic_slugs),
    )


# --- Promotions ------------------------------------------------------------------------


class TestCommitteeRecordsPromotions:
    def test_a_promotion_recorded_in_the_admin_is_confirmed_updates_the_title_and_is_audited(
        self, client, committee, match
    ):
        client.force_login(committee)
        apm_user = match.apm.user
        response = client.post(
            reverse("admin:mentorship_promotion_add"),
            {
                "user": apm_user.pk,
                "from_title": "Associate Product Manager",
                "to_title": "Product Manager",
                "promoted_on": (TODAY() - timedelta(days=1)).isoformat(),
            },
        )
        assert response.status_code == 302
        promotion = Promotion.objects.get()
        assert promotion.status == Promotion.Status.CONFIRMED
        assert promotion.confirmed_by == committee
        assert promotion.cohort == match.cohort  # the cohort they are in as an APM
        apm_user.profile.refresh_from_db()
        assert apm_user.profile.title == "Product Manager"
        audit = AuditLog.objects.get(action="promotion.recorded")
        assert audit.actor == committee
        assert audit.target == f"mentorship.promotion:{promotion.pk}"

    def test_the_add_form_starts_from_the_persons_profile_title(self, client, committee, match):
        client.force_login(committee)
        response = client.get(
            reverse("admin:mentorship_promotion_add") + f"?user={match.apm.user.pk}"
        )
        assert response.context["adminform"].form.initial["from_title"] == (
            "Associate Product Manager"
        )

    @pytest.mark.parametrize(
        ("to_title", "days_ahead", "message"),
        [
            ("Product Manager", 5, graduation.PROMOTION_IN_FUTURE),
            ("associate product manager", 0, graduation.PROMOTION_SAME_TITLE),
        ],
    )
    def test_the_admin_refuses_a_future_date_or_an_unchanged_title(
        self, client, committee, match, to_title, days_ahead, message
    ):
        client.force_login(committee)
        response = client.post(
            reverse("admin:mentorship_promotion_add"),
            {
                "user": match.apm.user.pk,
                "from_title": "Associate Product Manager",
                "to_title": to_title,
                "promoted_on": (TODAY() + timedelta(days=days_ahead)).isoformat(),
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Promotion.objects.exists()

    def test_the_service_refuses_a_future_date_too(self, match, committee):
        with pytest.raises(ValidationError) as error:
            graduation.promotion_record(
                user=match.apm.user,
                from_title="APM",
                to_title="PM",
                promoted_on=TODAY() + timedelta(days=1),
                acting_user=committee,
            )
        assert error.value.messages == [graduation.PROMOTION_IN_FUTURE]

    def test_saved_promotions_change_only_through_actions(self, client, committee, promoted):
        client.force_login(committee)
        url = reverse("admin:mentorship_promotion_change", args=[promoted.pk])
        assert client.get(url).status_code == 200  # shown, read-only
        response = client.post(url, {"to_title": "Director"})
        assert response.status_code == 403
        promoted.refresh_from_db()
        assert promoted.to_title == "Product Manager"


class TestApmReportsAPromotion:
    URL = reverse("promotion_report")

    def data(self, **overrides):
        return {
            "from_title": "Associate Product Manager",
            "to_title": "Product Manager",
            "promoted_on": (TODAY() - timedelta(days=2)).isoformat(),
            **overrides,
        }

    def test_the_form_starts_from_the_profile_title(self, client, apm_user):
        client.force_login(apm_user)
        response = client.get(self.URL)
        assert response.status_code == 200
        assert response.context["form"].initial["from_title"] == "Associate Product Manager"

    def test_a_reported_promotion_waits_for_the_committee(self, client, apm_user):
        client.force_login(apm_user)
        response = client.post(self.URL, self.data())
        assert response.status_code == 302
        promotion = Promotion.objects.get()
        assert promotion.status == Promotion.Status.REPORTED
        assert promotion.reported_by == apm_user
        apm_user.profile.refresh_from_db()
        assert apm_user.profile.title == "Associate Product Manager"  # not yet confirmed
        home = client.get(reverse("home")).content.decode()
        assert "The committee will confirm it soon" in home
        assert AuditLog.objects.filter(action="promotion.reported").count() == 1

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"promoted_on": "2999-01-01"}, "promoted_on", graduation.PROMOTION_IN_FUTURE),
            ({"to_title": "Associate product manager"}, "to_title",
             graduation.PROMOTION_SAME_TITLE),
            ({"to_title": ""}, "to_title", None),
            ({"promoted_on": "not a date"}, "promoted_on", None),
        ],
    )  # fmt: skip
    def test_bad_input_gets_a_clear_message_and_saves_nothing(
        self, client, apm_user, overrides, field, message
    ):
        client.force_login(apm_user)
        response = client.post(self.URL, self.data(**overrides))
        assert response.status_code == 200
        errors = response.context["form"].errors[field]
        assert errors
        if message:
            assert errors == [message]
        assert not Promotion.objects.exists()

    def test_reporting_twice_says_it_is_already_reported(self, client, apm_user):
        client.force_login(apm_user)
        client.post(self.URL, self.data())
        response = client.post(self.URL, self.data(to_title="Senior Product Manager"))
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            graduation.PROMOTION_ALREADY_REPORTED % {"title": "Product Manager"}
        ]
        assert Promotion.objects.count() == 1

    def test_people_who_are_not_apms_get_404(self, client, outsider, match):
        for person in (outsider, match.mentor.user):
            client.force_login(person)
            assert client.get(self.URL).status_code == 404
            assert client.post(self.URL, self.data()).status_code == 404
        assert not Promotion.objects.exists()

    def test_the_page_answers_get_and_post_only(self, client, apm_user):
        client.force_login(apm_user)
        assert client.put(self.URL).status_code == 405
        assert client.delete(self.URL).status_code == 405

    def test_signed_out_visitors_are_sent_to_sign_in(self, client):
        response = client.get(self.URL)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


class TestCommitteeConfirmsPromotions:
    def test_confirming_updates_the_title_and_is_audited(self, client, committee, apm_user):
        reported = graduation.promotion_report(
            user=apm_user,
            from_title="Associate Product Manager",
            to_title="Product Manager",
            promoted_on=TODAY(),
        )
        client.force_login(committee)
        response = admin_action(
            client, "admin:mentorship_promotion_changelist", "confirm_selected", [reported.pk]
        )
        assert response.status_code == 302
        reported.refresh_from_db()
        assert reported.status == Promotion.Status.CONFIRMED
        assert reported.confirmed_by == committee
        apm_user.profile.refresh_from_db()
        assert apm_user.profile.title == "Product Manager"
        assert AuditLog.objects.filter(action="promotion.confirmed", actor=committee).exists()

    def test_confirming_twice_is_refused_with_a_clear_message(self, committee, promoted):
        with pytest.raises(ValidationError) as error:
            graduation.promotion_confirm(promotion=promoted, acting_user=committee)
        assert error.value.messages == [
            graduation.PROMOTION_ALREADY_CONFIRMED % {"person": promoted.user}
        ]


# --- Graduation ------------------------------------------------------------------------


class TestGraduation:
    def test_graduating_ends_the_match_as_graduated_and_opens_the_guide(
        self, match, promoted, committee, next_cohort
    ):
        guide = graduation.apm_graduate(match=match, acting_user=committee)
        match.refresh_from_db()
        assert match.status == Match.Status.GRADUATED
        assert match.ended_at is not None
        assert guide.apm_enrollment == match.apm
        assert guide.steps_done == {}
        # Not a rematch: the pair is not banned, and nobody goes back into matching.
        assert not BannedPair.objects.exists()
        audit = AuditLog.objects.get(action="graduation.graduated")
        assert audit.actor == committee
        assert audit.target == f"matching.match:{match.pk}"

    def test_graduating_answers_an_open_rematch_request_for_the_match(
        self, match, promoted, committee, next_cohort
    ):
        request = matching_services.rematch_request_create(
            match=match, requested_by=match.mentor.user, reason="Our schedules never meet."
        )
        graduation.apm_graduate(match=match, acting_user=committee)
        request.refresh_from_db()
        assert request.status == RematchRequest.Status.RESOLVED
        assert request.resolved_by == committee
        audit = AuditLog.objects.get(action="matching.rematch_resolved")
        assert audit.details["ids"] == [request.pk]
        assert "graduated" in audit.summary
        # Still a graduation, not a rematch: no ban, and nobody goes back into matching.
        assert not BannedPair.objects.exists()

    def test_graduation_queues_congratulations_thanks_and_an_invitation_to_mentor(
        self, match, promoted, committee, next_cohort
    ):
        Notification.objects.all().delete()  # the match introductions
        graduation.apm_graduate(match=match, acting_user=committee)
        sent = {(n.kind, n.user_id) for n in Notification.objects.all()}
        assert sent == {
            (Notification.Kind.GRADUATION, match.apm.user_id),
            (Notification.Kind.MENTOR_THANKS, match.mentor.user_id),
            (Notification.Kind.MENTOR_INVITATION, match.apm.user_id),
        }
        invitation = Notification.objects.get(kind=Notification.Kind.MENTOR_INVITATION)
        assert "/intake/spring-2027/mentor/?from=graduation" in invitation.body_text
        assert invitation.object_key == f"mentorship.cohort:{next_cohort.pk}"

    def test_without_an_open_cohort_there_is_no_invitation(self, match, promoted, committee):
        Cohort.objects.update(status=Cohort.Status.ACTIVE)
        Notification.objects.all().delete()  # the match introductions
        graduation.apm_graduate(match=match, acting_user=committee)
        kinds = set(Notification.objects.values_list("kind", flat=True))
        assert kinds == {Notification.Kind.GRADUATION, Notification.Kind.MENTOR_THANKS}

    def test_the_emails_name_the_people_and_link_back_without_private_content(
        self, match, promoted, committee, next_cohort, django_capture_on_commit_callbacks
    ):
        match.apm.goals = "Secret goal about my manager"
        match.apm.save()
        log_meeting(match, "plain-language")
        with django_capture_on_commit_callbacks(execute=True):
            graduation.apm_graduate(match=match, acting_user=committee)
        assert len(mail.outbox) == 3
        by_recipient = {m.to[0]: m for m in mail.outbox if "Thank you" in m.subject}
        thanks = by_recipient[match.mentor.user.email]
        assert match.apm.user.display_name in thanks.body
        congratulations = next(m for m in mail.outbox if "Congratulations" in m.subject)
        assert congratulations.to == [match.apm.user.email]
        assert "/graduation/" in congratulations.body
        assert match.mentor.user.display_name in congratulations.body
        assert "APM Mentorship Program" in congratulations.subject
        for message in mail.outbox:
            assert "Secret goal" not in message.body
            assert message.alternatives  # an HTML part too

    def test_an_apm_without_a_confirmed_promotion_cannot_graduate(
        self, match, committee, apm_user
    ):
        graduation.promotion_report(
            user=apm_user, from_title="APM", to_title="PM", promoted_on=TODAY()
        )
        with pytest.raises(ValidationError) as error:
            graduation.apm_graduate(match=match, acting_user=committee)
        assert error.value.messages == [
            graduation.GRADUATION_NO_PROMOTION % {"apm": apm_user.display_name}
        ]
        match.refresh_from_db()
        assert match.status == Match.Status.ACTIVE
        assert not GraduationGuide.objects.exists()
        assert not Notification.objects.filter(kind=Notification.Kind.GRADUATION).exists()

    def test_only_an_active_match_can_graduate(self, match, promoted, committee):
        matching_services.match_end(match=match, acting_user=committee, reason="x")
        with pytest.raises(ValidationError) as error:
            graduation.apm_graduate(match=match, acting_user=committee)
        assert error.value.messages == [
            graduation.GRADUATION_MATCH_NOT_ACTIVE
            % {
                "apm": match.apm.user.display_name,
                "mentor": match.mentor.user.display_name,
                "status": "ended",
            }
        ]
        assert not GraduationGuide.objects.exists()

    def test_graduating_twice_is_refused(self, match, guide, committee):
        with pytest.raises(ValidationError, match="graduated: only an APM in an active match"):
            graduation.apm_graduate(match=match, acting_user=committee)
        assert GraduationGuide.objects.count() == 1
        assert Notification.objects.filter(kind=Notification.Kind.GRADUATION).count() == 1

    def test_the_committee_graduates_from_the_matches_admin(
        self, client, committee, match, promoted, next_cohort
    ):
        client.force_login(committee)
        response = admin_action(
            client, "admin:matching_match_changelist", "graduate_selected", [match.pk]
        )
        assert response.status_code == 302
        match.refresh_from_db()
        assert match.status == Match.Status.GRADUATED
        assert GraduationGuide.objects.filter(apm_enrollment=match.apm).exists()

    def test_the_matches_admin_says_why_a_match_cannot_graduate(self, client, committee, match):
        client.force_login(committee)
        response = admin_action(
            client, "admin:matching_match_changelist", "graduate_selected", [match.pk]
        )
        page = client.get(response["Location"]).content.decode()
        assert "has no confirmed promotion dated on or after their match started" in page
        match.refresh_from_db()
        assert match.status == Match.Status.ACTIVE

    def test_the_committee_graduates_from_the_promotions_admin(
        self, client, committee, match, promoted
    ):
        client.force_login(committee)
        admin_action(
            client, "admin:mentorship_promotion_changelist", "graduate_selected", [promoted.pk]
        )
        match.refresh_from_db()
        assert match.status == Match.Status.GRADUATED

    def test_the_promotions_admin_explains_a_person_without_an_active_match(
        self, client, committee, match, promoted
    ):
        matching_services.match_end(match=match, acting_user=committee, reason="x")
        client.force_login(committee)
        response = admin_action(
            client, "admin:mentorship_promotion_changelist", "graduate_selected", [promoted.pk]
        )
        page = client.get(response["Location"]).content.decode()
        assert "has no active match" in page
        assert not GraduationGuide.objects.exists()


# --- The graduation guide --------------------------------------------------------------


class TestGuidePage:
    URL = reverse("graduation_guide")

    def test_the_guide_lists_four_steps_with_progress_and_the_mentor_intake_link(
        self, client, guide, next_cohort
    ):
        client.force_login(guide.apm_enrollment.user)
        response = client.get(self.URL)
        assert response.status_code == 200
        page = response.content.decode()
        for step in GraduationGuide.Step:
            assert step.label in page
        assert "0 of 4 steps done" in page
        assert "/intake/spring-2027/mentor/?from=graduation" in page

    def test_without_an_open_cohort_the_guide_says_so(self, client, guide):
        Cohort.objects.update(status=Cohort.Status.ACTIVE)
        client.force_login(guide.apm_enrollment.user)
        page = client.get(self.URL).content.decode()
        assert "No other cohort is taking intake yet" in page
        assert "We'll email you when the committee opens it" in page
        assert "?from=graduation" not in page

    def test_ticking_and_unticking_a_step_is_saved_for_the_person(self, client, guide):
        client.force_login(guide.apm_enrollment.user)
        done = reverse("guide_step_done", args=["reflect"])
        response = client.post(done)
        assert response.status_code == 302
        assert response["Location"] == self.URL
        guide.refresh_from_db()
        assert guide.steps_done == {"reflect": TODAY().isoformat()}
        page = client.get(self.URL).content.decode()
        assert "1 of 4 steps done" in page
        client.post(reverse("guide_step_undo", args=["reflect"]))
        guide.refresh_from_db()
        assert guide.steps_done == {}

    def test_ticking_a_step_twice_keeps_the_first_date(self, guide):
        graduation.guide_step_toggle(guide=guide, step="survey", done=True)
        GraduationGuide.objects.filter(pk=guide.pk).update(steps_done={"survey": "2026-01-02"})
        guide.refresh_from_db()
        graduation.guide_step_toggle(guide=guide, step="survey", done=True)
        guide.refresh_from_db()
        assert guide.steps_done == {"survey": "2026-01-02"}

    def test_the_mentor_intake_step_is_ticked_only_by_the_intake(self, client, guide):
        client.force_login(guide.apm_enrollment.user)
        response = client.post(reverse("guide_step_done", args=["mentor_intake"]), follow=True)
        assert graduation.GUIDE_STEP_BY_INTAKE in response.content.decode()
        guide.refresh_from_db()
        assert guide.steps_done == {}

    def test_an_unknown_step_is_404(self, client, guide):
        client.force_login(guide.apm_enrollment.user)
        assert client.post(reverse("guide_step_done", args=["party"])).status_code == 404

    def test_people_without_a_guide_get_404_and_change_nothing(self, client, guide, outsider):
        match = Match.objects.get()
        for person in (outsider, match.mentor.user, EnrollmentFactory(cohort=match.cohort).user):
            client.force_login(person)
            assert client.get(self.URL).status_code == 404
            assert client.post(reverse("guide_step_done", args=["reflect"])).status_code == 404
        guide.refresh_from_db()
        assert guide.steps_done == {}

    def test_the_pages_answer_only_their_method(self, client, guide):
        client.force_login(guide.apm_enrollment.user)
        assert client.post(self.URL).status_code == 405
        assert client.get(reverse("guide_step_done", args=["reflect"])).status_code == 405
        assert client.get(reverse("guide_step_undo", args=["reflect"])).status_code == 405

    def test_home_links_the_guide_with_progress(self, client, guide):
        graduation.guide_step_toggle(guide=guide, step="reflect", done=True)
        client.force_login(guide.apm_enrollment.user)
        page = client.get(reverse("home")).content.decode()
        assert "Your graduation guide" in page
        assert "1 of 4 steps done" in page

    def test_home_offers_a_matched_apm_to_report_a_promotion(self, client, match):
        client.force_login(match.apm.user)
        assert reverse("promotion_report") in client.get(reverse("home")).content.decode()
        client.force_login(match.mentor.user)
        assert reverse("promotion_report") not in client.get(reverse("home")).content.decode()


# --- The way back as a mentor ----------------------------------------------------------


def intake_url(cohort):
    return reverse("intake", args=[cohort.slug, Role.MENTOR]) + "?from=graduation"


def mentor_intake_data(client, url):
    """The pre-filled form's values, as a browser would submit them."""
    response = client.get(url)
    profile_form, intake_form = response.context["profile_form"], response.context["intake_form"]
    data = {}
    for form in (profile_form, intake_form):
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            data[name] = value
    data["topics"] = [getattr(t, "pk", t) for t in data["topics"]]
    # What the form leaves for the person to choose.
    return {"career_track": CareerTrack.INDIVIDUAL_CONTRIBUTOR, "cadence": "monthly", **data}


class TestFullCircle:
    def test_the_mentor_intake_starts_from_the_topics_covered_most(
        self, client, match, guide, next_cohort
    ):
        # Accessibility twice, then career growth and government contracting once each.
        log_meeting(match, "plain-language", "from-apm-to-mentor")
        log_meeting(match, "section-508-and-wcag-in-practice", "reading-your-statement-of-work")
        client.force_login(match.apm.user)
        response = client.get(intake_url(next_cohort))
        form = response.context["intake_form"]
        # Ties go to the toolkit's category order: contracting comes before career growth.
        slugs = [Category.objects.get(pk=pk).slug for pk in form.initial["topics"]]
        assert slugs == ["accessibility", "government-contracting", "career-growth"]
        assert form.initial["career_track"] is None  # asked afresh, never the APM's interest
        assert form.initial["cadence"] is None
        assert form.initial["capacity"] == 1
        assert "Welcome back, graduate" in response.content.decode()

    def test_fewer_than_three_covered_categories_are_topped_up_with_the_apms_interests(
        self, match, guide
    ):
        log_meeting(match, "understanding-apis")
        initial = graduation.mentor_intake_initial(user=match.apm.user)
        slugs = [Category.objects.get(pk=pk).slug for pk in initial["topics"]]
        # Covered first; then the APM's own interests in the toolkit's order.
        assert slugs == ["technical-fluency", "accessibility", "career-growth"]

    def test_submitting_the_mentor_intake_brings_the_graduate_full_circle(
        self, client, match, guide, next_cohort
    ):
        client.force_login(match.apm.user)
        data = mentor_intake_data(client, intake_url(next_cohort))
        response = client.post(intake_url(next_cohort), data)
        assert response.status_code == 302, response.context["intake_form"].errors
        mentor_enrollment = Enrollment.objects.get(cohort=next_cohort, role=Role.MENTOR)
        assert mentor_enrollment.capacity == 1
        guide.refresh_from_db()
        assert guide.mentor_enrollment == mentor_enrollment
        assert guide.full_circle_at is not None
        assert guide.steps_done["mentor_intake"] == TODAY().isoformat()
        audit = AuditLog.objects.get(action="graduation.full_circle")
        assert audit.actor == match.apm.user
        page = client.get(reverse("graduation_guide")).content.decode()
        assert "You came full circle" in page
        assert "1 of 4 steps done" in page

    def test_editing_the_mentor_intake_later_keeps_the_first_full_circle(
        self, client, match, guide, next_cohort
    ):
        client.force_login(match.apm.user)
        data = mentor_intake_data(client, intake_url(next_cohort))
        client.post(intake_url(next_cohort), data)
        guide.refresh_from_db()
        first = guide.full_circle_at
        client.post(intake_url(next_cohort), {**data, "capacity": 2})
        guide.refresh_from_db()
        assert guide.full_circle_at == first
        assert AuditLog.objects.filter(action="graduation.full_circle").count() == 1

    def test_other_mentors_get_no_prefill_and_record_nothing(self, client, next_cohort, guide):
        mentor = UserFactory()
        client.force_login(mentor)
        response = client.get(intake_url(next_cohort))
        assert response.context["intake_form"].initial["capacity"] is None
        assert not response.context["intake_form"].initial["topics"]
        assert "Welcome back, graduate" not in response.content.decode()
        enrollment = EnrollmentFactory(user=mentor, cohort=next_cohort, role=Role.MENTOR)
        assert graduation.guide_full_circle_record(enrollment=enrollment) is None

    def test_an_apm_intake_does_not_close_the_circle(self, match, guide, next_cohort):
        enrollment = EnrollmentFactory(user=match.apm.user, cohort=next_cohort, role=Role.APM)
        assert graduation.guide_full_circle_record(enrollment=enrollment) is None
        guide.refresh_from_db()
        assert guide.full_circle_at is None
