"""The Rasa SDK action server (`python -m rasa_sdk`), without library deprecation
warnings in what `make run` prints (channels/quiet.py)."""

from __future__ import annotations

from channels.quiet import quiet_library_warnings


def main() -> None:
    quiet_library_warnings()
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
