"""When the launcher restarts a service: exits, hangs, start-up grace and backoff."""

import time

from infra.supervision import RestartPolicy, Step, Watch, next_step, restart_delay

POLICY = RestartPolicy(
    first_delay=1, max_delay=16, start_grace=60, failed_checks=3, stable_after=120
)


def run(watch, events):
    """Feeds (time, exited, healthy) to the decision; returns the steps taken."""
    steps = []
    for now, exited, healthy in events:
        watch, step = next_step(watch, now=now, exited=exited, healthy=healthy, policy=POLICY)
        steps.append(step)
        if step is Step.START:
            watch = watch.restarted(now)
    return watch, steps


def test_the_pause_doubles_and_stops_at_the_maximum():
    assert [restart_delay(n, POLICY) for n in range(7)] == [1, 2, 4, 8, 16, 16, 16]


def test_a_process_that_exits_is_started_again_after_the_pause():
    watch = Watch(started_at=0, healthy_since=0)
    watch, steps = run(watch, [(10, True, None), (10.5, True, None), (11, True, None)])
    assert steps == [Step.WAIT, Step.WAIT, Step.START]
    assert watch.restarts_in_a_row == 1 and watch.healthy_since is None


def test_crashing_again_waits_longer_and_a_long_healthy_run_starts_the_backoff_over():
    watch = Watch(started_at=0, healthy_since=0)
    watch, _ = run(watch, [(10, True, None), (11, True, None)])  # first restart at 11
    watch, _ = run(watch, [(20, False, True)])  # healthy again at 20
    watch, steps = run(watch, [(30, True, None), (31, True, None), (32, True, None)])
    assert steps == [Step.WAIT, Step.WAIT, Step.START]  # 2 s this time
    watch, _ = run(watch, [(40, False, True), (170, False, True)])  # stable for 130 s
    assert watch.restarts_in_a_row == 0


def test_a_starting_process_may_fail_its_checks_until_the_grace_is_over():
    watch = Watch(started_at=0)
    _, steps = run(watch, [(5, False, False), (30, False, False), (59, False, False)])
    assert steps == [Step.KEEP] * 3
    _, steps = run(watch, [(61, False, False)])
    assert steps == [Step.KILL]


def test_a_hung_process_is_killed_after_failed_checks_in_a_row_and_started_again():
    watch = Watch(started_at=0, healthy_since=0)
    watch, steps = run(
        watch,
        [
            (100, False, False),
            (103, False, True),  # one slow answer is not a hang
            (106, False, False),
            (109, False, None),  # no check finished: no news
            (112, False, False),
            (115, False, False),
            (115.5, True, None),  # killed by the launcher
            (116, True, None),
        ],
    )
    assert steps == [
        Step.KEEP,
        Step.KEEP,
        Step.KEEP,
        Step.KEEP,
        Step.KEEP,
        Step.KILL,
        Step.WAIT,
        Step.START,
    ]
    assert watch.restarts_in_a_row == 1


def test_a_busy_process_is_left_alone_until_the_busy_limit():
    policy = RestartPolicy(failed_checks=3, busy_limit=60)
    watch = Watch(started_at=0, healthy_since=0)
    steps = []
    for now in (100, 103, 106, 109, 112, 150):
        watch, step = next_step(
            watch, now=now, exited=False, healthy=False, policy=policy, busy=True
        )
        steps.append(step)
    assert steps == [Step.KEEP] * 6  # under load: not killed
    watch, step = next_step(watch, now=161, exited=False, healthy=False, policy=policy, busy=True)
    assert step is Step.KILL  # unanswered for over a minute, however busy


def test_the_processor_time_of_a_stopped_process_counts_as_none():
    import os
    import signal
    import subprocess
    import sys

    from infra.services import processor_ticks

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert isinstance(processor_ticks(child.pid), int)
        os.kill(child.pid, signal.SIGSTOP)
        for _ in range(50):
            if processor_ticks(child.pid) is None:
                break
            time.sleep(0.02)
        assert processor_ticks(child.pid) is None
    finally:
        child.kill()
        child.wait()
    assert processor_ticks(child.pid) is None
