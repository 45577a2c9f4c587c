"""Headless Chromium (Debian's package) driven by Playwright, against the running
assistant. Playwright never downloads a browser here: it is pointed at the binary
that `make test` installs (scripts/ensure-chromium.sh). Screenshots of every step go
to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from bot.settings import PROJECT_ROOT

# A reply shows within a second here; `make test` runs the drills beside these tests on
# two shared cores, so an expectation waits up to 20 s for it (Playwright's default: 5).
expect.set_options(timeout=20_000)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
# Without these, Chromium keeps calling Google services that this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOT_TIMEOUT_MS = 90_000  # the first answers wait for the model to warm up


@pytest.fixture(autouse=True)
def database_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop on the test's own thread, where the test
    reads the database to check what the servers did. The servers keep refusing
    database calls on their loops (infra/db/session.py); this process is no server."""
    monkeypatch.setenv("DB_ON_EVENT_LOOP", "allow")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator:
    """Opens fresh browser contexts (own storage, like separate people); closes them after."""
    contexts: list[BrowserContext] = []

    def open_context(**options) -> BrowserContext:
        context = browser.new_context(locale="nl-NL", **options)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class ChatPage:
    """The chat page as a person uses it; every step can leave a screenshot."""

    def __init__(self, page: Page, web_url: str, name: str) -> None:
        self.page = page
        self.web_url = web_url
        self.name = name  # names the screenshots
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(message.text))

    def open(self, path: str = "/") -> ChatPage:
        self.page.goto(self.web_url + path)
        return self

    def shot(self, step: str) -> Path:
        return screenshot(self.page, f"{self.name}-{step}")

    @property
    def input(self) -> Locator:
        return self.page.locator(".rw-new-message")

    def bot_messages(self) -> Locator:
        return self.page.locator(".rw-response .rw-message-text")

    def replies(self) -> Locator:
        """The quick replies under the newest bot message that has them."""
        return self.page.locator(".rw-replies").last.locator(".rw-reply")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.page.locator(".rw-client").last).to_contain_text(text[:40])

    def choose(self, title: str) -> None:
        self.replies().filter(has_text=re.compile(f"^{re.escape(title)}$")).click()

    def wait_for_bot(self, text: str | re.Pattern, timeout: int = BOT_TIMEOUT_MS) -> None:
        expect(self.bot_messages().filter(has_text=text).last).to_be_visible(timeout=timeout)

    def log_in(self, code: str) -> None:
        self.page.get_by_label("Koppelcode").fill(code)
        self.page.get_by_role("button", name="Inloggen").click()


@pytest.fixture
def chat_page(new_context, assistant, request: pytest.FixtureRequest) -> Callable[..., ChatPage]:
    """A factory: a chat page in a fresh context, named after the test for screenshots."""

    def open_page(viewport: dict | None = None, name: str = "") -> ChatPage:
        context = new_context(viewport=viewport or {"width": 1280, "height": 900})
        label = request.node.name.removeprefix("test_")[:50] + (f"-{name}" if name else "")
        return ChatPage(context.new_page(), assistant.web_url, label)

    return open_page
