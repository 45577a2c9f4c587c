"""The chat channels: a shorter wait for custom actions, and never a silent turn."""

import asyncio
import inspect

import rasa.core.actions.action
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.content.catalog import catalog
from bot.input_check import at_the_edge
from bot.settings import load_settings
from channels.guarded import never_silent

PATIENCE = catalog().message("patience").strip()


def test_custom_actions_time_out_after_the_configured_seconds_not_five_minutes():
    assert (
        load_settings().action_timeout_seconds
    ) == rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT
    # Rasa reads the constant at each call; if an upgrade stops doing so, this fails.
    source = inspect.getsource(rasa.core.actions.action.RemoteAction.run)
    assert "timeout=DEFAULT_REQUEST_TIMEOUT" in source


def handled(on_new_message, text="hoi"):
    output = CollectingOutputChannel()
    asyncio.run(never_silent(on_new_message)(UserMessage(text, output, "c-1")))
    return [message.get("text") for message in output.messages]


def test_a_turn_that_said_something_gets_nothing_extra():
    async def answers(message):
        await message.output_channel.send_response("c-1", {"text": "Hoi!"})

    assert handled(answers) == ["Hoi!"]


def test_a_silent_or_failed_turn_gets_the_patience_answer_with_the_crisis_line():
    async def silent(message):
        return None

    async def fails(message):
        raise ConnectionError("the action server is down")

    assert handled(silent) == [PATIENCE]
    assert handled(fails) == [PATIENCE]
    assert "113" in PATIENCE and "112" in PATIENCE


def test_a_repeated_long_message_is_answered_by_the_channel_and_never_reaches_rasa():
    reached = []

    async def assistant(message):
        reached.append(message.text)
        await message.output_channel.send_response("c-1", {"text": "Van Rasa"})

    handle = never_silent(assistant)

    def say(text):
        output = CollectingOutputChannel()
        asyncio.run(handle(UserMessage(text, output, "c-1")))
        return [message.get("text") for message in output.messages]

    too_long = at_the_edge("ik wil iets vragen over mijn route " * 3000)
    # The first is read by the assistant (its model reads long messages for risk too).
    assert say(too_long) == ["Van Rasa"] and reached == [too_long]
    # The next one within a minute: the channel answers, Rasa is not called.
    assert say(too_long) == [catalog().message("too_long").strip()]
    assert reached == [too_long]
    # Risk words in it: the assistant handles it, as it does every risk.
    worried = at_the_edge("ik word gepest en durf niet meer naar school. " * 100)
    assert say(worried) == ["Van Rasa"] and reached == [too_long, worried]


def test_the_response_selector_s_expected_warning_is_silenced_and_others_are_not():
    import logging
    import warnings

    import rasa.utils.common

    from channels.rasa_run import quiet_expected_warnings

    quiet_expected_warnings()
    quiet_expected_warnings()  # twice: still one entry
    assert (
        rasa.utils.common.EXPECTED_WARNINGS.count((UserWarning, "Unable to fetch responses for "))
        == 1
    )
    with warnings.catch_warnings(record=True) as caught:
        rasa.utils.common._filter_warnings(log_level=logging.INFO)
        warnings.warn(
            "Unable to fetch responses for route/studentcoach This means", UserWarning, stacklevel=1
        )
        warnings.warn("Something else went wrong", UserWarning, stacklevel=1)

        class LibraryDeprecation(UserWarning, DeprecationWarning):
            pass

        warnings.warn("'setParseAction' deprecated", LibraryDeprecation, stacklevel=1)
    assert [str(warning.message) for warning in caught] == ["Something else went wrong"]


def test_an_ended_chat_websocket_leaves_no_traceback_and_other_errors_still_do():
    import logging
    import sys

    from sanic.exceptions import ServerError

    from channels.quiet import EndedWebsocketFilter

    def record(url: str, error: Exception) -> logging.LogRecord:
        try:
            raise error
        except Exception:
            exc_info = sys.exc_info()
        return logging.LogRecord(
            "sanic.error", logging.ERROR, __file__, 1,
            "Exception occurred while handling uri: %s", (url,), exc_info,
        )  # fmt: skip

    ended = record(
        "'ws://127.0.0.1:5005/socket.io/?EIO=4&transport=websocket&sid=x'",
        ServerError("Invalid response type None (need HTTPResponse)"),
    )
    other = record("'http://127.0.0.1:5005/webhooks/rest/webhook'", ValueError("boom"))
    stopped = logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1,
        "Task was destroyed but it is pending!\ntask: <Task pending coro=<AsyncSocket."
        "schedule_ping.<locals>.send_ping() running at engineio/asyncio_socket.py:127>>",
        (), None,
    )  # fmt: skip
    keep = EndedWebsocketFilter().filter
    assert keep(ended) is False and keep(stopped) is False and keep(other) is True
