import json

import pytest

from tests.factories import InterestFactory, SessionFactory
from unconference.models import Interest


def _url(unconf, path=""):
    return f"/events/{unconf.event.pk}/unconference/{path}"


def test_one_form_saves_every_choice(client, unconf, attendee):
    a, b = SessionFactory(unconference=unconf), SessionFactory(unconference=unconf)
    client.force_login(attendee)

    response = client.post(
        _url(unconf, "interest/"), {f"s{a.pk}": "very", f"s{b.pk}": "none"}
    )

    assert response.url == _url(unconf)
    levels = dict(
        Interest.objects.filter(user=attendee).values_list("session_id", "level")
    )
    assert levels == {a.pk: "very", b.pk: "none"}


def test_script_saves_one_choice_and_gets_json(client, unconf, attendee):
    a, b = SessionFactory(unconference=unconf), SessionFactory(unconference=unconf)
    InterestFactory(session=b, user=attendee, level="yes")
    client.force_login(attendee)

    response = client.post(
        _url(unconf, "interest/"),
        {f"s{a.pk}": "a_little"},
        headers={"Accept": "application/json"},
    )

    assert json.loads(response.content) == {"saved": 1}
    levels = dict(
        Interest.objects.filter(user=attendee).values_list("session_id", "level")
    )
    assert levels == {a.pk: "a_little", b.pk: "yes"}


def test_unknown_level_is_refused_in_json(client, unconf, attendee):
    a = SessionFactory(unconference=unconf)
    client.force_login(attendee)

    response = client.post(
        _url(unconf, "interest/"),
        {f"s{a.pk}": "desperately"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 400
    assert json.loads(response.content) == {
        "error": "Choose one of the offered levels for each session."
    }
    assert Interest.objects.count() == 0


def test_own_session_is_not_rated(client, unconf, attendee):
    own = SessionFactory(unconference=unconf, proposer=attendee)
    client.force_login(attendee)

    client.post(_url(unconf, "interest/"), {f"s{own.pk}": "none"})

    assert Interest.objects.count() == 0


def test_closed_interest_is_refused(client, unconf, attendee):
    a = SessionFactory(unconference=unconf)
    unconf.interest_open = False
    unconf.save()
    client.force_login(attendee)

    response = client.post(_url(unconf, "interest/"), {f"s{a.pk}": "yes"}, follow=True)

    assert "Marking interest is closed for this event." in response.content.decode()
    assert Interest.objects.count() == 0


def test_member_not_attending_cannot_rate(client, unconf, member):
    a = SessionFactory(unconference=unconf)
    client.force_login(member)

    response = client.post(_url(unconf, "interest/"), {f"s{a.pk}": "yes"})

    assert response.status_code == 403
    assert Interest.objects.count() == 0


def test_list_sorts_by_popularity(client, unconf, attendee, make_attendee):
    quiet = SessionFactory(unconference=unconf, title="Quiet", proposer=None)
    loved = SessionFactory(unconference=unconf, title="Loved", proposer=None)
    liked = SessionFactory(unconference=unconf, title="Liked", proposer=None)
    for person in (attendee, make_attendee("Bo")):
        InterestFactory(session=loved, user=person, level="very")
    InterestFactory(session=liked, user=attendee, level="yes")
    InterestFactory(session=quiet, user=attendee, level="none")
    client.force_login(attendee)

    response = client.get(_url(unconf))

    assert [s.title for s in response.context["sessions"]] == [
        "Loved",
        "Liked",
        "Quiet",
    ]
    assert [s.popularity for s in response.context["sessions"]] == [8, 3, 0]


def test_interest_of_people_no_longer_attending_does_not_count(client, unconf, member):
    session = SessionFactory(unconference=unconf, proposer=None)
    InterestFactory(
        session=session, user=member, level="very"
    )  # member is not attending

    response = client.get(_url(unconf))

    assert response.context["sessions"][0].popularity == 0


def test_my_interests_filter(client, unconf, attendee):
    mine = SessionFactory(unconference=unconf, title="Mine", proposer=attendee)
    rated = SessionFactory(unconference=unconf, title="Rated")
    SessionFactory(unconference=unconf, title="Not for me")
    SessionFactory(unconference=unconf, title="Unrated")
    InterestFactory(session=rated, user=attendee, level="a_little")
    InterestFactory(
        session=mine.unconference.sessions.get(title="Not for me"),
        user=attendee,
        level="none",
    )
    client.force_login(attendee)

    response = client.get(_url(unconf) + "?show=mine")

    assert sorted(s.title for s in response.context["sessions"]) == ["Mine", "Rated"]


def test_list_works_without_javascript(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, title="Tokio")
    InterestFactory(session=session, user=attendee, level="yes")
    client.force_login(attendee)

    html = client.get(_url(unconf)).content.decode()

    assert (
        f'<form method="post" action="{_url(unconf, "interest/")}" data-autosave>'
        in html
    )
    assert f'name="s{session.pk}" value="yes" checked' in html
    assert "Save my interests</button>" in html
    assert '<script src="/static/js/unconference.js" defer></script>' in html
    assert "<script>" not in html


def test_visitor_sees_the_list_without_forms_or_names(client, unconf):
    SessionFactory(
        unconference=unconf, title="Public talk", proposer__name="Secret Sam"
    )

    html = client.get(_url(unconf)).content.decode()

    assert "Public talk" in html
    assert "Secret Sam" not in html
    assert "Save my interests" not in html


def test_list_is_404_while_unconference_mode_is_off(client, unconf, member):
    unconf.enabled = False
    unconf.save()
    client.force_login(member)

    assert client.get(_url(unconf)).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_session_list_query_count(
    client, unconf, attendee, make_attendee, django_assert_num_queries, count
):
    for n in range(count):
        session = SessionFactory(unconference=unconf)
        InterestFactory(session=session, user=attendee, level="yes")
        InterestFactory(session=session, user=make_attendee(f"Fan {n}"), level="very")
    client.force_login(attendee)

    with django_assert_num_queries(7):
        response = client.get(_url(unconf))

    assert len(response.context["sessions"]) == count
