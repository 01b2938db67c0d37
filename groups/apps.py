from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from accounts import intents

        from . import intents as group_intents

        intents.register(
            "join", describe=group_intents.describe, perform=group_intents.perform
        )
