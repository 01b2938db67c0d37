from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.factories import InterestFactory, SessionFactory
from unconference import adapter, services
from unconference.models import ScheduleRun


def _rules_hold(run):
    """The validator of hard rules, run on every stored timetable."""
    assert run.status == "done", run.error
    assert adapter.run_violations(run) == []


def _run(client, event, seconds="0.5", seed="7"):
    return client.post(
        f"/events/{event.pk}/unconference/schedule/run/",
        {"seconds": seconds, "seed": seed},
    )


def _send_queue():
    call_command("send_mail_queue", "--once", stdout=StringIO())


@pytest.fixture
def programme(unconf, attendee, make_attendee):
    """Four sessions by three people, with interest from two more."""
    bo, cy = make_attendee("Bo"), make_attendee("Cy")
    sessions = {
        "rust": SessionFactory(unconference=unconf, title="Rust", proposer=attendee),
        "go": SessionFactory(unconference=unconf, title="Go", proposer=bo),
        "zig": SessionFactory(unconference=unconf, title="Zig", proposer=bo),
        "c": SessionFactory(unconference=unconf, title="C", proposer=cy),
    }
    for person in (attendee, cy):
        InterestFactory(session=sessions["go"], user=person, level="very")
    InterestFactory(session=sessions["zig"], user=attendee, level="yes")
    return sessions


def test_owner_runs_the_scheduler_and_sees_the_result(client, unconf, owner, programme):
    client.force_login(owner)

    response = _run(client, unconf.event)
    page = client.get(response.url).content.decode()

    run = ScheduleRun.objects.get()
    _rules_hold(run)
    assert (run.seed, run.seconds, run.requested_by) == (7, 0.5, owner)
    assert len(run.assignment) == 4 and run.unplaced == []
    assert run.utility <= run.upper_bound and run.random_utility is not None
    assert f"{run.utility} of at most {run.upper_bound}" in page
    assert "Publish this timetable and email attendees" in page


def test_queued_run_waits_for_the_worker_and_reloads(
    client, unconf, owner, programme, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(owner)

    _run(client, unconf.event)
    page = client.get(f"/events/{unconf.event.pk}/unconference/schedule/")

    from django_tasks_db.models import DBTaskResult

    run = ScheduleRun.objects.get()
    assert run.status == "queued"
    assert DBTaskResult.objects.get().args_kwargs["args"] == [run.pk]
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()


def test_a_second_run_compares_with_the_first(client, unconf, owner, programme):
    client.force_login(owner)
    _run(client, unconf.event, seed="1")

    _run(client, unconf.event, seed="2")

    first, second = ScheduleRun.objects.order_by("pk")
    assert second.previous_run == first
    assert second.previous_utility == first.utility


def _rivals(programme, make_attendee):
    """Four more people, each wanting three of the four sessions, every pair
    of sessions by someone: they cannot all be in different slots, so no
    timetable reaches the upper bound and a run uses its whole search."""
    names = list(programme)
    for i, name in enumerate(["Dee", "Eli", "Fay", "Gus"]):
        person = make_attendee(name)
        for key in names[:i] + names[i + 1 :]:
            InterestFactory(session=programme[key], user=person, level="very")


def test_a_run_again_with_the_same_seed_repeats_the_timetable(
    client, unconf, owner, programme, make_attendee
):
    _rivals(programme, make_attendee)
    client.force_login(owner)

    _run(client, unconf.event, seed="3")
    _run(client, unconf.event, seed="3")

    first, second = ScheduleRun.objects.order_by("pk")
    assert first.capped is False
    assert first.steps == first.step_budget > 0
    assert (second.steps, second.cells) == (first.steps, first.cells)


def test_a_run_that_reaches_the_bound_stops_searching(client, unconf, owner, programme):
    client.force_login(owner)

    response = _run(client, unconf.event, seconds="60")
    page = client.get(response.url).content.decode()

    run = ScheduleRun.objects.get()
    assert run.utility == run.upper_bound
    assert (run.steps, run.capped) == (0, False)
    assert run.step_budget > 0
    assert "seed 7, 60.0 s, 0 search steps." in page


def test_a_run_stopped_by_its_time_limit_says_so(client, unconf, owner, programme):
    run = ScheduleRun.objects.create(
        unconference=unconf, status="done", seed=1, seconds=5, utility=10,
        upper_bound=12, steps=40, step_budget=900, capped=True,
    )  # fmt: skip
    client.force_login(owner)

    page = client.get(run.get_absolute_url()).content.decode()

    assert (
        "The search stopped at its time limit after 40 of 900 planned steps, so a "
        "run with the same seed may give another timetable."
    ) in page


def test_pins_and_slot_rules_are_kept(client, unconf, owner, programme):
    slots = list(unconf.slots.filter(is_break=False).order_by("start"))
    small = unconf.rooms.get(name="Small room")
    rust, go = programme["rust"], programme["go"]
    rust.pinned_slot, rust.pinned_room = slots[2], small
    rust.save()
    go.excluded_slots.set(slots[:2])
    programme["c"].unavailable_slots.set(slots[1:])
    client.force_login(owner)

    _run(client, unconf.event)

    run = ScheduleRun.objects.get()
    _rules_hold(run)
    cells = run.cells
    assert cells[rust.pk] == (slots[2].pk, small.pk)
    assert cells[go.pk][0] == slots[2].pk
    assert cells[programme["c"].pk][0] == slots[0].pk


def test_proposer_is_never_in_two_sessions_at_once(client, unconf, owner, programme):
    client.force_login(owner)

    _run(client, unconf.event)

    cells = ScheduleRun.objects.get().cells
    go, zig = programme["go"], programme["zig"]
    assert cells[go.pk][0] != cells[zig.pk][0]


def test_contradictory_pins_fail_the_run_with_a_reason(
    client, unconf, owner, programme
):
    slot = unconf.slots.filter(is_break=False).first()
    for key in ("go", "zig"):  # both proposed by Bo
        programme[key].pinned_slot = slot
        programme[key].save()
    client.force_login(owner)

    _run(client, unconf.event)

    run = ScheduleRun.objects.get()
    assert run.status == "failed"
    assert "proposer “Bo” has two sessions pinned to" in run.error


def test_run_needs_rooms(client, unconf, owner, programme):
    unconf.rooms.all().delete()
    client.force_login(owner)

    response = _run(client, unconf.event)

    assert ScheduleRun.objects.count() == 0
    page = client.get(response.url).content.decode()
    assert "Add at least one room first." in page


def test_bad_seconds_are_refused(client, unconf, owner, programme):
    client.force_login(owner)

    _run(client, unconf.event, seconds="600")

    assert ScheduleRun.objects.count() == 0


def test_publishing_emails_every_attendee_their_agenda(
    client, unconf, owner, programme, attendee
):
    client.force_login(owner)
    _run(client, unconf.event)
    run = ScheduleRun.objects.get()

    client.post(
        f"/events/{unconf.event.pk}/unconference/schedule/runs/{run.pk}/publish/"
    )
    _send_queue()

    unconf.refresh_from_db()
    assert unconf.published_run == run
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bo@example.org",
        "cy@example.org",
    ]
    ada = next(m for m in mail.outbox if m.to == ["ada@example.org"])
    assert ada.subject == "Your agenda: Async Rust night"
    assert "Rust (" in ada.body and "— your session" in ada.body
    assert "Your schedule covers" in ada.body


def test_republishing_emails_only_people_whose_agenda_changed(
    unconf, owner, programme, attendee
):
    slots = list(unconf.slots.filter(is_break=False).order_by("start"))
    big, small = unconf.rooms.get(name="Big hall"), unconf.rooms.get(name="Small room")
    p = programme
    first = ScheduleRun.objects.create(
        unconference=unconf, status="done", seed=1, seconds=1,
        assignment={
            str(p["rust"].pk): [slots[0].pk, big.pk],
            str(p["go"].pk): [slots[1].pk, big.pk],
            str(p["zig"].pk): [slots[2].pk, big.pk],
            str(p["c"].pk): [slots[0].pk, small.pk],
        },
    )  # fmt: skip
    services.schedule_publish(run=first, by=owner)
    second = ScheduleRun.objects.create(
        unconference=unconf, status="done", seed=1, seconds=1,
        assignment={**first.assignment, str(p["c"].pk): [slots[2].pk, small.pk]},
    )  # fmt: skip

    emailed = services.schedule_publish(run=second, by=owner)

    cy = p["c"].proposer
    assert emailed == [cy.pk]  # only C moved; Ada and Bo keep their agendas
    _send_queue()
    assert [m.to for m in mail.outbox if "changed" in m.subject] == [[cy.email]]


def test_rerun_after_publishing_starts_from_the_published_timetable(
    client, unconf, owner, programme
):
    client.force_login(owner)
    _run(client, unconf.event, seed="3")
    published = ScheduleRun.objects.get()
    services.schedule_publish(run=published, by=owner)

    _run(client, unconf.event, seed="4")

    rerun = ScheduleRun.objects.exclude(pk=published.pk).get()
    _rules_hold(rerun)
    assert rerun.based_on == published
    assert rerun.moved_from_published == 0
    assert rerun.cells == published.cells


def test_owner_moves_a_session_by_hand(client, unconf, owner, programme):
    client.force_login(owner)
    _run(client, unconf.event)
    run = ScheduleRun.objects.get()
    rust = programme["rust"]
    slot, room = run.cells[rust.pk]
    target = next(t for t in unconf.slots.filter(is_break=False) if t.pk != slot)

    client.post(
        f"/events/{unconf.event.pk}/unconference/schedule/runs/{run.pk}/move/",
        {"session": rust.pk, "slot": target.pk, "room": room},
    )

    adjusted = ScheduleRun.objects.exclude(pk=run.pk).get()
    assert adjusted.adjusted_from == run
    assert adjusted.cells[rust.pk] == (target.pk, room)
    _rules_hold(adjusted)


def test_a_move_that_breaks_a_rule_is_refused(client, unconf, owner, programme):
    client.force_login(owner)
    _run(client, unconf.event)
    run = ScheduleRun.objects.get()
    go = programme["go"]
    slot, room = run.cells[go.pk]
    barred = unconf.slots.filter(is_break=False).exclude(pk=slot).first()
    go.excluded_slots.set([barred])

    response = client.post(
        f"/events/{unconf.event.pk}/unconference/schedule/runs/{run.pk}/move/",
        {"session": go.pk, "slot": barred.pk, "room": room},
        follow=True,
    )

    assert ScheduleRun.objects.count() == 1
    html = response.content.decode()
    assert (
        f"That move breaks a rule: session “Go”: slot “{barred}” is not allowed."
        in html
    )


def test_command_runs_and_reports(unconf, programme):
    out = StringIO()

    call_command(
        "schedule_sessions", str(unconf.event.pk), "--seconds", "0.5", "--seed", "5",
        stdout=out,
    )  # fmt: skip

    run = ScheduleRun.objects.get()
    _rules_hold(run)
    assert f"Run {run.pk} for “Async Rust night” (seed 5):" in out.getvalue()
    assert (
        f"score           {run.utility} of at most {run.upper_bound}" in out.getvalue()
    )
    assert f"{run.steps} of {run.step_budget} planned search steps" in out.getvalue()


@pytest.mark.parametrize(
    "args,message",
    [
        (["999999"], "Event 999999 does not exist or is not an unconference."),
        (["{event}", "--seconds", "0"], "--seconds must be between 0.5 and 600."),
        (["{event}", "--seed", "-1"], "--seed must be between 0 and 2147483647."),
    ],
)
def test_command_rejects_bad_input(unconf, args, message):
    args = [a.format(event=unconf.event.pk) for a in args]

    with pytest.raises(CommandError, match=message):
        call_command("schedule_sessions", *args, stdout=StringIO())


def test_command_refuses_an_event_without_sessions(unconf):
    with pytest.raises(CommandError, match="There are no sessions to schedule yet."):
        call_command("schedule_sessions", str(unconf.event.pk), stdout=StringIO())
