"""Signing in with the company's identity provider, and PASSWORD_LOGIN (issue 16).

allauth's social accounts do the OpenID Connect work (mentorship.adapters has the
adapter); this package holds what is ours around it: the login and reset forms that
keep passwords to superusers when PASSWORD_LOGIN=0, and the provider's two views
wrapped so that an unreachable provider ends on a clear page.
"""
