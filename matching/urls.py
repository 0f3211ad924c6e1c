from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("<int:match_id>/rematch/", views.rematch_request, name="rematch_request"),
    path("<int:match_id>/next-meeting.ics", views.next_meeting_ics, name="next_meeting_ics"),
]

# The meeting log's names predate the namespace and stay global, so the links in
# templates and in emails already sent keep working. Included at "matches/" by the
# root URLconf.
meeting_urlpatterns = [
    path("<int:match_id>/meetings/", views.meeting_list, name="meetings"),
    path("<int:match_id>/meetings/new/", views.meeting_new, name="meeting_new"),
]
