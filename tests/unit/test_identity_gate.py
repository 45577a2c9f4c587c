"""Every action that reads or writes personal data goes through the identity gate.

An action may open a database session only to hand it to `authorise` (the one
function that decides what a conversation may see), to the identity changes in
bot.identity.linking (a code, a token, a chosen child, logging out) or to the AVG
rights in bot.identity.privacy, which ask `authorise` who is talking. Anything else it
does with a session would bypass the gate, and fails this test.
"""

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATE_FUNCTIONS = {
    "bot.identity.access": {"authorise"},
    "bot.identity.linking": {
        "redeem_code",
        "link_with_token",
        "choose_child",
        "choose_child_named_in",
        "unlink",
    },
    # The AVG rights; both start from `authorise` themselves.
    "bot.identity.privacy": {"stored_data", "erase_personal_data"},
    # Goals, check-ins, progress and nudges; each starts from `authorise` itself.
    "bot.checkins.records": {
        "open_goals",
        "goal_choices",
        "record_check_in",
        "add_personal_goal",
        "progress_reports",
        "who_is_talking",
    },
    "bot.checkins.nudges": {"take_pending_nudge"},
    # Campaign messages, their buttons and "stop met berichten": each asks `authorise`
    # who is talking.
    "bot.campaigns.showing": {"take_pending_message", "answer_task", "set_messages"},
    # A missed message for review: the region comes from `authorise`; no identity is kept.
    "bot.teaching.review": {"keep_for_review"},
    # Handoffs: created from `authorise`; the rest reads only this conversation's own.
    "bot.escalation.handoffs": {"create_handoff", "open_handoff", "handoffs_for_risk_flags"},
    "bot.escalation.replies": {"take_replies"},
    # An anonymous asker's way back: only this conversation's own handoff, or the
    # answers of the handoff whose code is shown (the code is the proof).
    "bot.escalation.follow_up": {
        "come_back_code",
        "save_contact",
        "contact_of",
        "erase_contact",
        "answers_for",
    },
    # Risk: who is talking comes from `authorise`, the handoff from create_handoff.
    "bot.risk.records": {"report_risk"},
}


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> module it was imported from."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def session_names(with_node: ast.With) -> set[str]:
    names = set()
    for item in with_node.items:
        call = item.context_expr
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "session_scope"
            and isinstance(item.optional_vars, ast.Name)
        ):
            names.add(item.optional_vars.id)
    return names


def gate_violations(source: str, where: str) -> list[str]:
    """Uses of a database session in this source that do not go through the gate."""
    tree = ast.parse(source)
    imports = imported_names(tree)
    allowed = {
        name for name, module in imports.items() if name in GATE_FUNCTIONS.get(module, set())
    }
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.db.models":
            problems.append(f"{where}:{node.lineno} imports database models")
        if not isinstance(node, ast.With):
            continue
        sessions = session_names(node)
        if not sessions:
            continue
        passed_to_gate = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and any(
                isinstance(arg, ast.Name) and arg.id in sessions for arg in inner.args
            ):
                name = (
                    inner.func.id if isinstance(inner.func, ast.Name) else ast.unparse(inner.func)
                )
                if name in allowed:
                    passed_to_gate.update(id(arg) for arg in inner.args)
                else:
                    problems.append(f"{where}:{inner.lineno} passes the session to {name}()")
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Name)
                and inner.id in sessions
                and id(inner) not in passed_to_gate
                and isinstance(inner.ctx, ast.Load)
            ):
                problems.append(f"{where}:{inner.lineno} uses the session outside the gate")
    return problems


def action_classes(tree: ast.Module) -> list[str]:
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name) and base.id in {"Action", "BlockingAction"}
            for base in node.bases
        )
    ]


def test_every_action_that_opens_a_session_goes_through_the_gate():
    problems, touching = [], set()
    for path in sorted((ROOT / "actions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        problems += gate_violations(source, str(path.relative_to(ROOT)))
        tree = ast.parse(source)
        classes = action_classes(tree)
        # Actions, and the module functions they share (say_answer serves the answer
        # and the fallback action).
        touching.update(
            node.name
            for node in tree.body
            if (
                (isinstance(node, ast.ClassDef) and node.name in classes)
                or isinstance(node, ast.FunctionDef)
            )
            and any(isinstance(n, ast.With) and session_names(n) for n in ast.walk(node))
        )
    assert problems == []
    # The enumeration itself is checked, so a renamed helper cannot hide an action.
    assert touching >= {
        "ActionGreetUser",
        "say_answer",
        "ActionMyRoute",
        "ActionSessionStart",
        "ActionRedeemCode",
        "ActionChooseChild",
        "ActionUnlink",
        "ActionShowStoredData",
        "ActionAskErasure",
        "ActionErase",
        "ActionStartCheckin",
        "ActionAskCheckinGoal",
        "ActionSubmitCheckin",
        "ActionStartGoal",
        "ActionSaveGoal",
        "ActionShowProgress",
        "ActionDeliverReply",
    }


def test_the_check_catches_an_action_that_reads_around_the_gate():
    bypass = textwrap.dedent(
        """
        from bot.db.models import Student
        from infra.db.session import session_scope
        from bot.identity.access import authorise

        class ActionPeek(Action):
            async def run(self, dispatcher, tracker, domain):
                with session_scope() as session:
                    authorise(session, tracker.sender_id, "route", today=None)
                    student = session.get(Student, 7)
                    load_student(session, 7)
        """
    )
    problems = gate_violations(bypass, "peek.py")
    assert any("imports database models" in p for p in problems)
    assert any("load_student()" in p for p in problems)
    assert any("session.get()" in p or "outside the gate" in p for p in problems)
