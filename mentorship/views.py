from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mentorship import selectors
from mentorship.health import health_report


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "mentorship/home_public.html")
    return render(request, "mentorship/home.html", selectors.home_summary(user=request.user))


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
