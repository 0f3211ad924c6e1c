"""The import plan: compare the file with what is recorded, without writing anything.

The plan lists the instances to create and the ones to change, and fills in the
counts, so a dry run reports exactly what an import would do. A row that matches
what is recorded changes nothing, so importing the same file again touches nothing.
"""

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from mentorship.models import (
    BusinessUnit,
    CareerTrack,
    Cohort,
    Enrollment,
    Profile,
    Role,
    Team,
    User,
)
from mentorship.roster.messages import NOTE_OTHER_ROLE
from mentorship.roster.recorded import recorded_for
from mentorship.roster.result import RosterImportResult
from mentorship.roster.schema import RosterRow

CREATED = ("user", "unit", "team", "profile", "enrollment", "topic")
UPDATED = ("user", "profile", "enrollment")


@dataclass
class RosterPlan:
    """What writing is to save: new instances (unsaved, referring to each other) and
    changed ones, by model, and the topic links to delete."""

    created: dict[str, list] = field(default_factory=lambda: {name: [] for name in CREATED})
    updated: dict[str, list] = field(default_factory=lambda: {name: [] for name in UPDATED})
    removed_topic_links: list[int] = field(default_factory=list)


def roster_plan(
    *,
    cohort: Cohort,
    rows: list[RosterRow],
    users: dict[str, User],
    result: RosterImportResult,
) -> RosterPlan:
    """Every create and update for the validated rows, with the counts in ``result``.

    ``users`` (lowercased email → account) gains an unsaved user for each new person.
    """
    return _Planner(cohort=cohort, rows=rows, users=users, result=result).plan()


class _Planner:
    def __init__(self, *, cohort, rows, users, result):
        self.cohort, self.rows, self.users, self.result = cohort, rows, users, result
        self.now = timezone.now()
        self.todo = RosterPlan()
        user_ids = [users[row.email].pk for row in rows if row.email in users]
        self.recorded = recorded_for(cohort=cohort, user_ids=user_ids)
        self.units, self.teams = self._units_and_teams()

    def plan(self) -> RosterPlan:
        result, created = self.result, self.todo.created
        for row in self.rows:
            if row.email not in self.users:
                self.users[row.email] = User(
                    email=row.email, full_name=row.full_name, password=_unusable_password()
                )
                created["user"].append(self.users[row.email])

        other_role = []
        for row in self.rows:
            user = self.users[row.email]
            is_new = user.pk is None
            person_changed = self._plan_person(row, user)
            enrollment_changed = self._plan_enrollment(row, user)
            result.people_created += is_new
            result.people_updated += person_changed and not is_new
            result.unchanged += not (is_new or person_changed or enrollment_changed)
            other = self.recorded.enrollments.get((user.pk, _other_role(row.role)))
            if other is not None and other.status == Enrollment.Status.SUBMITTED:
                other_role.append(row.email)

        result.business_units_created = len(created["unit"])
        result.teams_created = len(created["team"])
        if other_role:
            examples = ", ".join(other_role[:5]) + (", …" if len(other_role) > 5 else "")
            result.notes.append(
                NOTE_OTHER_ROLE
                % {"count": len(other_role), "cohort": self.cohort.name, "examples": examples}
            )
        return self.todo

    def _plan_person(self, row: RosterRow, user: User) -> bool:
        """The user's name and their profile; True if either is new or changes."""
        changed = False
        if user.pk is not None and user.full_name != row.full_name:
            user.full_name = row.full_name
            self.todo.updated["user"].append(user)
            changed = True
        unit = self.units[_key(row.business_unit)]
        team = self.teams[(_key(row.business_unit), _key(row.team))]
        manager = self.users.get(row.manager_email) if row.manager_email else None
        profile = self.recorded.profiles.get(user.pk) if user.pk is not None else None
        if profile is None:
            profile = Profile(user=user, title=row.title or "", time_zone=row.time_zone)
            profile.business_unit, profile.team, profile.manager = unit, team, manager
            self.todo.created["profile"].append(profile)
            return True
        if _profile_update(profile, row, unit, team, manager, self.now):
            self.todo.updated["profile"].append(profile)
            return True
        return changed

    def _plan_enrollment(self, row: RosterRow, user: User) -> bool:
        """The enrollment in this cohort and its topics; True if new or changed."""
        enrollment = None
        if user.pk is not None:
            enrollment = self.recorded.enrollments.get((user.pk, row.role))
        if enrollment is None:
            enrollment = _enrollment_new(user, self.cohort, row, self.now)
            self.todo.created["enrollment"].append(enrollment)
            self.result.enrollments_created += 1
            links = {}
            changed = True
        else:
            links = self.recorded.topic_links.get(enrollment.pk, {})
            fields_changed = _enrollment_update(enrollment, row, self.now)
            if fields_changed:
                self.todo.updated["enrollment"].append(enrollment)
            changed = fields_changed or set(links) != set(row.topic_ids)
            self.result.enrollments_updated += changed
        # The topics are set exactly: links the file lacks go, links it adds come.
        through = Enrollment.topics.through
        self.todo.created["topic"].extend(
            through(enrollment=enrollment, category_id=category_id)
            for category_id in row.topic_ids
            if category_id not in links
        )
        self.todo.removed_topic_links.extend(
            link_id for category_id, link_id in links.items() if category_id not in row.topic_ids
        )
        return changed

    def _units_and_teams(self):
        """Business units and teams by case-insensitive name, new ones unsaved."""
        created = self.todo.created
        # The whole list: an organisation has tens of units, not thousands.
        units = {_key(unit.name): unit for unit in BusinessUnit.objects.all()}
        teams = {
            (_key(team.business_unit.name), _key(team.name)): team
            for team in Team.objects.select_related("business_unit")
        }
        for row in self.rows:
            unit_key, team_key = _key(row.business_unit), (_key(row.business_unit), _key(row.team))
            if unit_key not in units:
                units[unit_key] = BusinessUnit(name=_tidy(row.business_unit))
                created["unit"].append(units[unit_key])
            if team_key not in teams:
                teams[team_key] = Team(business_unit=units[unit_key], name=_tidy(row.team))
                created["team"].append(teams[team_key])
        return units, teams


# --- Comparing ------------------------------------------------------------------------


def _profile_update(profile, row, unit, team, manager, now) -> bool:
    """Bring an existing profile in line with the row; True if anything changed."""
    wanted = {
        "time_zone": row.time_zone,
        "business_unit": unit,
        "team": team,
    }
    if row.title is not None:
        wanted["title"] = row.title
    if row.manager_email is not None:
        wanted["manager"] = manager
    changed = False
    for name, value in wanted.items():
        if name in ("business_unit", "team", "manager"):
            current_id = getattr(profile, f"{name}_id")
            same = (value is None and current_id is None) or (
                value is not None and value.pk is not None and value.pk == current_id
            )
        else:
            same = getattr(profile, name) == value
        if not same:
            setattr(profile, name, value)
            changed = True
    if changed:
        profile.updated_at = now
    return changed


def _enrollment_new(user, cohort, row, now) -> Enrollment:
    return Enrollment(
        user=user,
        cohort=cohort,
        role=row.role,
        status=Enrollment.Status.SUBMITTED,
        submitted_at=now,
        capacity=row.capacity,
        career_track=row.career_track or CareerTrack.UNDECIDED,
        prefers_other_unit=row.prefers_other_unit is not False,
        goals=row.goals or "",
    )


def _enrollment_update(enrollment, row, now) -> bool:
    wanted = {"capacity": row.capacity, "status": Enrollment.Status.SUBMITTED}
    for name in ("career_track", "prefers_other_unit", "goals"):
        if getattr(row, name) is not None:
            wanted[name] = getattr(row, name)
    changed = {name: value for name, value in wanted.items() if getattr(enrollment, name) != value}
    if not changed:
        return False
    if changed.get("status") or enrollment.submitted_at is None:
        # Re-joining after withdrawing counts as submitting now.
        enrollment.submitted_at = now
    for name, value in changed.items():
        setattr(enrollment, name, value)
    enrollment.updated_at = now
    return True


def _other_role(role: str) -> str:
    return Role.MENTOR if role == Role.APM else Role.APM


def _unusable_password() -> str:
    """What set_unusable_password() stores, from one call for randomness instead of 40.

    People imported have no password until they set one through "forgot password",
    as for user_get_or_create_by_email().
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _tidy(name: str) -> str:
    return " ".join(name.split())
