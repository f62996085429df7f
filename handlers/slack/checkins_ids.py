"""Check-in action, callback and block ids, defined once for builders and listeners."""

import re

COMMAND = "/checkin"

# Buttons (value: a round, action or schedule id)
FILL_IN = "checkin_fill_in"
ACTION_DONE = "checkin_action_done"
ADD_ACTION = "checkin_add_action"
EXPORT = "checkin_export"
PAUSE = "checkin_pause"
RESUME = "checkin_resume"
CHANGE = "checkin_change"
DELETE = "checkin_delete"
START_NOW = "checkin_start_now"
REMIND_NOW = "checkin_remind_now"
CLOSE_NOW = "checkin_close_now"
MANAGE_ACTIONS = (PAUSE, RESUME, CHANGE, DELETE, START_NOW, REMIND_NOW, CLOSE_NOW)
ACTION_DONE_PATTERN = re.compile(rf"^{ACTION_DONE}_\d+$")  # one per action: ids differ per block

# Modals
SCHEDULE_MODAL = "checkin_schedule"
CHECKIN_MODAL = "checkin_answers"
ACTION_MODAL = "checkin_action"
CLOSED_MODAL = "checkin_closed"

# Blocks of the schedule modal, by the domain's field name (errors are keyed by these)
SCHEDULE_BLOCKS = {
    "channel": "checkin_channel",
    "cadence": "checkin_cadence",
    "first_date": "checkin_first_date",
    "first_time": "checkin_first_time",
    "open_days": "checkin_open_days",
    "remind_days_before_close": "checkin_remind_days",
    "anonymous": "checkin_anonymous",
    "min_group": "checkin_min_group",
}
# The domain says first_opens_at; the modal asks it as a date and a time.
FIELD_BLOCK = {**SCHEDULE_BLOCKS, "first_opens_at": SCHEDULE_BLOCKS["first_date"]}

ACTION_BLOCKS = {"what": "checkin_action_what", "owner": "checkin_action_owner",
                 "due_on": "checkin_action_due"}

QUESTION_PREFIX = "checkin_q_"   # + question id
REMARK_PREFIX = "checkin_r_"     # + question id
VALUE = "value"                  # the action id of every input in these modals
ACTIONS_BLOCK = "checkin_actions"
MANAGE_BLOCK_PREFIX = "checkin_manage_"  # + schedule id


def question_block(question_id: str) -> str:
    return f"{QUESTION_PREFIX}{question_id}"


def remark_block(question_id: str) -> str:
    return f"{REMARK_PREFIX}{question_id}"


def answer_block(key: str) -> str:
    """The block for a domain answer key: "A" or "A:remark"."""
    question_id, _, remark = key.partition(":")
    return remark_block(question_id) if remark else question_block(question_id)
