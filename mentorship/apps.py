from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Mentorship program"

    def ready(self):
        from mentorship import roles

        # New models arrive with later migrations; keep the committee's permissions
        # in step with them after every migrate.
        post_migrate.connect(roles.committee_group_sync_after_migrate, sender=self)
