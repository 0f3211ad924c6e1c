"""The committee's admin site: Django's, with its navigation built once per person.

Every admin page draws the navigation sidebar from ``get_app_list``: for each of the
two dozen registered models it asks the model's admin for four permissions and reverses
two URLs (about 2 ms a page, twice on the index, which lists the apps again). What it
returns changes only when someone's permissions or the registered admins do, so the
list is kept as a ``current_copy`` per person: any change made through a request or a
task makes it old at once, and so does any change to a grant wherever it is made
(mentorship.common.permissions stamps those). It is kept at most ``APP_LIST_SECONDS``
for anything else. The navigation only shows links: every page still checks its own
permission. Its sections come in the order of the committee's work (``APP_ORDER``).
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig

from mentorship.common.changes import current_copy

APP_LIST_SECONDS = 60
# The committee's sections in the order of its work; any other app follows, by name.
APP_ORDER = ("mentorship", "matching", "surveys", "toolkit", "account", "auth")


def plain_app_list(app_list: list[dict]) -> list[dict]:
    """``get_app_list``'s answer as plain data (a copy must pickle and outlive a deploy):
    without the model classes, which no admin template reads, and with names as text."""
    return [
        {
            **app,
            "name": str(app["name"]),
            "models": [
                {**{k: v for k, v in model.items() if k != "model"}, "name": str(model["name"])}
                for model in app["models"]
            ],
        }
        for app in app_list
    ]


class CommitteeAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        user = getattr(request, "user", None)
        if app_label is not None or user is None or not user.is_authenticated:
            return super().get_app_list(request, app_label)
        kept = getattr(request, "_admin_app_list", None)
        if kept is None:

            def build():
                app_list = super(CommitteeAdminSite, self).get_app_list(request)
                return plain_app_list(sorted(app_list, key=_app_place))

            kept = current_copy(f"admin-apps:{user.pk}", build, max_age=APP_LIST_SECONDS)
            request._admin_app_list = kept  # the index asks twice
        return kept


def _app_place(app: dict) -> tuple[int, str]:
    label = app["app_label"]
    return (APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER), str(app["name"]))


class CommitteeAdminConfig(AdminConfig):
    default_site = "mentorship.common.admin_site.CommitteeAdminSite"


class GroupsAuthConfig(AuthConfig):
    """Django's auth, named for what the committee finds there: "Authentication and
    Authorization" was two lines tall in the admin's navigation at 1280 px."""

    verbose_name = "Groups and permissions"
