"""The Rasa SDK action server (`python -m rasa_sdk`), without library deprecation
warnings in what `make run` prints (channels/quiet.py), nor a line for each of the 28
actions it registers (it says once that it is up)."""

from __future__ import annotations

import logging

from channels.quiet import quiet_library_warnings


def main() -> None:
    quiet_library_warnings()
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
