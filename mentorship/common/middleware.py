"""Query parameters arrive without control characters, before any view reads them."""

from django.http import QueryDict

from mentorship.common.text import CONTROL_CHARACTERS, strip_control_characters


class QueryStringMiddleware:
    """Strip control and bidirectional characters from every query parameter's name and value.

    Searches, filters, ordering, pages and ``next`` links all come from the address
    bar, where such a character is never meant: a NUL in ``?q=`` made PostgreSQL refuse
    the whole query. Dropping them here covers every page, the admin's and allauth's
    included. The query string itself is rewritten too, so that links built from it
    (pagination, "clear filters", redirects) carry the cleaned values.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            CONTROL_CHARACTERS.search(text)
            for key, values in request.GET.lists()
            for text in (key, *values)
        ):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(
                    strip_control_characters(key), [strip_control_characters(v) for v in values]
                )
            cleaned._mutable = False
            request.GET = cleaned
            request.META["QUERY_STRING"] = cleaned.urlencode()
        return self.get_response(request)
