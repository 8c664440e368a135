from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

from . import context


def client_ip(request) -> str:
    # Behind a reverse proxy, configure it to set REMOTE_ADDR (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(
            context.RequestContext(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                channel="api" if request.path.startswith("/api/") else "web",
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switcher (its
    cookie). The browser's Accept-Language is not followed: staff whose browser happens
    to be set to English still get the Chinese pages until they choose otherwise."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
