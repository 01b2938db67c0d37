"""`isolation.Search` on its own: every position, pairs, and a refusal of all."""

import itertools
import math

import pytest

from notifications.isolation import Search, requests_per_bad_row


def _run(count, bad, *, named=False):
    """Search `count` rows of which `bad` are refused; returns (search, sent)."""
    keys = list(range(count))
    search = Search(keys)
    sent: list[int] = []

    def answer(part):
        refused = [k for k in part if k in bad]
        if not refused:
            sent.extend(part)
            return search.sent(part)
        return search.refused(
            part, "refused", dict.fromkeys(refused, "named") if named else None
        )

    answer(keys)
    while part := search.probe():
        answer(part)
    return search, sent


def test_requests_per_bad_row_is_log2_plus_one():
    assert [requests_per_bad_row(n) for n in (1, 2, 3, 1000)] == [1, 2, 3, 11]


@pytest.mark.parametrize("count", [1, 2, 5, 1000])
def test_one_refused_row_anywhere_is_found_and_the_rest_sent_once(count):
    for position in range(count):
        search, sent = _run(count, {position})

        assert sorted(sent) == [k for k in range(count) if k != position]
        assert search.bad == {position: "refused"}
        assert search.requests <= math.ceil(math.log2(count)) + 1


def test_every_pair_of_refused_rows_is_found():
    for pair in itertools.combinations(range(64), 2):
        search, sent = _run(64, set(pair))

        assert sorted(sent) == [k for k in range(64) if k not in pair]
        assert search.bad.keys() == set(pair)
        assert search.requests <= 2 * requests_per_bad_row(64)


def test_named_rows_fail_at_once_and_the_rest_go_in_one_request():
    search, sent = _run(1000, {3, 998}, named=True)

    assert search.bad == {3: "named", 998: "named"}
    assert (len(sent), search.requests) == (998, 1)


def test_a_refusal_of_everything_stops_after_two_lots():
    search = Search(list(range(1000)))
    search.refused(list(range(1000)), "refused")
    while part := search.probe():
        search.refused(part, "refused")

    assert search.requests == 2 * requests_per_bad_row(1000)
    assert len(search.bad) == 2
    assert len(search.unresolved()) == 998
