from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from accounts import intents

        from . import checks  # noqa: F401  (registers the deploy checks)

        intents.register("rsvp", "events.intents")
