"""The members' "take me along" choice: their own, off until they turn it on."""

from groups.models import Membership

LABEL = (
    "Let the owners take my name and address along if the group moves to another site"
)


def _consent(user) -> bool:
    return Membership.objects.get(user=user).export_consent


def test_membership_starts_without_consent(member):
    assert _consent(member) is False


def test_group_page_offers_members_the_choice(client, group, member):
    client.force_login(member)

    html = client.get("/groups/rust-berlin/").content.decode()

    assert f'<label for="id_export_consent">{LABEL}</label>' in html
    assert (
        '<input type="checkbox" name="export_consent" id="id_export_consent">' in html
    )
    assert "Save my choice" in html


def test_group_page_shows_the_choice_made(client, group, member):
    Membership.objects.filter(user=member).update(export_consent=True)
    client.force_login(member)

    html = client.get("/groups/rust-berlin/").content.decode()

    assert 'name="export_consent" id="id_export_consent" checked>' in html


def test_group_page_has_no_choice_for_people_outside(client, group, charlie):
    client.force_login(charlie)

    assert "export_consent" not in client.get("/groups/rust-berlin/").content.decode()


def test_member_agrees_to_come_along(client, group, member):
    client.force_login(member)

    response = client.post("/groups/rust-berlin/take-along/", {"export_consent": "on"})

    assert response.url == "/groups/rust-berlin/"
    assert _consent(member) is True


def test_member_withdraws_the_consent(client, group, member):
    Membership.objects.filter(user=member).update(export_consent=True)
    client.force_login(member)

    client.post("/groups/rust-berlin/take-along/", {})

    assert _consent(member) is False


def test_consent_is_only_posted(client, group, member):
    client.force_login(member)

    response = client.get("/groups/rust-berlin/take-along/?export_consent=on")

    assert response.status_code == 405
    assert _consent(member) is False


def test_staff_cannot_consent_for_anyone(client, group, member, staff):
    client.force_login(staff)

    response = client.post("/groups/rust-berlin/take-along/", {"export_consent": "on"})

    assert response.status_code == 403
    assert list(Membership.objects.filter(export_consent=True)) == []


def test_profile_says_which_groups_may_take_you_along(client, group, member):
    Membership.objects.filter(user=member).update(export_consent=True)
    client.force_login(member)

    html = client.get("/accounts/profile/").content.decode()

    assert "Rust Berlin</a> · comes along if it moves to another site" in html
