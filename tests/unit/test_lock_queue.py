"""The queue of a conversation's lock (channels/lock_queue.py): pure, with the time passed in."""

from channels.lock_queue import Ticket, decode, encode, join, leave, renew, serving

LEASE = 10.0


def test_the_first_to_join_is_served_and_the_next_when_it_leaves():
    queue = join((), "a", now=0, lease=LEASE)
    queue = join(queue, "b", now=1, lease=LEASE)
    assert serving(queue, now=2) == "a"
    queue = leave(queue, "a", now=3)
    assert serving(queue, now=3) == "b"
    assert serving(leave(queue, "b", now=4), now=4) is None


def test_a_holder_that_stops_renewing_is_passed_after_its_lease():
    queue = join(join((), "killed", now=0, lease=LEASE), "next", now=1, lease=LEASE)
    queue = renew(queue, "next", now=8, lease=LEASE)
    assert serving(queue, now=9.9) == "killed"
    assert serving(queue, now=10.1) == "next"


def test_renewing_keeps_the_place_and_a_lost_ticket_cannot_be_renewed():
    queue = join((), "a", now=0, lease=LEASE)
    queue = renew(queue, "a", now=9, lease=LEASE)
    assert queue == (Ticket("a", 19),)
    assert serving(queue, now=18) == "a"
    assert renew(queue, "a", now=20, lease=LEASE) is None  # expired: its place is gone
    assert renew(queue, "stranger", now=1, lease=LEASE) is None


def test_leaving_removes_only_the_holders_own_ticket():
    queue = join(join((), "a", now=0, lease=LEASE), "b", now=0, lease=LEASE)
    assert leave(queue, "a", now=1) == (Ticket("b", 10),)
    assert leave(queue, "nobody", now=1) == queue


def test_the_stored_form_reads_back_and_anything_else_is_an_empty_queue():
    queue = join(join((), "a", now=0, lease=LEASE), "b", now=1, lease=LEASE)
    assert decode(encode(queue)) == queue
    assert decode(encode(queue).encode()) == queue
    for raw in (None, b"", "not json", '{"a": 1}', "[[1]]", '[["a", "soon"]]'):
        assert decode(raw) == ()
