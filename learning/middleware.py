"""Language selection: Vietnamese unless the visitor chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many
cheap phones ship with an English system language although their owners read
Vietnamese. So only the language cookie (set by the switcher) changes it.
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext as _


class CookieLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in the path, the query string or a cookie is a 400 at the door.

    No real URL or cookie of ours holds one, and PostgreSQL refuses NUL in any text
    parameter, so one typed into `/xac-minh/%00/` or a forged session cookie would
    otherwise reach a query as a 500. (Form fields already refuse NUL themselves.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote_to_bytes(request.META.get("QUERY_STRING", ""))
        if (
            "\x00" in request.path
            or b"\x00" in query
            or any("\x00" in key + value for key, value in request.COOKIES.items())
        ):
            return HttpResponseBadRequest(_("Địa chỉ không hợp lệ."))
        return self.get_response(request)
