from django.apps import AppConfig

from mentorship.apps import register_tasks


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        register_tasks(self)
