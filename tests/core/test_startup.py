"""Starting a process loads the apps, not every app's services.

Every process pays for what `django.setup()` imports: the mail sender, the
task worker and each timer at every start, gunicorn at every worker. Apps
register what they offer (intents, checks) without importing the code that
carries it out, which is imported on first use.
"""

from tests.fresh import modules_loaded_by

HEAVY = ["events.services", "groups.services", "notifications.email", "icalendar"]


def test_setting_up_django_imports_no_services():
    assert modules_loaded_by("", HEAVY) == []
