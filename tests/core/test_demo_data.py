"""What `manage.py load_demo` loads (as `make run` does), loaded once for the
module: each test's own writes are rolled back after it (tests/once.py)."""

from io import StringIO

import pytest
from django.core.management import call_command

from events.models import Event, Series
from groups.models import Group
from tests.once import built_once, for_test


def _load_demo() -> None:
    call_command("load_demo", stdout=StringIO())


@pytest.fixture(scope="module")
def _demo_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    with built_once(request, django_db_blocker, folder, _load_demo) as built:
        yield built, folder


@pytest.fixture
def demo(_demo_once, db, settings):
    """The loaded demo, its uploaded images in this test's MEDIA_ROOT."""
    return for_test(*_demo_once, settings)


def test_demo_groups_have_logos_and_two_events_covers(demo):
    logos = Group.objects.values_list("slug", "logo_width", "logo_alt")
    assert sorted(logos) == [
        ("ddia-study", 256, "DDIA in white on blue"),
        ("rust-berlin", 256, "Rust Berlin's logo: RB in white on orange"),
    ]
    covers = Event.objects.exclude(cover="").values_list("cover_width", "cover_height")
    assert list(covers) == [(1200, 675), (1200, 675)]
    for event in Event.objects.exclude(cover=""):
        assert event.cover.storage.exists(event.cover.name) is True


def test_every_address_the_demo_loads_is_one_sendgrid_takes(demo):
    from accounts.models import User
    from notifications.addresses import validate_deliverable_email
    from notifications.models import Delivery
    from timepolls.models import Party

    addresses = {
        *User.objects.values_list("email", flat=True),
        *Party.objects.values_list("email", flat=True),
        *Delivery.objects.values_list("email", flat=True),
    }
    assert len(addresses) > 10
    for address in sorted(addresses):
        validate_deliverable_email(address)  # raises for a refused one


def test_demo_has_a_weekly_online_series_with_replies_to_the_next_date(demo):
    (series,) = Series.objects.all()
    events = list(series.events.order_by("start"))
    assert (series.group.slug, series.describe(), len(events)) == (
        "ddia-study",
        "every week on Tuesday",
        8,
    )
    assert {e.local_start.strftime("%A %H:%M") for e in events} == {"Tuesday 19:00"}
    assert all(e.online_url and not e.venue for e in events)
    assert events[0].rsvps.filter(status="attending").count() == 2
