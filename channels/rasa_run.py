"""`rasa run` with the API token taken from the environment.

Rasa reads its token only from the `--auth-token` argument, and every user of the
machine can read every process's arguments (ps, /proc/*/cmdline). The launcher starts
`python -m channels.rasa_run` with the other arguments; this adds the token from
RASA_TOKEN inside the process, where the command line the system shows is not changed.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        sys.exit("RASA_TOKEN is not set; the Rasa HTTP API would be open without it.")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "run", *sys.argv[1:], "--auth-token", token]
    rasa_main()


if __name__ == "__main__":
    main()
