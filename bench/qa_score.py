"""Scores the bot's answers against gold questions, in process, by the rules of
shared/evals/score_qa.py: an in-scope answer counts when it is confident, at most 1,600
characters and holds a phrase of every gold group; an out-of-scope one when it is not confident.

usage: python bench/qa_score.py GOLD.json [GOLD.json ...] [--show]
"""

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.questions.guidance.answers import answer_question  # noqa: E402
from bot.questions.guidance.content import load_library  # noqa: E402
from bot.questions.guidance.retrieval import GuidanceIndex  # noqa: E402
from handlers.terminal.render import answer_json  # noqa: E402

MAX_CHARS = 1600


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def is_correct(item: dict, answer: dict) -> bool:
    if not item["in_scope"]:
        return not answer["confident"]
    text = _normal(answer["answer"])
    return (answer["confident"] and len(text) <= MAX_CHARS
            and all(any(_normal(p) in text for p in group) for group in item["must_contain_any"]))


def score(index: GuidanceIndex, items: list[dict], *, show: bool = False) -> dict[str, float]:
    """Accuracy per class: 'nl', 'en' (in scope) and 'oos' (out of scope)."""
    counts: dict[str, list[int]] = {}
    for item in items:
        answer = answer_json(answer_question(index, item["question"]))
        kind = item["lang"] if item["in_scope"] else "oos"
        right = is_correct(item, answer)
        tally = counts.setdefault(kind, [0, 0])
        tally[0] += right
        tally[1] += 1
        if show and not right:
            print(f"MISS {item['id']} [{kind}] {item['question']!r} -> {answer['answer'][:100]!r}")
    return {kind: right / total for kind, (right, total) in counts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print the misses")
    parser.add_argument("--content-dir", type=Path, default=REPO / "content")
    args = parser.parse_args()
    index = GuidanceIndex(load_library(args.content_dir))
    for path in args.gold:
        result = score(index, json.loads(path.read_text(encoding="utf-8")), show=args.show)
        figures = " ".join(f"{kind}={value:.0%}" for kind, value in sorted(result.items()))
        print(f"{path.name}: {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
