"""The pure decisions of check-ins: reading answers and dates, progress, streaks,
milestones, risk signals and nudge selection."""

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.checkins.answers import (
    choose_goal,
    goal_title_from,
    is_stop_request,
    read_if_then_plan,
    read_motivation,
    read_note,
    read_status,
)
from bot.checkins.dates import find_date, is_acceptable_goal_date
from bot.checkins.nudges import DueGoal, NudgePolicy, choose_nudges, in_quiet_hours
from bot.checkins.progress import (
    PERSONAL,
    GoalState,
    goals_to_offer,
    milestones,
    next_goal,
    progress,
    streak_weeks,
)
from bot.checkins.risk import CheckInFacts, risk_signals
from bot.vocabulary import CheckInStatus, HandoffPriority, RiskKind

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("gehaald", CheckInStatus.ACHIEVED),
        ("Gelukt!", CheckInStatus.ACHIEVED),
        ("bezig", CheckInStatus.IN_PROGRESS),
        ("nog niet af", CheckInStatus.IN_PROGRESS),
        ("bijna klaar", CheckInStatus.IN_PROGRESS),
        ("lukt niet", CheckInStatus.NOT_WORKING),
        ("het is niet gelukt", CheckInStatus.NOT_WORKING),
        ("niet gehaald helaas", CheckInStatus.NOT_WORKING),
        ("tien", None),
        ("😀", None),
        ("", None),
    ],
)
def test_status_is_read_from_free_text(said, status):
    assert read_status(said) is status


@pytest.mark.parametrize(
    ("said", "score"),
    [("4", 4), ("vier", 4), ("een 3", 3), ("4/5", 4), ("5", 5), ("1", 1)],
)
def test_motivation_from_one_to_five(said, score):
    assert read_motivation(said) == score


@pytest.mark.parametrize("said", ["tien", "10", "0", "6", "3 of 4", "😀", "", "goed"])
def test_motivation_outside_the_scale_or_unclear_is_refused(said):
    assert read_motivation(said) is None


def test_stop_only_for_a_short_stop_message():
    assert is_stop_request("laat maar")
    assert is_stop_request("Laat maar!")
    assert is_stop_request("stop")
    assert not is_stop_request("ik wil stoppen met school")
    assert not is_stop_request("laat maar zien hoe ik ervoor sta, ik wil stoppen")


def test_notes_need_words_and_a_sane_length():
    assert read_note("Mijn planner hielp") == "Mijn planner hielp"
    assert read_note("🙂🙂") is None
    assert read_note("   ") is None
    assert read_note("x" * 1001) is None


def test_an_if_then_plan_needs_a_situation_and_an_action():
    assert read_if_then_plan("Als ik moe ben, dan ga ik eerst wandelen")
    assert read_if_then_plan("Zodra ik thuis ben dan maak ik mijn huiswerk")
    assert read_if_then_plan("ik ga beter plannen") is None
    assert read_if_then_plan("als dan") is None


def test_the_goal_is_chosen_by_title_number_or_a_unique_part():
    goals = [(10, "Ik houd een weekplanning bij."), (11, "Ik lees twee artikelen per week.")]
    assert choose_goal("Ik houd een weekplanning bij.", goals) == 10
    assert choose_goal("2", goals) == 11
    assert choose_goal("weekplanning", goals) == 10
    assert choose_goal("ik", goals) is None
    assert choose_goal("3", goals) is None
    assert choose_goal('/inform{"goal_id": 99}', goals) is None
    # The button's text as the widget shows it, and a number only in the list shown.
    assert choose_goal("2. Ik lees twee artikelen per week.", goals) == 11
    assert choose_goal("1. Ik lees twee artikelen per week.", goals) is None
    assert choose_goal("2", goals, numbers=False) is None
    assert choose_goal("weekplanning", goals, numbers=False) == 10


def test_a_check_in_offers_the_reminded_goal_then_own_goals_then_the_next_due():
    def goal(goal_id, block="slb", due=None):
        return GoalState(goal_id, f"doel {goal_id}", block, due, False)

    open_goals = [goal(1), goal(2), goal(3, PERSONAL), goal(4), goal(5), goal(6, PERSONAL)]
    offered = goals_to_offer(open_goals, nudged_goal_id=5, limit=4)
    assert [g.goal_id for g in offered] == [5, 3, 6, 1]
    assert [g.goal_id for g in goals_to_offer(open_goals, nudged_goal_id=None, limit=3)] == [
        3,
        6,
        1,
    ]
    # A reminder about a goal that is no longer open changes nothing.
    assert goals_to_offer(open_goals, nudged_goal_id=99, limit=2) == [open_goals[2], open_goals[5]]


@pytest.mark.parametrize(
    ("said", "title"),
    [
        ("ik wil mijn rekentoets halen", "Mijn rekentoets halen"),
        ("doel: elke week 2 uur Engels oefenen", "Elke week 2 uur Engels oefenen"),
        ("nieuw doel toevoegen", None),
        ("ik wil", None),
        ("🙂", None),
    ],
)
def test_the_goal_title_leaves_out_the_opening(said, title):
    assert goal_title_from(said) == title


@pytest.mark.parametrize(
    ("said", "expected", "rest"),
    [
        (
            "ik wil voor de kerst mijn rekentoets halen",
            date(2026, 12, 24),
            "ik wil mijn rekentoets halen",
        ),
        ("voor 1 maart mijn stage", date(2027, 3, 1), "mijn stage"),
        ("eind januari", date(2027, 1, 31), ""),
        ("over twee weken", date(2026, 12, 7), ""),
        ("binnen 3 dagen", date(2026, 11, 26), ""),
        ("volgende week vrijdag", date(2026, 12, 4), ""),
        ("15-6-2027", date(2027, 6, 15), ""),
        ("voor 5 november", date(2027, 11, 5), ""),  # passed this year: next year
    ],
)
def test_dutch_dates_are_found_in_text(said, expected, rest):
    found = find_date(said, TODAY)
    assert (found.value, found.rest) == (expected, rest)


def test_impossible_or_missing_dates_are_not_found():
    assert find_date("op 31 april", TODAY) is None
    assert find_date("mijn rekentoets halen", TODAY) is None
    assert find_date("32-1", TODAY) is None


def test_a_goal_date_is_from_today_up_to_two_years():
    assert is_acceptable_goal_date(TODAY, TODAY)
    assert not is_acceptable_goal_date(TODAY - timedelta(days=1), TODAY)
    assert not is_acceptable_goal_date(TODAY + timedelta(days=800), TODAY)


def goal(goal_id, block="slb", due=None, achieved=False):
    return GoalState(goal_id, f"Doel {goal_id}", block, due, achieved)


def test_progress_counts_per_block_with_personal_goals_last():
    goals = [
        goal(1, "slb", achieved=True),
        goal(2, "slb"),
        goal(3, "taal", achieved=True),
        goal(4, PERSONAL, achieved=True),
    ]
    result = progress(goals, [], TODAY, block_order=["slb", "studie", "taal"])
    assert (result.done, result.total) == (3, 4)
    assert [(b.block, b.done, b.total) for b in result.blocks] == [
        ("slb", 1, 2),
        ("taal", 1, 1),
        (PERSONAL, 1, 1),
    ]


def test_the_streak_counts_weeks_in_a_row_and_this_week_may_still_come():
    monday = TODAY
    last_weeks = [monday - timedelta(weeks=n, days=-2) for n in (1, 2, 3)]
    assert streak_weeks(last_weeks, monday) == 3  # not broken before the week is over
    assert streak_weeks([*last_weeks, monday], monday) == 4
    assert streak_weeks([monday - timedelta(weeks=1), monday - timedelta(weeks=3)], monday) == 1
    assert streak_weeks([monday - timedelta(weeks=2)], monday) == 0
    assert streak_weeks([], monday) == 0
    # Two check-ins in one week count once.
    assert streak_weeks([monday, monday + timedelta(days=2)], monday + timedelta(days=3)) == 1


def test_the_next_goal_is_the_first_due_from_today_else_the_oldest_overdue():
    goals = [
        goal(1, due=TODAY - timedelta(days=10)),
        goal(2, due=TODAY + timedelta(days=20)),
        goal(3, due=TODAY + timedelta(days=5)),
        goal(4, due=TODAY + timedelta(days=1), achieved=True),
    ]
    assert next_goal(goals, TODAY).goal_id == 3
    assert next_goal(goals[:1], TODAY).goal_id == 1
    assert next_goal([goals[3]], TODAY) is None


def test_milestones_are_reached_once():
    before = progress([goal(1), goal(2), goal(3, "taal"), goal(4, "taal")], [], TODAY)
    after = progress(
        [goal(1, achieved=True), goal(2, achieved=True), goal(3, "taal"), goal(4, "taal")],
        [TODAY],
        TODAY,
    )
    assert milestones(before, after, first_check_in=True) == (
        "first_check_in",
        "block_complete",
        "half_way",
    )
    assert milestones(after, after, first_check_in=False) == ()
    everything = progress([goal(n, achieved=True) for n in (1, 2, 3, 4)], [TODAY], TODAY)
    assert milestones(after, everything, first_check_in=False) == ("phase_complete",)


def test_a_four_week_streak_is_celebrated():
    days = [TODAY - timedelta(weeks=n) for n in (1, 2, 3)]
    before = progress([goal(1)], days, TODAY)
    after = progress([goal(1)], [*days, TODAY], TODAY)
    assert "streak" in milestones(before, after, first_check_in=False)


def facts(goal_id, status, motivation):
    return CheckInFacts(goal_id, status, motivation)


def kinds(signals):
    return [(signal.kind, signal.priority) for signal in signals]


def test_low_motivation_twice_in_a_row_is_a_risk():
    earlier = [facts(1, CheckInStatus.IN_PROGRESS, 2)]
    new = facts(2, CheckInStatus.IN_PROGRESS, 1)
    assert kinds(risk_signals(new, earlier)) == [(RiskKind.LOW_MOTIVATION, HandoffPriority.NORMAL)]
    assert risk_signals(new, [facts(1, CheckInStatus.IN_PROGRESS, 3), *earlier]) == ()
    assert risk_signals(facts(2, CheckInStatus.IN_PROGRESS, 3), earlier) == ()


def test_failing_the_same_goal_twice_is_a_risk_but_not_another_goal():
    earlier = [facts(1, CheckInStatus.IN_PROGRESS, 4), facts(7, CheckInStatus.NOT_WORKING, 4)]
    assert kinds(risk_signals(facts(7, CheckInStatus.NOT_WORKING, 4), earlier)) == [
        (RiskKind.GOAL_STUCK, HandoffPriority.NORMAL)
    ]
    assert risk_signals(facts(8, CheckInStatus.NOT_WORKING, 4), earlier) == ()


NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # 16:00 in the Netherlands
POLICY = NudgePolicy(days_ahead=7, quiet_start=time(21, 0), quiet_end=time(8, 0))


def due(student, goal_id, days, checked_in=False):
    return DueGoal(student, goal_id, f"Doel {goal_id}", TODAY + timedelta(days=days), checked_in)


def test_nudges_pick_one_goal_due_soon_without_a_check_in_per_student():
    goals = [
        due(1, 10, 3),
        due(1, 11, 1),  # earlier: this one
        due(2, 20, 2, checked_in=True),
        due(3, 30, 8),  # outside the window
        due(4, 40, -1),  # overdue: not a nudge about "soon"
        due(5, 50, 7),
    ]
    chosen = choose_nudges(goals, {}, NOW, POLICY)
    assert [(g.student_id, g.goal_id) for g in chosen] == [(1, 11), (5, 50)]


def test_a_student_is_nudged_at_most_once_a_week():
    goals = [due(1, 10, 3), due(2, 20, 3)]
    recent = {1: NOW - timedelta(days=6), 2: NOW - timedelta(days=7)}
    assert [g.student_id for g in choose_nudges(goals, recent, NOW, POLICY)] == [2]


def test_no_nudges_in_quiet_hours():
    late = datetime(2026, 11, 23, 21, 30, tzinfo=timezone.utc)  # 22:30 in the Netherlands
    early = datetime(2026, 11, 24, 6, 30, tzinfo=timezone.utc)  # 07:30
    assert choose_nudges([due(1, 10, 3)], {}, late, POLICY) == []
    assert choose_nudges([due(1, 10, 3)], {}, early, POLICY) == []
    assert in_quiet_hours(late, time(21, 0), time(8, 0))
    assert not in_quiet_hours(NOW, time(21, 0), time(8, 0))
    assert in_quiet_hours(NOW, time(12, 0), time(17, 0))
    assert not in_quiet_hours(NOW, time(0, 0), time(0, 0))
