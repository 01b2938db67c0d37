"""The audit log: append-only, and exactly one entry per action, none if refused."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.utils import timezone

from timepolls.models import AuditEntry, AuditImmutableError, PartyLink

from .conftest import next_week
from .test_create import rows


@pytest.fixture
def ctx(client, poll, parties, times, owner, member, gus_link, group):
    return {
        "client": client, "poll": poll, "parties": parties, "times": times,
        "owner": owner, "member": member, "gus": gus_link, "group": group,
    }  # fmt: skip


def _as(ctx, who):
    ctx["client"].force_login(ctx[who])
    return ctx["client"]


def _answers(ctx, choices=("yes", "no", "maybe")):
    data = {"version": ctx["poll"].version}
    data.update({f"time_{t.pk}": c for t, c in zip(ctx["times"], choices, strict=True)})
    return data


def _agreed(ctx):
    c = _as(ctx, "owner")
    c.post(
        f"/polls/{ctx['poll'].pk}/agree/", {"version": 1, "time": ctx["times"][1].pk}
    )
    return c


ACTIONS = {
    "viewed (web)": (
        lambda x: _as(x, "owner").get(f"/polls/{x['poll'].pk}/"),
        "viewed",
    ),
    "viewed (link)": (lambda x: x["client"].get(f"/p/{x['gus']}/"), "viewed"),
    "answered (web)": (
        lambda x: _as(x, "member").post(f"/polls/{x['poll'].pk}/answer/", _answers(x)),
        "answered",
    ),
    "answered (link)": (
        lambda x: x["client"].post(f"/p/{x['gus']}/answer/", _answers(x)),
        "answered",
    ),
    "zone changed": (
        lambda x: x["client"].post(f"/p/{x['gus']}/zone/", {"timezone": "Asia/Dubai"}),
        "zone_changed",
    ),
    "time added": (
        lambda x: _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/times/add/",
            {
                "version": 1,
                "timezone": "UTC",
                **rows((f"{next_week(15):%Y-%m-%d}", f"{next_week(15):%H:%M}")),
            },
        ),
        "time_added",
    ),
    "time removed": (
        lambda x: _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/times/{x['times'][0].pk}/remove/", {"version": 1}
        ),
        "time_removed",
    ),
    "notified": (
        lambda x: _as(x, "owner").post(f"/polls/{x['poll'].pk}/notify/"),
        "notified",
    ),
    "link issued": (
        lambda x: _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/parties/{x['parties']['mo'].pk}/resend/"
        ),
        "link_issued",
    ),
    "link revoked": (
        lambda x: _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/parties/{x['parties']['gus'].pk}/revoke/"
        ),
        "link_revoked",
    ),
    "agreed": (_agreed, "agreed"),
    "cancelled": (
        lambda x: _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/cancel/", {"version": 1}
        ),
        "cancelled",
    ),
    "deleted": (
        lambda x: _as(x, "owner").post(f"/polls/{x['poll'].pk}/delete/"),
        "deleted",
    ),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_writes_exactly_one_entry(ctx, name):
    act, expected = ACTIONS[name]
    before = AuditEntry.objects.filter(poll_id=ctx["poll"].pk).count()

    act(ctx)

    new = AuditEntry.objects.filter(poll_id=ctx["poll"].pk).order_by("pk")[before:]
    assert [e.action for e in new] == [expected]


def test_rejected_link_writes_one_entry(ctx):
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        ctx["client"].get(f"/p/{ctx['gus']}/")

    assert list(
        AuditEntry.objects.exclude(action="created").values_list("action", flat=True)
    ) == ["link_rejected"]


def _count(poll, action):
    return AuditEntry.objects.filter(poll_id=poll.pk, action=action).count()


def test_repeated_views_through_a_link_write_one_entry_an_hour(ctx):
    for _ in range(40):
        ctx["client"].get(f"/p/{ctx['gus']}/")
    within_the_hour = _count(ctx["poll"], "viewed")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        ctx["client"].get(f"/p/{ctx['gus']}/")

    assert (within_the_hour, _count(ctx["poll"], "viewed")) == (1, 2)


def test_repeated_views_of_the_page_write_one_entry_per_person(ctx):
    for who in ("owner", "member", "owner", "member"):
        _as(ctx, who).get(f"/polls/{ctx['poll'].pk}/")

    assert sorted(
        AuditEntry.objects.filter(action="viewed").values_list("actor_label", flat=True)
    ) == ["Mo Member", "Olga Owner"]


def test_repeated_uses_of_a_dead_link_write_one_entry_an_hour(ctx):
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        for _ in range(40):
            ctx["client"].get(f"/p/{ctx['gus']}/")
        ctx["client"].post(f"/p/{ctx['gus']}/answer/", _answers(ctx))

    assert _count(ctx["poll"], "link_rejected") == 1


def test_making_an_event_writes_one_entry(ctx):
    c = _agreed(ctx)
    before = AuditEntry.objects.count()

    c.post(f"/polls/{ctx['poll'].pk}/event/", {"group": ctx["group"].pk})

    assert list(
        AuditEntry.objects.order_by("pk")[before:].values_list("action", flat=True)
    ) == ["event_created"]


REFUSED = {
    "stale version": lambda x: _as(x, "owner").post(
        f"/polls/{x['poll'].pk}/times/{x['times'][0].pk}/remove/", {"version": 7}
    ),
    "party agrees": lambda x: _as(x, "member").post(
        f"/polls/{x['poll'].pk}/agree/", {"version": 1, "time": x["times"][0].pk}
    ),
    "outsider views": lambda x: x["client"].get(f"/polls/{x['poll'].pk}/"),
    "agree needs confirmation": lambda x: (
        x["client"].post(f"/p/{x['gus']}/answer/", _answers(x, ("no", "no", "no"))),
        _as(x, "owner").post(
            f"/polls/{x['poll'].pk}/agree/", {"version": 1, "time": x["times"][0].pk}
        ),
    )[-1],
    "notify with nobody left": lambda x: (
        _as(x, "owner").post(f"/polls/{x['poll'].pk}/notify/"),
        x["client"].post(f"/polls/{x['poll'].pk}/notify/"),
    )[-1],
    "answer for a removed time": lambda x: x["client"].post(
        f"/p/{x['gus']}/answer/", {**_answers(x), "version": 3}
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_actions_write_no_entry(ctx, name, charlie):
    ctx["charlie"] = charlie
    if name == "outsider views":
        ctx["client"].force_login(charlie)
    REFUSED[name](ctx)
    ctx["client"].logout()
    counted = {"agree needs confirmation": 1, "notify with nobody left": 1}.get(name, 0)

    actions = AuditEntry.objects.exclude(action="created").values_list(
        "action", flat=True
    )
    assert len([a for a in actions if a not in ("answered", "notified")]) == 0
    assert len(actions) == counted


def test_entries_refuse_changes_and_deletion(poll):
    entry = AuditEntry.objects.get(poll_id=poll.pk)

    entry.actor_label = "someone else"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="x")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get().actor_label == "Olga Owner"


def test_admin_cannot_add_change_or_delete_entries(rf, staff):
    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = staff

    assert (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    ) == (False, False, False)


def test_log_page_shows_entries_to_parties_not_outsiders(client, poll, member, charlie):
    client.force_login(member)
    allowed = client.get(f"/polls/{poll.pk}/log/")
    client.force_login(charlie)
    refused = client.get(f"/polls/{poll.pk}/log/")

    assert "created the poll" in allowed.content.decode()
    assert refused.status_code == 404


def test_links_are_only_ever_stored_hashed(poll, gus_link):
    assert PartyLink.objects.filter(token_hash__contains=gus_link).exists() is False
