import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from matching import services
from matching.models import BannedPair, Match, MatchingRun, Proposal, RematchRequest
from mentorship.models import AuditLog, Cohort
from tests.factories import CohortFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairable(make_apm, make_mentor):
    apms = [make_apm() for _ in range(3)]
    mentors = [make_mentor(capacity=2), make_mentor(capacity=1)]
    return apms, mentors


def test_a_run_proposes_a_mentor_for_every_apm(
    cohort, committee, pairable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert (run.apm_count, run.mentor_count, run.matched_count, run.unmatched_count) == (
        3,
        2,
        3,
        0,
    )
    assert run.optimal is True
    assert run.started_at
    assert run.finished_at
    proposals = Proposal.objects.filter(run=run)
    assert proposals.count() == 3
    assert all(p.reasons and p.score > 0 for p in proposals)
    assert AuditLog.objects.filter(action="matching.run_requested").exists()


def test_only_one_run_per_cohort_at_a_time(cohort, committee, pairable):
    MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.RUNNING)
    with pytest.raises(ValidationError) as error:
        services.run_request(cohort=cohort, acting_user=committee)
    assert error.value.messages == [services.RUN_ALREADY_ACTIVE % {"cohort": cohort.name}]


def test_runs_are_refused_for_draft_and_closed_cohorts(committee):
    for status in (Cohort.Status.DRAFT, Cohort.Status.CLOSED):
        cohort = CohortFactory(status=status)
        with pytest.raises(ValidationError):
            services.run_request(cohort=cohort, acting_user=committee)
    assert not MatchingRun.objects.exists()


def test_executing_a_run_twice_does_nothing_the_second_time(
    cohort, pairable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=None)
    assert services.run_execute(run_id=run.pk) is None
    assert Proposal.objects.filter(run=run).count() == 3


def test_a_failed_run_records_why_and_changes_nothing_else(
    cohort, pairable, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_request(cohort=cohort, acting_user=None)
    before = list(Proposal.objects.values_list("id", "status"))

    def explode(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services.runs.engine, "match", explode)
    second = MatchingRun.objects.create(cohort=cohort)
    with pytest.raises(RuntimeError):
        services.run_execute(run_id=second.pk)
    second.refresh_from_db()
    assert second.status == MatchingRun.Status.FAILED
    assert "solver exploded" in second.error
    assert list(Proposal.objects.values_list("id", "status")) == before
    assert first.pk != second.pk


def test_rerunning_supersedes_open_proposals_but_keeps_approved_matches(
    cohort, committee, pairable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_request(cohort=cohort, acting_user=committee)
    approved = Proposal.objects.filter(run=first).first()
    with django_capture_on_commit_callbacks(execute=True):
        match = services.proposal_approve(proposal=approved, acting_user=committee)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.run_request(cohort=cohort, acting_user=committee)

    statuses = dict(Proposal.objects.filter(run=first).values_list("id", "status"))
    assert statuses.pop(approved.pk) == Proposal.Status.APPROVED
    assert set(statuses.values()) == {Proposal.Status.SUPERSEDED}
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE
    # The matched APM is not proposed again; the others are.
    second_apms = set(Proposal.objects.filter(run=second).values_list("apm_id", flat=True))
    assert approved.apm_id not in second_apms
    assert len(second_apms) == 2


def test_approving_creates_the_match_and_sends_one_introduction(
    cohort, committee, pairable, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)
    proposal = Proposal.objects.filter(run=run).first()
    with django_capture_on_commit_callbacks(execute=True):
        match = services.proposal_approve(proposal=proposal, acting_user=committee)

    assert (match.apm, match.mentor, match.status) == (proposal.apm, proposal.mentor, "active")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [proposal.apm.user.email, proposal.mentor.user.email]
    )
    apm_mail = next(m for m in mailoutbox if m.to == [proposal.apm.user.email])
    assert "Meet your mentor" in apm_mail.subject
    assert "book your first" in apm_mail.body
    assert apm_mail.alternatives  # HTML part

    from matching.emails import match_introduction_queue

    assert match_introduction_queue(match=match) == 0  # never twice
    assert len(mailoutbox) == 2


def test_approval_refuses_a_second_match_for_an_apm(cohort, committee, make_apm, make_mentor):
    apm = make_apm()
    mentors = [make_mentor(), make_mentor()]
    # Two proposals for one APM: e.g. from two runs, both still open in two admins' tabs.
    first, second = (
        Proposal.objects.create(
            run=MatchingRun.objects.create(cohort=cohort, status="succeeded"),
            cohort=cohort,
            apm=apm,
            mentor=m,
            score=50,
        )
        for m in mentors
    )
    services.proposal_approve(proposal=first, acting_user=committee)
    with pytest.raises(ValidationError) as error:
        services.proposal_approve(proposal=second, acting_user=committee)
    assert "already has an active match" in error.value.messages[0]
    assert Match.objects.filter(apm=apm).count() == 1


def test_approval_refuses_a_mentor_at_capacity(cohort, committee, make_apm, make_mentor):
    mentor = make_mentor(capacity=1)
    run = MatchingRun.objects.create(cohort=cohort, status="succeeded")
    first, second = (
        Proposal.objects.create(run=run, cohort=cohort, apm=make_apm(), mentor=mentor, score=50)
        for _ in range(2)
    )
    services.proposal_approve(proposal=first, acting_user=committee)
    with pytest.raises(ValidationError) as error:
        services.proposal_approve(proposal=second, acting_user=committee)
    assert error.value.messages == [
        services.MENTOR_AT_CAPACITY % {"mentor": mentor.user.display_name, "capacity": 1}
    ]


def test_approval_rechecks_the_manager_rule(cohort, committee, make_apm, make_mentor):
    mentor = make_mentor()
    apm = make_apm()
    run = MatchingRun.objects.create(cohort=cohort, status="succeeded")
    proposal = Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=50)
    apm.user.profile.manager = mentor.user  # changed after the run
    apm.user.profile.save()
    with pytest.raises(ValidationError):
        services.proposal_approve(proposal=proposal, acting_user=committee)
    assert not Match.objects.exists()


def test_rejecting_keeps_the_pair_out_of_later_runs(
    cohort, committee, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    apm = make_apm()
    good, other = make_mentor(topics=("career-growth",)), make_mentor(topics=("accessibility",))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_request(cohort=cohort, acting_user=committee)
    proposal = Proposal.objects.get(run=first)
    assert proposal.mentor == good
    services.proposal_reject(proposal=proposal, acting_user=committee)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.run_request(cohort=cohort, acting_user=committee)
    assert Proposal.objects.get(run=second, apm=apm).mentor == other


class TestHandMatching:
    def test_a_clean_pair_is_matched_without_a_reason(
        self, committee, make_apm, make_mentor, django_capture_on_commit_callbacks
    ):
        apm, mentor = make_apm(), make_mentor()
        preview = services.hand_match_preview(apm=apm, mentor=mentor)
        assert preview["broken_rules"] == []
        assert preview["score"] > 0
        match = services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
        assert match.status == Match.Status.ACTIVE
        assert AuditLog.objects.get(action="matching.hand_match").actor == committee

    def test_the_manager_rule_can_never_be_overridden(self, committee, make_apm, make_mentor):
        mentor = make_mentor()
        apm = make_apm(manager=mentor.user)
        preview = services.hand_match_preview(apm=apm, mentor=mentor)
        assert preview["blocked"] is True
        with pytest.raises(ValidationError) as error:
            services.match_create_by_hand(
                apm=apm, mentor=mentor, acting_user=committee, override_reason="Please"
            )
        assert "cannot be overridden" in error.value.messages[0]
        assert not Match.objects.exists()

    def test_the_managers_manager_is_refused_too(self, committee, make_apm, make_mentor):
        big_boss = make_mentor()
        middle = make_mentor(team=TeamFactory(name="Middle"))
        middle.user.profile.manager = big_boss.user
        middle.user.profile.save()
        apm = make_apm(manager=middle.user)
        assert services.hand_match_preview(apm=apm, mentor=big_boss)["blocked"] is True

    def test_same_team_needs_an_audited_reason(self, committee, make_apm, make_mentor):
        team = TeamFactory(name="Shared team")
        apm, mentor = make_apm(team=team), make_mentor(team=team)
        with pytest.raises(ValidationError) as error:
            services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
        assert "Give a reason to override it" in error.value.messages[0]
        match = services.match_create_by_hand(
            apm=apm,
            mentor=mentor,
            acting_user=committee,
            override_reason="Only PM in their time zone",
        )
        assert match.override_reason == "Only PM in their time zone"
        log = AuditLog.objects.get(action="matching.hand_match")
        assert log.details["overridden_rules"] == ["same_team"]

    def test_pairs_must_share_a_cohort(self, committee, make_apm, make_mentor):
        from tests.factories import EnrollmentFactory

        other_cohort_mentor = EnrollmentFactory(role="mentor", cohort=CohortFactory())
        with pytest.raises(ValidationError) as error:
            services.match_create_by_hand(
                apm=make_apm(), mentor=other_cohort_mentor, acting_user=committee
            )
        assert error.value.messages == [services.NOT_SAME_COHORT]


class TestRematch:
    def test_request_then_resolve_ends_bans_and_rematches(
        self, cohort, committee, make_apm, make_mentor, django_capture_on_commit_callbacks
    ):
        apm, first, second = make_apm(), make_mentor(), make_mentor()
        match = services.match_create_by_hand(apm=apm, mentor=first, acting_user=committee)
        request = services.rematch_request_create(
            match=match, requested_by=apm.user, reason="We never connected."
        )
        with pytest.raises(ValidationError):
            services.rematch_request_create(match=match, requested_by=apm.user, reason="again")

        services.rematch_request_resolve(request=request, acting_user=committee)
        match.refresh_from_db()
        assert match.status == Match.Status.ENDED
        assert BannedPair.objects.filter(apm_user=apm.user, mentor_user=first.user).exists()
        assert RematchRequest.objects.get().status == RematchRequest.Status.RESOLVED

        with django_capture_on_commit_callbacks(execute=True):
            run = services.run_request(cohort=cohort, acting_user=committee)
        assert Proposal.objects.get(run=run, apm=apm).mentor == second


# The command waits for the run, so the on-commit enqueue must really happen: these
# tests commit (transactional) and the task runs eagerly.
@pytest.mark.django_db(transaction=True)
def test_run_matching_command_waits_and_prints_a_summary(cohort, pairable, capsys):
    call_command("run_matching", "--cohort", cohort.slug, "--wait")
    out = capsys.readouterr().out
    assert "Matched 3 of 3 APMs with 2 mentors" in out


@pytest.mark.django_db(transaction=True)
def test_run_matching_command_lists_unmatched_apms_with_reasons(cohort, make_apm, capsys):
    make_apm()
    call_command("run_matching", "--cohort", cohort.slug, "--wait")
    out = capsys.readouterr().out
    assert "Matched 0 of 1 APMs" in out
    assert "Unmatched:" in out


def test_export_proposals_writes_csv_with_formula_cells_neutralised(
    cohort, pairable, capsys, django_capture_on_commit_callbacks
):
    apms, _ = pairable
    apms[0].user.email = "=cmd@adhoc.example"
    apms[0].user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(cohort=cohort, acting_user=None)
    call_command("export_proposals", "--cohort", cohort.slug)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "apm_email,mentor_email,score,reasons,status"
    assert len(lines) == 4
    assert any(line.startswith("'=cmd@adhoc.example") for line in lines)
