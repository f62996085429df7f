"""Action and block ids, defined once for the Block Kit builders and the listeners, and which
conversation choice each button stands for."""

import re
from dataclasses import dataclass

from bot.questions import conversation as questions

FEEDBACK_HELPFUL = "feedback_helpful"
FEEDBACK_UNHELPFUL = "feedback_unhelpful"
SHOW_TOPIC_PREFIX = "show_topic_"  # + the button's position: action ids must differ per block
SHOW_TOPIC = re.compile(rf"^{SHOW_TOPIC_PREFIX}\d+$")
ANY_ACTION = re.compile(r".*")

FEEDBACK_BLOCK = "feedback"
TOPICS_BLOCK = "topics"


@dataclass(frozen=True)
class ChoiceButton:
    """How a conversation choice appears in Block Kit: its actions block and action id
    (numbered by position when one block holds several of the same choice)."""

    block_id: str
    action_id: str
    numbered: bool = False

    def action_for(self, position: int) -> str:
        return f"{self.action_id}{position}" if self.numbered else self.action_id

    @property
    def pattern(self) -> str | re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.action_id)}\d+$") if self.numbered \
            else self.action_id


CHOICE_BUTTONS: dict[str, ChoiceButton] = {
    questions.HELPFUL: ChoiceButton(FEEDBACK_BLOCK, FEEDBACK_HELPFUL),
    questions.UNHELPFUL: ChoiceButton(FEEDBACK_BLOCK, FEEDBACK_UNHELPFUL),
    questions.TOPIC: ChoiceButton(TOPICS_BLOCK, SHOW_TOPIC_PREFIX, numbered=True),
}
