"""The command line as a user runs it: `convenantbot ask` and the terminal chat."""

import json
import os
import subprocess
import sys

from tests.conftest import CONTENT, REPO


def run_bot(*args: str, tmp_path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTENT_DIR": str(CONTENT), "SLACK_BOT_TOKEN": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)


def test_ask_json_prints_answer_sources_and_confidence(tmp_path):
    result = run_bot("ask", "--json", "Hoe deel ik het bericht op LinkedIn?", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"answer", "sources", "confident"}
    assert answer["confident"] is True
    assert "linkedin" in answer["answer"].lower()
    assert answer["sources"] and set(answer["sources"][0]) == {"document", "section"}


def test_ask_json_reads_one_question_per_line_in_order(tmp_path):
    questions = ["Hoe deel ik het bericht op LinkedIn?", "Wat is de hoofdstad van Peru?",
                 "Who should we invite to the kick-off meeting?"]
    result = run_bot("ask", "--json", "-", tmp_path=tmp_path, stdin="\n".join(questions) + "\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["confident"] for a in answers] == [True, False, True]
    assert answers[2]["answer"].startswith("The guidance (in Dutch) says:")


def test_ask_plain_prints_quote_and_source(tmp_path):
    result = run_bot("ask", "Waarom", "één", "gezamenlijk", "bericht?", tmp_path=tmp_path)
    assert result.returncode == 0
    assert "Bron:" in result.stdout


def test_terminal_chat_answers_and_presses_buttons_by_number(tmp_path):
    script = "Hoe deel ik het bericht op het intranet?\n2\n7\nhelp\nstop\n"
    result = run_bot(tmp_path=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Intranet" in out and "Bron:" in out
    assert "[1] 👍 Ja  [2] 👎 Nee" in out
    assert "niet hielp" in out  # button 2 pressed
    assert "Er is geen knop met dat nummer." in out
    assert "typ het nummer" in out and "`onbeantwoord`" in out  # the terminal's own help
    assert "/vraag" not in out  # a Slack command means nothing in a terminal


def test_terminal_chat_offers_other_topics_after_thumbs_down(tmp_path):
    script = "Hoe deel ik het bericht op het intranet?\n2\n1\nstop\n"
    result = run_bot("chat", tmp_path=tmp_path, stdin=script)
    out = result.stdout
    assert "Misschien helpt een van deze onderwerpen wel:" in out
    after_thanks = out.split("niet hielp")[1]
    assert "[1] " in after_thanks and after_thanks.count("Bron:") == 1  # topic 1 shown


def test_terminal_chat_refuses_honestly_and_offers_topics(tmp_path):
    question = "Hoeveel kost de lunch bij de bijeenkomst?"
    result = run_bot("chat", tmp_path=tmp_path, stdin=f"{question}\n1\nonbeantwoord\n")
    out = result.stdout
    assert "niets over" in out
    assert "[1] " in out
    assert "Bron:" in out  # the chosen topic is shown with its source
    assert question in out.split("Onbeantwoorde vragen")[1]


def test_default_command_without_slack_credentials_opens_the_chat(tmp_path):
    result = run_bot(tmp_path=tmp_path, stdin="")
    assert result.returncode == 0
    assert "Convenantbot (terminal)" in result.stdout


def test_serve_without_signing_secret_explains_what_is_missing(tmp_path):
    env_result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], text=True, capture_output=True, timeout=60,
        cwd=tmp_path, env={**os.environ, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "",
                           "SLACK_APP_TOKEN": "", "CONTENT_DIR": str(CONTENT)})
    assert env_result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in env_result.stderr


def test_cli_runs_from_the_repository_too(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot", "content", "check"], cwd=REPO,
                            text=True, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
