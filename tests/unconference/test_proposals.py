import pytest

from tests.factories import ScheduleRunFactory, SessionFactory
from unconference.models import Session


def _propose(client, event, title, **extra):
    data = {"title": title, "description": "Bring *questions*.", **extra}
    return client.post(f"/events/{event.pk}/unconference/propose/", data)


def test_attendee_proposes_a_session(client, unconf, attendee):
    client.force_login(attendee)

    response = _propose(client, unconf.event, "  Async   Rust ")

    session = Session.objects.get()
    assert response.url == f"/events/{unconf.event.pk}/unconference/"
    assert (session.title, session.title_key) == ("Async Rust", "asyncrust")
    assert session.proposer == attendee


def test_proposal_records_slots_the_proposer_cannot_make(client, unconf, attendee):
    first = unconf.slots.order_by("start").first()
    client.force_login(attendee)

    _propose(client, unconf.event, "Borrow checker", unavailable_slots=[first.pk])

    assert list(Session.objects.get().unavailable_slots.all()) == [first]


def test_break_slots_are_not_offered_as_unavailable(client, unconf, attendee):
    lunch = unconf.slots.get(is_break=True)
    client.force_login(attendee)

    response = _propose(client, unconf.event, "Macros", unavailable_slots=[lunch.pk])

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    "title", ["async rust", "ASYNC RUST", "Async  Rust", "AsyncRust"]
)
def test_duplicate_title_ignoring_case_and_spacing_is_refused(
    client, unconf, attendee, title
):
    SessionFactory(unconference=unconf, title="Async Rust", title_key="asyncrust")
    client.force_login(attendee)

    html = _propose(client, unconf.event, title).content.decode()

    assert "There is a session called “Async Rust” in this event already" in html
    assert Session.objects.count() == 1


def test_same_title_in_another_event_is_fine(client, unconf, attendee):
    SessionFactory(title="Async Rust", title_key="asyncrust")
    client.force_login(attendee)

    _propose(client, unconf.event, "Async Rust")

    assert Session.objects.filter(unconference=unconf).count() == 1


def test_proposals_are_limited_to_the_number_of_slots(client, unconf, attendee):
    client.force_login(attendee)
    for n in range(3):
        _propose(client, unconf.event, f"Talk {n}")

    html = _propose(client, unconf.event, "One too many").content.decode()

    assert "You have proposed 3 sessions, as many as there are slots (3)." in html
    assert Session.objects.filter(proposer=attendee).count() == 3


def test_no_proposals_before_slots_exist(client, unconf, attendee):
    unconf.slots.all().delete()
    client.force_login(attendee)

    html = _propose(client, unconf.event, "Too early").content.decode()

    assert "The owners have not set up session slots yet" in html
    assert Session.objects.count() == 0


def test_closed_proposals_are_refused(client, unconf, attendee):
    unconf.proposals_open = False
    unconf.save()
    client.force_login(attendee)

    html = _propose(client, unconf.event, "Late idea").content.decode()

    assert "Proposals are closed for this event." in html
    assert Session.objects.count() == 0


def test_member_not_attending_gets_403_with_a_reason(client, unconf, member):
    client.force_login(member)

    response = _propose(client, unconf.event, "Sneaky")

    assert response.status_code == 403
    assert "Only people attending this event can propose and rate sessions." in (
        response.content.decode()
    )
    assert Session.objects.count() == 0


def test_proposer_edits_own_session(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, proposer=attendee, title="Old")
    client.force_login(attendee)

    client.post(
        f"/events/{unconf.event.pk}/unconference/sessions/{session.pk}/edit/",
        {"title": "New title", "description": "Changed"},
    )

    session.refresh_from_db()
    assert (session.title, session.title_key, session.description) == (
        "New title",
        "newtitle",
        "Changed",
    )


def test_editing_keeps_own_title_but_not_anothers(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, proposer=attendee, title="Mine")
    SessionFactory(unconference=unconf, title="Theirs", title_key="theirs")
    client.force_login(attendee)
    url = f"/events/{unconf.event.pk}/unconference/sessions/{session.pk}/edit/"

    same = client.post(url, {"title": "MINE", "description": ""})
    clash = client.post(url, {"title": "theirs", "description": ""})

    assert same.status_code == 302
    assert "There is a session called “Theirs”" in clash.content.decode()


def test_someone_elses_session_cannot_be_edited(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, title="Not yours")
    client.force_login(attendee)

    response = client.post(
        f"/events/{unconf.event.pk}/unconference/sessions/{session.pk}/edit/",
        {"title": "Hijacked", "description": ""},
    )

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.title == "Not yours"


def test_proposer_withdraws_own_session(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, proposer=attendee)
    client.force_login(attendee)

    response = client.post(
        f"/events/{unconf.event.pk}/unconference/sessions/{session.pk}/withdraw/"
    )

    assert response.status_code == 302
    assert Session.objects.count() == 0


def test_no_edit_or_withdrawal_after_publication(client, unconf, attendee):
    session = SessionFactory(unconference=unconf, proposer=attendee, title="Fixed")
    unconf.published_run = ScheduleRunFactory(unconference=unconf)
    unconf.save()
    client.force_login(attendee)
    base = f"/events/{unconf.event.pk}/unconference/sessions/{session.pk}"

    edit = client.post(f"{base}/edit/", {"title": "Moved", "description": ""})
    client.post(f"{base}/withdraw/")

    assert "The timetable is published" in edit.content.decode()
    session.refresh_from_db()
    assert session.title == "Fixed"


def test_title_taken_between_form_check_and_save_is_a_clear_error(unconf, attendee):
    from unconference import services

    SessionFactory(unconference=unconf, title="Race", title_key="race")

    with pytest.raises(services.UnconferenceError, match="There is a session with"):
        services.session_propose(
            unconference=unconf,
            by=attendee,
            title="RACE",
            description="",
            unavailable_slots=[],
        )
