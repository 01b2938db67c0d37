import zoneinfo

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils import timezone, translation


class RejectNulMiddleware:
    """Answer 400 to a NUL byte in the path or the query string.

    PostgreSQL text cannot hold NUL, so a lookup by a slug, token or intent
    that carries one raised DataError (a 500). Form fields refuse NUL already
    (Django's CharField does); the address is read by views directly, so it is
    refused here, before any view runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the request address")
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Show times in the signed-in person's own zone (UTC for visitors).

    Event times are shown in the event's zone explicitly, with this zone beside
    them when it differs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class UserLanguageMiddleware:
    """Speak the signed-in person's profile language, when they chose one.

    LocaleMiddleware, earlier in the stack, already activated the language of
    the switcher's cookie or of Accept-Language (else LANGUAGE_CODE); a
    language saved on the account wins over both, on every device. It reads
    `user.language` without importing accounts, which sits above core.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
