from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mentorship import views

# The admin signs in through allauth's pages, so rate limits, email verification and
# two-factor sign-in apply to the committee exactly as to everyone else.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Mentorship program committee"
admin.site.site_title = "Mentorship committee"
admin.site.index_title = "Run the program"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("intake/", views.join, name="join"),
    path("intake/<slug:slug>/<str:role>/", views.intake, name="intake"),
    path("intake/<slug:slug>/<str:role>/withdraw/", views.withdraw, name="withdraw"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
