"""Callback, block and action ids of announcements, defined once for builders and listeners."""

COMMAND = "/aankondiging"

COMPOSE_CALLBACK = "announcement_compose"

# Input blocks of the compose modal carry a revision suffix ("announcement_title.2"): a new
# block id makes Slack show a template's text instead of what was typed before the switch.
TEMPLATE_BLOCK = "announcement_template"
TITLE_BLOCK = "announcement_title"
BODY_BLOCK = "announcement_body"
IMAGE_BLOCK = "announcement_image"
VARIANT_BLOCK = "announcement_variant"
CHANNELS_BLOCK = "announcement_channels"
WHEN_BLOCK = "announcement_when"
SEND_AT_BLOCK = "announcement_send_at"

TEMPLATE_SELECT = "announcement_template_select"
TITLE_INPUT = "announcement_title_input"
BODY_INPUT = "announcement_body_input"
IMAGE_INPUT = "announcement_image_input"
VARIANT_INPUT = "announcement_variant_input"
CHANNELS_INPUT = "announcement_channels_input"
WHEN_INPUT = "announcement_when_input"
SEND_AT_INPUT = "announcement_send_at_input"

WHEN_NOW = "now"
WHEN_LATER = "later"
SCRATCH = "scratch"

# Buttons; each carries the announcement id as its value.
SEND = "announcement_send"
ADJUST = "announcement_adjust"
DISCARD = "announcement_discard"
READ = "announcement_read"
EXTERNAL = "announcement_external"
REPORT = "announcement_report"
EDIT = "announcement_edit"
RECALL = "announcement_recall"
CANCEL = "announcement_cancel"

PREVIEW_ACTIONS_BLOCK = "announcement_preview_actions"
POST_ACTIONS_BLOCK = "announcement_post_actions"
LIST_ACTIONS_PREFIX = "announcement_list_"  # + the announcement id
