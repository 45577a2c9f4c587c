"""The rules of the house (docs/architecture.md), checked on the source."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The folders with code of the assistant (docs/architecture.md, "The layers").
CORE = "bot"
ADAPTERS = ("actions", "channels", "nlu", "web", "cli")
INFRA = "infra"
CODE_FOLDERS = (CORE, *ADAPTERS, INFRA)
# bot/__main__.py is only the entry point of `python -m bot`: it starts the CLI adapter.
ENTRY_POINT = ROOT / "bot" / "__main__.py"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def _top_level(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def _offenders(folders: tuple[str, ...], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {sorted(found)}"
        for path in _python_files(*folders)
        if path != ENTRY_POINT and (found := _top_level(_imported_modules(path)) & forbidden)
    ]


def test_the_core_imports_no_framework_no_adapter_and_no_infrastructure():
    """bot/ decides and stores; it never imports Rasa, a web framework, an HTTP client,
    process control, an adapter or the infrastructure."""
    frameworks = {"rasa", "rasa_sdk", "aiohttp", "sanic", "socketio", "engineio", "jinja2"}
    io = {"urllib", "http", "subprocess", "signal", "asyncio", "alembic"}
    assert _offenders((CORE,), frameworks | io | set(ADAPTERS) | {INFRA}) == []


def test_the_core_writes_no_sql_of_its_own():
    """No SQL text in bot/: the domain tables through the ORM, Rasa's tables never (SQL
    on them lives in infra/transcripts.py)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _python_files(CORE)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and node.module == "sqlalchemy"
        and any(alias.name == "text" for alias in node.names)
    ]
    assert offenders == []


def test_rasa_is_imported_by_its_adapters_only():
    """Rasa by the NLU components and the channels, the Rasa SDK by the actions (and the
    launcher of their server in channels/)."""
    not_rasa = tuple(folder for folder in CODE_FOLDERS if folder not in ("nlu", "channels"))
    assert _offenders(not_rasa, {"rasa"}) == []
    not_sdk = tuple(folder for folder in CODE_FOLDERS if folder not in ("actions", "channels"))
    assert _offenders(not_sdk, {"rasa_sdk"}) == []


def test_infrastructure_and_adapters_do_not_lean_on_adapters():
    """infra/ serves the adapters and never imports one; an adapter imports no other
    adapter (the CLI starts the web app by import: it is the composition root)."""
    assert _offenders((INFRA,), set(ADAPTERS)) == []
    for adapter in ADAPTERS:
        allowed = {"web"} if adapter == "cli" else set()
        assert _offenders((adapter,), set(ADAPTERS) - {adapter} - allowed) == []


def test_actions_never_touch_sql_directly():
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "actions").rglob("*.py")
        if _top_level(_imported_modules(path)) & {"sqlalchemy", "sqlite3", "psycopg2"}
        or {"bot.db.models"} & _imported_modules(path)
    ]
    assert offenders == []


def test_no_non_training_yaml_under_data():
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert path.suffix == ".yml", path
            assert any(key in text for key in ("nlu:", "rules:", "stories:")), path


# Calls that open a database session or run a statement: blocking work.
BLOCKING_CALLS = {"session_scope", "open_session", "execute", "scalar", "scalars", "commit"}


def _direct_calls(function: ast.AsyncFunctionDef) -> list[ast.Call]:
    """Calls made by the coroutine itself, not by functions it defines (those are
    handed to a worker thread: asyncio.to_thread(work)), and not awaited (an awaited
    `execute` is an asynchronous client's, such as Redis's in channels/lock_store.py)."""
    calls, todo = [], list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            todo.extend(ast.iter_child_nodes(node.value))  # its arguments still count
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return calls


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def test_no_coroutine_opens_a_database_session_on_the_event_loop():
    """docs/architecture.md, "Blocking work": database work inside a coroutine goes to a
    worker thread. A runtime guard (infra/db/session.py) refuses it in the tests too."""
    offenders = []
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.AsyncFunctionDef):
                    offenders.extend(
                        f"{path.relative_to(ROOT)}:{call.lineno} {node.name}"
                        for call in _direct_calls(node)
                        if _called_name(call) in BLOCKING_CALLS
                    )
    assert offenders == []


def test_the_domain_s_words_come_from_the_vocabulary_not_the_orm():
    """bot/vocabulary.py holds the enums; a module that only decides imports no ORM."""
    import bot.vocabulary

    words = {name for name, value in vars(bot.vocabulary).items() if isinstance(value, type)} - {
        "annotations"
    }
    offenders = []
    for folder in (*CODE_FOLDERS, "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders.extend(
                f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "bot.db.models"
                for alias in node.names
                if alias.name in words
            )
    assert offenders == []


def test_web_urls_are_named_in_one_place():
    """Views and templates ask for a URL by its route's name (web/routes.py)."""
    import re

    web = ROOT / "web"
    spelled = [
        f"{path.relative_to(ROOT)}: {match}"
        for path in (web / "templates").glob("*.html")
        for match in re.findall(r'(?:href|action|src)="/[^"]*"', path.read_text(encoding="utf-8"))
    ]
    for path in web.glob("*.py"):
        if path.name == "routes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        spelled.extend(
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.match(r"/(inbox|chat|static)\b", node.value)
        )
    assert spelled == []


DUTCH_WORDS = set(
    "je jij het een niet voor naar wordt kun ik deze dit die mijn jouw graag hoe wat nog ook "
    "maar bent heb hebt geen kan met op zijn van de is er te om bij wil".split()
)
ENGLISH_WORDS = re.compile(r"\b(the|a|an|of|to|and|not|no|for|with|from|was|are|be|this|that|it)\b")


def _docstrings(tree: ast.AST) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def test_no_dutch_sentence_is_written_in_python():
    """Every sentence a person reads is in the catalogue (bot/content/messages.yml) or in
    domain.yml, where the readability test reads it; the code asks for it by key."""
    found = []
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = _docstrings(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                value = node.value.strip()
                words = re.findall(r"[a-zà-ÿ]+", value.lower())
                if (
                    id(node) not in docstrings
                    and value[:1].isupper()
                    and sum(word in DUTCH_WORDS for word in words) >= 2
                    and not ENGLISH_WORDS.search(value.lower())
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {value[:50]}")
    assert found == []


def _catalogue_calls() -> list[tuple[str, int, tuple[str, ...]]]:
    """Calls that read the catalogue by a fixed path: text("a", "b"), .message("a"),
    button("key", ...) (a key under "buttons")."""
    calls = []
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or _called_name(node) not in {
                    "text",
                    "message",
                    "button",
                }:
                    continue
                keys = []
                for arg in node.args:
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        break
                    keys.append(arg.value)
                if _called_name(node) == "button":
                    keys = ["buttons", *keys[:1]]
                # Catalogue keys are single words (sqlalchemy's text("SELECT 1") is not).
                if keys and not any(" " in key for key in keys):
                    calls.append((str(path.relative_to(ROOT)), node.lineno, tuple(keys)))
    return calls


def test_every_catalogue_key_the_code_asks_for_exists_and_every_topic_is_used():
    import yaml

    messages = yaml.safe_load(
        (ROOT / "bot" / "content" / "messages.yml").read_text(encoding="utf-8")
    )
    missing = []
    calls = _catalogue_calls()
    for where, line, keys in calls:
        entry = messages
        for key in keys:
            if not isinstance(entry, dict):
                break  # a text reached: the rest picks nothing (see Catalog.message)
            if key not in entry:
                missing.append(f"{where}:{line} {'.'.join(keys)}")
                break
            entry = entry[key]
    assert missing == []
    constants = {
        node.value
        for folder in CODE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    unused = [key for key in messages if key not in constants]
    assert unused == []
