"""Action, callback and block ids of the meeting messages and modals, defined once."""

COMMAND = "/bijeenkomst"

# The "new meeting" modal
CREATE_VIEW = "meeting_create"
TITLE_BLOCK = "meeting_title"
DESCRIPTION_BLOCK = "meeting_description"
AGENDA_BLOCK = "meeting_agenda"
PRACTICAL_BLOCK = "meeting_practical"
MANDATORY_BLOCK = "meeting_mandatory"
DEADLINE_BLOCK = "meeting_deadline"
CHANNELS_BLOCK = "meeting_channels"
ADD_SESSION_BLOCK = "meeting_add_session_block"
ADD_SESSION = "meeting_add_session"
VALUE = "value"  # the action id of every input element in the modals
SESSION_FIELDS = ("day", "start", "end", "location", "capacity")


def session_block(index: int, field: str) -> str:
    """The block id of one field of the index-th session in the modal."""
    return f"meeting_session_{index}_{field}"


# The invitation and the answers to it
SIGN_UP = "meeting_sign_up"            # value: session id
DECLINE = "meeting_decline"            # value: meeting id
SWITCH = "meeting_switch"              # value: meeting id
WITHDRAW = "meeting_withdraw"          # value: meeting id
PROFILE = "meeting_profile"            # value: meeting id
PARTICIPANTS = "meeting_participants"  # value: meeting id
INVITE_ACTIONS_BLOCK = "meeting_invite_actions"
SESSION_BLOCK_PREFIX = "meeting_invite_session_"

# The profile: ephemeral selects after a first sign-up, or the modal
PROFILE_ORGANISATION = "meeting_profile_organisation"
PROFILE_ROLE = "meeting_profile_role"
PROFILE_VIEW = "meeting_profile_view"
ORGANISATION_BLOCK = "meeting_profile_organisation_block"
ROLE_BLOCK = "meeting_profile_role_block"
NAME_BLOCK = "meeting_profile_name_block"

# Coordinators: the list, its export, changes and cancellations
EXPORT = "meeting_export"                  # value: meeting id
CHANGE_SESSION = "meeting_change_session"  # value: session id
CHANGE_VIEW = "meeting_change_view"
CANCEL_SESSION = "meeting_cancel_session"  # value: session id
CANCEL_MEETING = "meeting_cancel_meeting"  # value: meeting id
