"""The poll page's people x times grid: a mark per party and time, in words for
screen readers, totals per time, and the best times labelled."""

from tests.html import table_text
from timepolls.times import format_time

from .conftest import answer_all

HEADER = ["Time", "Olga Owner", "Gus Guest", "Mo Member (you)", "Totals"]


def _answered(poll, parties):
    answer_all(poll, parties["olga"], ["no", "yes", "yes"])
    answer_all(poll, parties["mo"], ["yes", "maybe", "yes"])  # Gus has not answered


def test_grid_shows_each_partys_mark_best_times_first(
    client, poll, parties, times, member
):
    _answered(poll, parties)
    client.force_login(member)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    label = [format_time(t.start, "Asia/Tokyo") for t in times]  # Mo's zone
    assert table_text(html, "poll-grid", spoken=True) == [
        HEADER,
        [f"{label[2]} Best", "yes", "not answered", "yes", "2 yes, 0 if need be, 0 no"],
        [label[1], "yes", "not answered", "if need be", "1 yes, 1 if need be, 0 no"],
        [label[0], "no", "not answered", "yes", "1 yes, 0 if need be, 1 no"],
    ]


def test_grid_marks_are_symbols_with_words(client, poll, parties, member):
    _answered(poll, parties)
    client.force_login(member)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    cells = [row[1:4] for row in table_text(html, "poll-grid")[1:]]
    assert cells == [
        ["✓ yes", "– not answered", "✓ yes"],
        ["✓ yes", "– not answered", "(✓) if need be"],
        ["✗ no", "– not answered", "✓ yes"],
    ]


def test_every_time_tied_for_first_is_best(client, poll, parties, owner):
    for party in parties.values():
        answer_all(poll, party, ["yes", "no", "yes"])
    client.force_login(owner)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    grid = table_text(html, "poll-grid", spoken=True)
    assert ["Best" in row[0] for row in grid[1:]] == [True, True, False]


def test_no_time_is_best_before_anyone_says_yes(client, poll, parties, owner):
    answer_all(poll, parties["olga"], ["no", "no", "no"])
    client.force_login(owner)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    grid = table_text(html, "poll-grid", spoken=True)
    assert ["Best" in row[0] for row in grid[1:]] == [False, False, False]


def test_a_party_through_a_link_sees_names_and_marks_but_no_addresses(
    client, poll, parties, gus_link
):
    _answered(poll, parties)

    html = client.get(f"/p/{gus_link}/").content.decode()

    grid = table_text(html, "poll-grid", spoken=True)
    assert grid[0] == ["Time", "Olga Owner", "Gus Guest (you)", "Mo Member", "Totals"]
    assert [row[1:4] for row in grid[1:]][0] == ["yes", "not answered", "yes"]
    assert "mo@example.org" not in html and "olga@example.org" not in html


def test_organiser_decides_from_the_grid(client, poll, parties, times, owner):
    _answered(poll, parties)
    client.force_login(owner)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    grid = table_text(html, "poll-grid", spoken=True)
    label = format_time(times[2].start, "UTC")
    assert grid[0] == ["Time", "Olga Owner (you)", "Gus Guest", "Mo Member",
                       "Totals", "Decide"]  # fmt: skip
    assert grid[1][5] == f"Agree this time: {label} Remove this time: {label}"
