"""What the question desk says, per language. Dutch is the default."""

from bot.texts import SHARED, Catalog

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "help": (
            "Hoi! Ik beantwoord vragen over onze samenwerking uit de handreiking bij het "
            "convenant.\n"
            "• Stel je vraag in een privébericht aan mij, noem mij (@) in een kanaal, of typ "
            "`/vraag <je vraag>`.\n"
            "• Ik citeer het stuk uit de handreiking en noem de bron. Staat het er niet in, "
            "dan zeg ik dat eerlijk.\n"
            "• Laat met 👍 of 👎 weten of een antwoord hielp: zo wordt de handreiking beter."
        ),
        "help_coordinator": (
            "Voor coördinatoren:\n"
            "• `/vraag onbeantwoord`: de laatste vragen waar de handreiking geen antwoord op had\n"
            "• `/vraag feedback`: antwoorden die als niet nuttig zijn gemarkeerd\n"
            "• `/aankondiging`: één gezamenlijk bericht naar meerdere kanalen sturen\n"
            "• `/bijeenkomst`: een bijeenkomst met sessies en aanmeldingen plannen\n"
            "• `/checkin`: een periodieke check-in (PDCA) voor een team plannen"
        ),
        "lead_in": "",
        "source": "Bron: $document, $section",
        "not_covered": (
            "Daar zegt de handreiking niets over, dus ik ga niet gokken. Ik heb je vraag "
            "doorgegeven aan de coördinatoren."
        ),
        "not_covered_suggestions": "Misschien helpt een van deze onderwerpen:",
        "was_helpful": "Was dit nuttig?",
        "helpful": "👍 Ja",
        "unhelpful": "👎 Nee",
        "thanks_helpful": "Bedankt voor je feedback! 👍",
        "thanks_unhelpful": "Bedankt, ik geef door dat dit antwoord niet hielp. 👎",
        "unhelpful_suggestions": "Misschien helpt een van deze onderwerpen wel:",
        "too_long": "Je vraag is te lang ($length tekens). Kun je hem korter stellen, in "
                    "hoogstens $limit tekens?",
        "unknown_answer": "Dit antwoord kan ik niet meer terugvinden. Stel je vraag gerust "
                          "opnieuw.",
        "unknown_topic": "Dit onderwerp bestaat niet meer in de handreiking. Stel je vraag gerust "
                         "opnieuw.",
        "unanswered_title": "Onbeantwoorde vragen",
        "unanswered_none": "Er zijn geen onbeantwoorde vragen. 🎉",
        "unhelpful_title": "Antwoorden met 👎",
        "unhelpful_none": "Er zijn geen antwoorden als niet nuttig gemarkeerd.",
        "asked_by": "$when ·",
        "asked_when": "%d-%m-%Y %H:%M",
        "unhelpful_item": "$question  (👎 $votes)",
        "source_icon": "📄",
        "terminal_welcome": "Convenantbot (terminal). Stel een vraag, typ een nummer om op een "
                            "knop te drukken, 'help' voor uitleg of 'stop' om te stoppen.",
        "terminal_help": (
            "Ik beantwoord vragen over onze samenwerking uit de handreiking bij het convenant.\n"
            "• Typ je vraag en druk op Enter. Ik citeer het stuk uit de handreiking en noem de "
            "bron. Staat het er niet in, dan zeg ik dat eerlijk.\n"
            "• Knoppen staan tussen haken, zoals [1] 👍 Ja: typ het nummer om erop te drukken.\n"
            "• `onbeantwoord`: de laatste vragen waar de handreiking geen antwoord op had\n"
            "• `feedback`: antwoorden die als niet nuttig zijn gemarkeerd\n"
            "• `aankondiging`: een gezamenlijk bericht opstellen en versturen\n"
            "• `bijeenkomst`, `bijeenkomst nieuw`, `bijeenkomst lijst`: bijeenkomsten\n"
            "• `checkin`, `checkin plan`, `checkin lijst`, `checkin start 1`, `checkin sluit 1`: "
            "check-ins\n"
            "• `stop`: de chat beëindigen"
        ),
    },
    "en": {
        "help": (
            "Hi! I answer questions about our collaboration from the covenant guidance.\n"
            "• Ask me in a direct message, mention me (@) in a channel, or type "
            "`/vraag <your question>`.\n"
            "• I quote the passage from the guidance (in Dutch) and name the source. If the "
            "guidance does not cover it, I say so honestly.\n"
            "• Tell me with 👍 or 👎 whether an answer helped: that makes the guidance better."
        ),
        "help_coordinator": (
            "For coordinators:\n"
            "• `/vraag unanswered`: the latest questions the guidance had no answer for\n"
            "• `/vraag feedback`: answers marked as not helpful\n"
            "• `/aankondiging`: send one joint message to several channels\n"
            "• `/bijeenkomst`: plan a meeting with sessions and sign-ups\n"
            "• `/checkin`: plan a periodic check-in (PDCA) for a team"
        ),
        "lead_in": "The guidance (in Dutch) says:",
        "source": "Source: $document, $section",
        "not_covered": (
            "The guidance does not cover that, so I won't guess. I have passed your question "
            "on to the coordinators."
        ),
        "not_covered_suggestions": "One of these topics may help:",
        "was_helpful": "Was this helpful?",
        "helpful": "👍 Yes",
        "unhelpful": "👎 No",
        "thanks_helpful": "Thanks for your feedback! 👍",
        "thanks_unhelpful": "Thanks, I'll pass on that this answer did not help. 👎",
        "unhelpful_suggestions": "Perhaps one of these topics does help:",
        "too_long": "Your question is too long ($length characters). Could you ask it in at "
                    "most $limit characters?",
        "unknown_answer": "I can no longer find this answer. Feel free to ask again.",
        "unknown_topic": "This topic is no longer in the guidance. Feel free to ask again.",
        "unanswered_title": "Unanswered questions",
        "unanswered_none": "There are no unanswered questions. 🎉",
        "unhelpful_title": "Answers marked 👎",
        "unhelpful_none": "No answers have been marked as not helpful.",
        "asked_by": "$when ·",
        "asked_when": "%d-%m-%Y %H:%M",
        "unhelpful_item": "$question  (👎 $votes)",
        "source_icon": "📄",
        "terminal_welcome": "Convenantbot (terminal). Ask a question, type a number to press a "
                            "button, 'help' for help or 'stop' to quit.",
        "terminal_help": (
            "I answer questions about our collaboration from the covenant guidance.\n"
            "• Type your question and press Enter. I quote the passage from the guidance (in "
            "Dutch) and name the source. If the guidance does not cover it, I say so honestly.\n"
            "• Buttons are shown in brackets, such as [1] 👍 Yes: type the number to press one.\n"
            "• `unanswered`: the latest questions the guidance had no answer for\n"
            "• `feedback`: answers marked as not helpful\n"
            "• `aankondiging`: write and send a joint announcement\n"
            "• `bijeenkomst`, `bijeenkomst nieuw`, `bijeenkomst lijst`: meetings\n"
            "• `checkin`, `checkin plan`, `checkin lijst`, `checkin start 1`, `checkin sluit 1`: "
            "check-ins\n"
            "• `stop`: end the chat"
        ),
    },
}


text = Catalog(TEXTS, fallback=SHARED)
