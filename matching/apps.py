from django.apps import AppConfig

from mentorship.apps import register_tasks


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        register_tasks(self)
