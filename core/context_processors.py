from django.conf import settings


def site(request):
    # The demo's mailbox page exists only with DEBUG (core.views.dev_mailbox).
    return {"site_name": settings.SITE_NAME, "dev_mailbox": settings.DEBUG}
