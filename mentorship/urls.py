from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from matching import urls as matching_urls
from mentorship import views
from mentorship.privacy import views as privacy_views
from mentorship.signin import views as signin_views

# The admin signs in through allauth's pages, so rate limits, email verification and
# two-factor sign-in apply to the committee exactly as to everyone else.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Mentorship program committee"
admin.site.site_title = "Mentorship committee"
admin.site.index_title = "Run the program"

# A database outage gets its own 503 page instead of the generic 500 (see the view).
handler500 = "mentorship.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("intake/", views.join, name="join"),
    path("intake/teams/", views.intake_teams, name="intake_teams"),
    path("intake/<slug:slug>/<str:role>/", views.intake, name="intake"),
    path("intake/<slug:slug>/<str:role>/withdraw/", views.withdraw, name="withdraw"),
    path("matches/", include(matching_urls.meeting_urlpatterns)),
    path("promotions/report/", views.promotion_report, name="promotion_report"),
    path("graduation/", views.graduation_guide, name="graduation_guide"),
    path("graduation/steps/<str:step>/done/", views.guide_step_done, name="guide_step_done"),
    path("graduation/steps/<str:step>/undo/", views.guide_step_undo, name="guide_step_undo"),
    path("committee/journey/", views.journey, name="journey"),
    path("committee/journey/refresh/", views.journey_refresh, name="journey_refresh"),
    path(
        "committee/journey/remind/<int:enrollment_id>/",
        views.journey_remind,
        name="journey_remind",
    ),
    path("matches/", include("matching.urls")),
    path("toolkit/", include("toolkit.urls")),
    path("surveys/", include("surveys.urls")),
    path("notifications/", views.notification_preferences, name="notification_preferences"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("account/data/", privacy_views.my_data, name="my_data"),
    path("account/data/download/", privacy_views.my_data_download, name="my_data_download"),
    path("account/delete/", privacy_views.account_delete, name="account_delete"),
    path("account/deleted/", privacy_views.account_deleted, name="account_deleted"),
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>/", views.dev_mail, name="dev_mail_message"),
    # allauth's own OpenID Connect login and callback (same paths and names, under its
    # OPENID_CONNECT_URL_PREFIX "oidc"), answering an unreachable provider with a page.
    path(
        "accounts/oidc/<str:provider_id>/login/",
        signin_views.provider_login,
        name="openid_connect_login",
    ),
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        signin_views.provider_callback,
        name="openid_connect_callback",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
