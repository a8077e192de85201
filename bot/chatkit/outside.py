"""Where to ask instead, when a question is about a subject the guides do not cover (its
topic in bot/search/off_topic.yml): the line the chat puts before "nothing found", and
`pregonero search` prints the same."""

from __future__ import annotations

from bot.i18n import gettext_for


def outside_text(topic: str, lang: str) -> str | None:
    """Where to ask instead, for a subject the guides do not cover (None: no such topic)."""
    _ = gettext_for(lang)
    hints = {
        "staff": _("That sounds like a staff matter (pay, leave, shifts): the guides do not "
                   "cover it. Ask your office's Human Resources."),
        "career": _("That sounds like a career matter (promotions, courses, uniforms, badges): "
                    "the guides do not cover it. Ask your office's Human Resources."),
        "facilities": _("That sounds like the office's equipment or building: the guides do "
                        "not cover it. Report it to your office's administration."),
        "customs": _("That sounds like a customs question (duties, goods, food, pets): the "
                     "guides do not cover it. Customs staff at the port can answer it."),
        "travel-services": _("That sounds like a traveller's service (luggage, flights, "
                             "tickets, money exchange): the guides do not cover it. The airline "
                             "or the terminal's information desk can help."),
        "small-talk": _("That does not sound like a question about your work at the border: "
                        "the guides do not cover it."),
    }
    return hints.get(topic)
