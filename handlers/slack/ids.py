"""Action ids, defined once for the Block Kit builders and the listeners."""

import re

FEEDBACK_HELPFUL = "feedback_helpful"
FEEDBACK_UNHELPFUL = "feedback_unhelpful"
SHOW_TOPIC_PREFIX = "show_topic_"  # + the button's position: action ids must differ per block
SHOW_TOPIC = re.compile(rf"^{SHOW_TOPIC_PREFIX}\d+$")
ANY_ACTION = re.compile(r".*")

FEEDBACK_BLOCK = "feedback"
TOPICS_BLOCK = "topics"
