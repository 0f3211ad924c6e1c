from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Mentorship program"

    def ready(self):
        from mentorship import roles

        # New models arrive with later migrations; keep the committee's permissions
        # in step with them after every migrate. Connected for every app (not only
        # this one): each app's permissions exist only once its own post_migrate ran.
        post_migrate.connect(
            roles.committee_group_sync_after_migrate, dispatch_uid="committee_group_sync"
        )
