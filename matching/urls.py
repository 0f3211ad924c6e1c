from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("<int:match_id>/rematch/", views.rematch_request, name="rematch_request"),
]
