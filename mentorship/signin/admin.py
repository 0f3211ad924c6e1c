"""allauth's social account admins, taken out of the committee's admin (issue 16).

The company's provider is configured in settings. allauth also signs people in through
provider rows kept in the database (SocialApp), so whoever could add one here could put
in an identity provider of their own and, through sign-in by verified email, open any
account. Tokens are not stored (SOCIALACCOUNT_STORE_TOKENS), and which accounts are
linked is no committee business. This app comes after allauth.socialaccount in
INSTALLED_APPS, so its admins are registered by the time this runs.
"""

from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

admin.site.unregister([SocialApp, SocialToken, SocialAccount])
