"""Command line: `python -m bot <command>`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT, VAR_DIR, ConfigurationError, load_settings

DEFAULT_MODEL = PROJECT_ROOT / "models" / "toptraject.tar.gz"


def _init_db(args: argparse.Namespace) -> int:
    from infra.db.migrate import current_revision, upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"Database is up to date (revision {current_revision(settings.database_url)}).")
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    from bot.demo.seed import seed_demo
    from infra.db.session import session_scope

    settings = load_settings()
    if settings.is_production:
        print("seed-demo refuses to run with TOPTRAJECT_ENV=production.", file=sys.stderr)
        return 2
    with session_scope(settings.database_url) as session:
        codes = seed_demo(session, settings.secret_key)
    from bot.demo.seed import DEMO_COORDINATOR_PASSWORD

    print("Demo data is ready. Demo koppelcodes (valid 14 days, one use each):")
    for demo in codes:
        print(f"  {demo.code}  {demo.role:8}  {demo.person}")
    print(
        f"Coordinator inbox: {settings.web_url}/inbox, e.g. i.wolters@rocvantwente.example.org "
        f"with password {DEMO_COORDINATOR_PASSWORD!r} (every demo coordinator)."
    )
    return 0


def _issue_code(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.identity.linking import CODE_LIFETIME, issue_code
    from infra.db.session import session_scope

    settings = load_settings()
    try:
        with session_scope(settings.database_url) as session:
            code = issue_code(
                session,
                secret_key=settings.secret_key,
                now=clock.now(),
                student_id=args.student,
                guardian_id=args.guardian,
            )
    except LookupError:
        who = "student" if args.student else "guardian"
        print(f"There is no {who} with id {args.student or args.guardian}.", file=sys.stderr)
        return 1
    # Printed once: only a keyed hash is stored, so the code cannot be shown again.
    print(f"Koppelcode: {code}")
    print(f"Valid for {CODE_LIFETIME.days} days, for one use. It is not shown again.")
    return 0


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise argparse.ArgumentTypeError("use 'on' or 'off'")
    return value == "on"


def _guardian_access(args: argparse.Namespace) -> int:
    import getpass

    from bot.identity.permissions import (
        GUARDIAN_PERMISSIONS,
        set_guardian_permissions,
        set_student_consent,
    )
    from infra.db.session import session_scope

    changes = {
        name: getattr(args, name)
        for name in GUARDIAN_PERMISSIONS
        if getattr(args, name) is not None
    }
    actor = f"cli:{getpass.getuser()}"
    try:
        with session_scope(load_settings().database_url) as session:
            if args.consent is not None:
                set_student_consent(session, args.student, args.consent, actor=actor)
            if args.guardian is not None:
                state = set_guardian_permissions(
                    session, args.guardian, args.student, changes, actor=actor
                )
                print(
                    f"Guardian {args.guardian} may see of student {args.student}: "
                    f"progress={state.progress}, notes={state.notes}, exams={state.exams}; "
                    f"student consents (needed from 18): {state.student_consents}."
                )
            elif changes:
                print("Name the guardian with --guardian to change what they may see.")
                return 1
    except LookupError as error:
        print(f"Nothing changed: {error}.", file=sys.stderr)
        return 1
    return 0


def _run_job(args: argparse.Namespace) -> int:
    """Runs one of the web app's background jobs (infra/jobs.py) once, now."""
    import asyncio

    from bot import clock
    from infra import jobs

    spec = args.job
    summary = asyncio.run(jobs.run_job(spec.run, load_settings(), clock.now()))
    print(f"{spec.label}: {summary}.")
    return 0


def _revoke_devices(args: argparse.Namespace) -> int:
    """Ends every "onthoud mij" device login of one person."""
    from bot import clock
    from bot.identity.devices import forget_all
    from bot.identity.tokens import ChatClaims
    from bot.vocabulary import PersonRole
    from infra.db.session import session_scope

    role = PersonRole.STUDENT if args.student is not None else PersonRole.GUARDIAN
    claims = ChatClaims(role=role, person_id=args.student or args.guardian)
    with session_scope(load_settings().database_url) as session:
        ended = forget_all(session, claims, now=clock.now(), actor="cli")
    print(f"{ended} device logins of {role.value} {claims.person_id} ended.")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy import select

    from bot.db.models import Coordinator
    from bot.identity.passwords import MIN_PASSWORD_LENGTH, hash_password
    from infra.db.session import session_scope

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", file=sys.stderr)
        return 1
    with session_scope(load_settings().database_url) as session:
        coordinator = session.scalar(
            select(Coordinator).where(Coordinator.email == args.email.strip().lower())
        )
        if coordinator is None:
            print(f"There is no coordinator with e-mail {args.email}.", file=sys.stderr)
            return 1
        coordinator.password_hash = hash_password(password)
    print(f"Password set for {args.email}.")
    return 0


def _load_goals(args: argparse.Namespace) -> int:
    from bot.checkins.goals import load_goal_file, sync_route_goals
    from infra.db.session import session_scope

    goal_file = load_goal_file(Path(args.file)) if args.file else load_goal_file()
    with session_scope(load_settings().database_url) as session:
        result = sync_route_goals(session, goal_file)
    print(
        f"Goals loaded: {result.added} added, {result.updated} changed, "
        f"{result.deactivated} no longer in the file (deactivated)."
    )
    return 0


def _serve_web(args: argparse.Namespace) -> int:
    from web.app import serve

    serve()
    return 0


def _serve(group: object, start_timeout: float, banner: str) -> int:
    """Starts a group of services, says where they are, keeps them up until Ctrl-C or
    SIGTERM, and stops them."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    group.start()
    try:
        group.wait_until_healthy(timeout=start_timeout)
        print(banner, flush=True)
        group.supervise(lambda: stopping)
    except (RuntimeError, TimeoutError) as error:
        if not stopping:
            print(f"Start-up failed: {error}", file=sys.stderr)
            return 1
    finally:
        print("Stopping ...", flush=True)
        group.stop()
        print("Stopped.")
    return 0


def _model(args: argparse.Namespace) -> Path | None:
    model = Path(args.model)
    if not model.exists():
        print(f"No trained model at {model}. Run `make run`, which trains it.", file=sys.stderr)
        return None
    return model


def _run(args: argparse.Namespace) -> int:
    from infra.services import ServiceGroup, action_server, rasa_server, web_app, write_endpoints

    settings = load_settings()
    model = _model(args)
    if model is None:
        return 2
    endpoints = write_endpoints(settings, Path(args.runtime_dir) / "endpoints.yml")
    group = ServiceGroup(
        [action_server(settings), rasa_server(settings, model, endpoints), web_app(settings)]
    )
    print("Starting the action server, the Rasa server and the web app ...")
    return _serve(
        group,
        args.start_timeout,
        "\nThe Toptraject assistant is running.\n"
        f"  Chat page:        {settings.web_url}/\n"
        f"  Coordinator inbox: {settings.web_url}/inbox\n"
        f"  Rasa REST:        {settings.rasa_url}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API:    {settings.rasa_url} (token in RASA_TOKEN)\n"
        f"  Action server:    http://{settings.action_host}:{settings.action_port}\n"
        "Press Ctrl-C to stop.\n",
    )


def _cluster(args: argparse.Namespace) -> int:
    from infra.cluster import cluster_services, plan_cluster
    from infra.cluster_parts import cluster_parts
    from infra.services import ServiceGroup

    model = _model(args)
    if model is None:
        return 2
    runtime = Path(args.runtime_dir) / "cluster"
    with cluster_parts(load_settings(), runtime) as settings:
        plan = plan_cluster(settings, args.instances)
        group = ServiceGroup(cluster_services(settings, plan, model, runtime))
        plan.write(runtime / "plan.json")
        print(
            f"Starting {args.instances} Rasa servers and action servers, the web app and nginx ..."
        )
        return _serve(
            group,
            args.start_timeout,
            f"\nThe Toptraject assistant is running on {args.instances} instances.\n"
            f"  Chat page:        {plan.public_url}/\n"
            f"  Coordinator inbox: {plan.public_url}/inbox\n"
            f"  Rasa REST:        {plan.public_url}/webhooks/rest/webhook\n"
            "Press Ctrl-C to stop.\n",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Toptraject assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init-db", help="create or migrate the database").set_defaults(
        handler=_init_db
    )
    commands.add_parser("seed-demo", help="load the demo region, schools and people").set_defaults(
        handler=_seed_demo
    )
    run = commands.add_parser("run", help="start the action server, Rasa and the web app")
    run.add_argument("--model", default=str(DEFAULT_MODEL))
    run.add_argument("--start-timeout", type=float, default=300.0)
    run.add_argument(
        "--runtime-dir", default=str(VAR_DIR), help="where to write the generated endpoints file"
    )
    run.set_defaults(handler=_run)
    cluster = commands.add_parser(
        "cluster",
        help="start N Rasa servers and action servers behind nginx, with PostgreSQL and Redis",
    )
    cluster.add_argument("--instances", type=int, default=2)
    cluster.add_argument("--model", default=str(DEFAULT_MODEL))
    cluster.add_argument("--start-timeout", type=float, default=600.0)
    cluster.add_argument("--runtime-dir", default=str(VAR_DIR), help="where its files go")
    cluster.set_defaults(handler=_cluster)
    commands.add_parser("serve-web", help="start only the web app").set_defaults(handler=_serve_web)
    issue = commands.add_parser("issue-code", help="create a one-time koppelcode for a person")
    person = issue.add_mutually_exclusive_group(required=True)
    person.add_argument("--student", type=int, metavar="ID")
    person.add_argument("--guardian", type=int, metavar="ID")
    issue.set_defaults(handler=_issue_code)
    access = commands.add_parser(
        "guardian-access",
        help="set what a guardian may see of a child, or a student's consent (18+)",
    )
    access.add_argument("--student", type=int, metavar="ID", required=True)
    access.add_argument("--guardian", type=int, metavar="ID")
    for name in ("progress", "notes", "exams"):
        access.add_argument(f"--{name}", type=_on_off, metavar="on|off")
    access.add_argument("--consent", type=_on_off, metavar="on|off")
    access.set_defaults(handler=_guardian_access)
    devices = commands.add_parser(
        "revoke-devices", help="end every 'onthoud mij' device login of a person"
    )
    who = devices.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", type=int, metavar="ID")
    who.add_argument("--guardian", type=int, metavar="ID")
    devices.set_defaults(handler=_revoke_devices)
    password = commands.add_parser("set-password", help="set a coordinator's inbox password")
    password.add_argument("--email", required=True)
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    password.set_defaults(handler=_set_password)
    goals = commands.add_parser("load-goals", help="load the route's interim goals (goals.yml)")
    goals.add_argument("--file", help="another goals file than bot/checkins/goals.yml")
    goals.set_defaults(handler=_load_goals)
    teach = commands.add_parser(
        "teach-export",
        help="write the examples labelled in the inbox's review list to a review file",
    )
    from bot.teaching.proposals import PROPOSALS_FILE

    teach.add_argument("--file", default=str(PROJECT_ROOT / PROPOSALS_FILE))
    teach.set_defaults(handler=_teach_export)
    merge = commands.add_parser(
        "teach-merge",
        help="merge the review file into data/nlu, retrain, benchmark, and swap the model "
        "only when every benchmark holds",
    )
    merge.add_argument("--file", default=str(PROJECT_ROOT / PROPOSALS_FILE))
    merge.add_argument("--bar", type=_bar, action="append", metavar="NAME=VALUE")
    merge.add_argument("--short", action="store_true", help="a quick training (tests)")
    merge.add_argument("--blind-sets", nargs="*", help="blind sets to run (default: all)")
    merge.add_argument("--rasa-url", action="append", help="each Rasa server (default RASA_*)")
    merge.add_argument("--project", default=str(PROJECT_ROOT), help=argparse.SUPPRESS)
    merge.set_defaults(handler=_teach_merge)
    from infra.jobs import JOBS

    for spec in JOBS:
        commands.add_parser(
            spec.name, help=f"{spec.help} (the web app also runs this on a timer)"
        ).set_defaults(handler=_run_job, job=spec)
    return parser


def _teach_export(args: argparse.Namespace) -> int:
    """Writes the examples coordinators labelled to the review file, added to what it
    already holds, for a maintainer to read before merging."""
    from bot import clock
    from bot.teaching.proposals import merged_with, read_nlu, render_nlu, take_labelled
    from infra.db.session import session_scope

    settings = load_settings()
    path = Path(args.file)
    with session_scope(settings.database_url) as session:
        new = take_labelled(session, now=clock.now())
        examples = merged_with(read_nlu(path), new)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_nlu(examples), encoding="utf-8")
    added = sum(len(texts) for texts in new.values())
    print(f"{added} labelled examples written to {path} ({len(examples)} intents in the file).")
    return 0


def _bar(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("use name=number, e.g. blind_overall=0.96") from None


def _teach_merge(args: argparse.Namespace) -> int:
    """Merges the review file's examples into data/nlu, trains, runs the held-out and
    blind benchmarks, and puts the model live only when every figure holds its bar."""
    import subprocess

    from bot.teaching.proposals import read_nlu
    from infra.teaching import default_bars, teach

    settings = load_settings()
    project = Path(args.project)
    proposals = read_nlu(Path(args.file))
    bars = {**default_bars(project), **dict(args.bar or [])}
    log_path = VAR_DIR / "teach.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"Training and benchmarks log to {log_path}; this takes a while.")
    with log_path.open("w") as log:
        try:
            outcome = teach(
                proposals,
                project=project,
                bars=bars,
                rasa_urls=args.rasa_url or [settings.rasa_url],
                rasa_token=settings.rasa_token,
                short=args.short,
                blind_sets=args.blind_sets,
                log=log,
            )
        except subprocess.CalledProcessError as failure:
            print(f"A step failed ({' '.join(map(str, failure.cmd[:3]))} ...); see {log_path}.")
            print("Nothing went live and data/ is as it was.")
            return 2
    plan = outcome.plan
    print(f"New examples: {plan.added}; already in the training data: {plan.already_known}.")
    for intent in plan.unknown_intents:
        print(f"Not merged: no data file trains '{intent}'.")
    for text in plan.conflicting:
        print(f"Not merged: proposed for two intents: {text!r}.")
    if outcome.verdict is None:
        print("Nothing to merge; no training.")
        return 0
    for name, bar in sorted(outcome.verdict.bars.items()):
        score = outcome.verdict.scores.get(name)
        sign = "<=" if name in outcome.verdict.lower_is_better else ">="
        held = "ok " if all(name != below[0] for below in outcome.verdict.below) else "LOW"
        print(f"  {held} {name:28} {score!s:>8}  (bar {sign} {bar})")
    if not outcome.verdict.goes_live:
        print("Refused: the new model stays off and data/ is as it was.")
        return 1
    if outcome.partial:
        print("Measured only: a short training or part of the blind set never goes live.")
        print("data/ is as it was.")
        return 1
    print(f"Merged into data/nlu; the new model is {outcome.live_model}.")
    for url, result in outcome.swaps.items():
        print(f"  {url}: {'live' if result == 'ok' else 'not swapped: ' + result}")
    return 0 if all(result == "ok" for result in outcome.swaps.values()) else 1


def _only_migrations_run(record: logging.LogRecord) -> bool:
    return record.getMessage().startswith("Running ")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic's set-up chatter; each migration it runs is still said.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").addFilter(_only_migrations_run)
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
