from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from accounts import intents

        from . import checks  # noqa: F401  (registers the deploy checks)
        from . import intents as event_intents

        intents.register(
            "rsvp", describe=event_intents.describe, perform=event_intents.perform
        )
