from django.urls import path

from toolkit import views

app_name = "toolkit"

urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("saved/", views.saved, name="saved"),
    path("<slug:slug>/", views.topic_detail, name="topic"),
    path("<slug:slug>/save/", views.bookmark_add, name="bookmark_add"),
    path("<slug:slug>/unsave/", views.bookmark_remove, name="bookmark_remove"),
]
