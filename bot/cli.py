"""The `convenantbot` command: chat, serve, ask, content check, db upgrade."""

import argparse
import asyncio
import json
import logging
import sys

from bot.announcements.templates import template_problems as announcement_template_problems
from bot.checkins.questions import check_checkin_content
from bot.meetings.content import check_meetings
from bot.questions.guidance.content import ContentError, check_content, load_library
from bot.questions.guidance.retrieval import GuidanceIndex
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Migration steps are news for an operator once, not at every start of every chat.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.root.level))
    # Likewise every run of a scheduled job: a line each 30 s would bury the terminal chat.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.root.level))
    command = args.command or ("serve" if settings.slack_bot_token else "chat")
    try:
        if command == "content":
            return _content_check(settings)
        if command == "ask":
            return _ask(settings, args)
        if command == "db":
            return _db(settings, args)
        if command == "serve":
            from bot.app import run_event_loop, serve
            return run_event_loop(serve(settings, port=args.port if "port" in args else None))
        from bot.app import run_terminal_chat
        return asyncio.run(run_terminal_chat(settings))
    except ContentError as error:
        print(f"The content in {settings.content_dir} has problems; fix them and start again:",
              file=sys.stderr)
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convenantbot",
        description="Answers from the covenant guidance. With no command: serve Slack when "
                    "SLACK_BOT_TOKEN is set, otherwise open a chat in this terminal.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("chat", help="chat with the bot in this terminal")
    serve = commands.add_parser(
        "serve", help="serve Slack (HTTP, or Socket Mode with an app token)")
    serve.add_argument("--port", type=int, help="HTTP port (default: PORT or 3000)")
    ask = commands.add_parser("ask", help="answer one question, or one per line from stdin ('-')")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read lines from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    content = commands.add_parser("content", help="work with the guidance in content/")
    content.add_argument("action", choices=["check"])
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade", "revision"],
                    help="upgrade: migrate to the newest revision; revision: write a new "
                         "migration for what changed in the tables (Alembic autogenerate)")
    db.add_argument("-m", "--message", help="what the new revision does (for 'revision')")
    return parser


def _db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        from bot.app import upgrade_database
        asyncio.run(upgrade_database(settings))
        return 0
    from alembic.util import CommandError

    from bot.revisions import create_revision
    if not args.message:
        print('db revision needs a message: convenantbot db revision -m "add meetings"',
              file=sys.stderr)
        return 2
    try:
        path = asyncio.run(create_revision(settings.database_url, args.message))
    except CommandError as error:  # e.g. the database is not at the newest revision
        print(f"db revision: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}; read it through before you commit it")
    return 0


def _content_check(settings: Settings) -> int:
    problems = check_content(settings.content_dir)
    problems += announcement_template_problems(settings.content_dir)
    problems += check_checkin_content(settings.content_dir)
    problems += check_meetings(settings.content_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    library = load_library(settings.content_dir)
    print(f"content OK: {len(library.documents)} documents, {len(library.sections)} sections")
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.questions.guidance.answers import answer_question
    from handlers.terminal.render import answer_json, answer_text

    index = GuidanceIndex(load_library(settings.content_dir))
    questions = sys.stdin if args.question == ["-"] else [" ".join(args.question)]
    for line in questions:
        question = line.strip()
        if not question and args.question == ["-"]:
            continue
        answer = answer_question(index, question)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(answer_text(answer, with_sources=True))
    return 0
