from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.my_surveys, name="mine"),
    path("<int:survey_id>/", views.answer, name="answer"),
    path("<int:survey_id>/draft/", views.save_draft, name="draft"),
    path("<int:survey_id>/submit/", views.submit, name="submit"),
    path("<int:survey_id>/my-answers/", views.my_answers, name="my_answers"),
    # The committee's pages.
    path("<int:survey_id>/results/", views.results, name="results"),
    path("<int:survey_id>/results.csv", views.results_csv, name="results_csv"),
    path("<int:survey_id>/answers/", views.attributed_answers, name="attributed_answers"),
    path("cohorts/<int:cohort_id>/results/", views.cohort_results, name="cohort_results"),
    path(
        "cohorts/<int:cohort_id>/results.csv", views.cohort_results_csv, name="cohort_results_csv"
    ),
    path("outcomes/", views.outcomes, name="outcomes"),
]
