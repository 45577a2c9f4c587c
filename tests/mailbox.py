"""A real SMTP server on a free loopback port (aiosmtpd, in a thread of the test
process): mails the assistant sends arrive here, and the tests read them."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
                mailbox.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 Message accepted for delivery"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def env(self) -> dict[str, str]:
        """The settings that send the assistant's mail here."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none"}

    def wait_for(self, predicate, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [message for message in self.messages if predicate(message)]
            if found:
                return found
            time.sleep(0.3)
        return []

    def stop(self) -> None:
        self.controller.stop()
