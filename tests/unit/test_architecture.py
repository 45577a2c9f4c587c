"""The rules of the house (docs/architecture.md), checked on the source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# docs/architecture.md: custom Rasa components live under bot/nlu/; these are the only ones.
RASA_COMPONENTS = {
    ROOT / "bot" / "nlu" / name
    for name in (
        "input_guard.py",
        "spotter.py",
        "code_spotter.py",
        "risk_spotter.py",
        "spelling.py",
    )
}


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


def test_bot_never_imports_rasa():
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "bot").rglob("*.py")
        if path not in RASA_COMPONENTS
        and _top_level(_imported_modules(path)) & {"rasa", "rasa_sdk"}
    ]
    assert offenders == []


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
    handed to a worker thread: asyncio.to_thread(work))."""
    calls, todo = [], list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
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
    worker thread. A runtime guard (bot/db/session.py) refuses it in the tests too."""
    offenders = []
    for folder in ("bot", "actions", "channels"):
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
    for folder in ("bot", "actions", "channels", "tests", "bench"):
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
    """Views and templates ask for a URL by its route's name (bot/web/routes.py)."""
    import re

    web = ROOT / "bot" / "web"
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
