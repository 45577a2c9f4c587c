"""`rasa run` with the API token taken from the environment.

Rasa reads its token only from the `--auth-token` argument, and every user of the
machine can read every process's arguments (ps, /proc/*/cmdline). The launcher starts
`python -m channels.rasa_run` with the other arguments; this adds the token from
RASA_TOKEN inside the process, where the command line the system shows is not changed.

It also tells Rasa which of its warnings are expected here, so `make run` stays
readable: the answers to retrieval intents live in bot/content/messages.yml and are
given by a custom action, so the response selector's "Unable to fetch responses for
..." (once for every answer key on first use) says nothing.
"""

from __future__ import annotations

import os
import sys

from channels.quiet import quiet_ended_websockets, quiet_library_warnings

# Rasa's own list of warnings it silences below debug level (rasa.utils.common).
EXPECTED_HERE = [
    (UserWarning, "Unable to fetch responses for "),
    # Library deprecations that are also UserWarnings (pyparsing's): Rasa's "once" for
    # every UserWarning would show them past channels/quiet.py.
    (DeprecationWarning, ""),
]


def quiet_expected_warnings() -> None:
    import rasa.utils.common

    for expected in EXPECTED_HERE:
        if expected not in rasa.utils.common.EXPECTED_WARNINGS:
            rasa.utils.common.EXPECTED_WARNINGS.append(expected)


def main() -> None:
    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        sys.exit("RASA_TOKEN is not set; the Rasa HTTP API would be open without it.")
    quiet_library_warnings()
    quiet_ended_websockets()
    from rasa.__main__ import main as rasa_main

    quiet_expected_warnings()

    sys.argv = ["rasa", "run", *sys.argv[1:], "--auth-token", token]
    rasa_main()


if __name__ == "__main__":
    main()
