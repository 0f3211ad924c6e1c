"""The survey templates the program ships with; the committee copies and adapts them."""

SCALE, NPS, YES_NO, SINGLE, MULTIPLE, TEXT = "scale", "nps", "yes_no", "single", "multiple", "text"

RECOMMEND_TEXT = "Would you recommend the program to other product managers?"
PROMOTION_TEXT = "Did the program contribute to your promotion?"
NPS_TEXT = "How likely are you to recommend the program to a colleague?"


def _q(kind, text, *, required=True, options=(), measures="", only_for_promoted=False,
       help_text=""):  # fmt: skip
    return {
        "kind": kind,
        "text": text,
        "required": required,
        "options": "\n".join(options),
        "measures": measures,
        "only_for_promoted": only_for_promoted,
        "help_text": help_text,
    }


TEMPLATES = [
    {
        "template_key": "end-of-cohort-apm",
        "title": "End-of-cohort survey for APMs",
        "audience": "apms",
        "is_anonymous": True,
        "intro": (
            "The committee reads every answer to plan the next cohort. Your answers are "
            "anonymous: they are stored without your name, and results are shown only for "
            "groups large enough that nobody can be singled out."
        ),
        "questions": [
            _q(SCALE, "My mentor and I met often enough to make progress."),
            _q(SCALE, "Our conversations helped me grow as a product manager."),
            _q(SCALE, "I felt comfortable leading our meetings."),
            _q(
                SCALE,
                "The conversation toolkit helped me start useful conversations.",
                required=False,
            ),
            _q(NPS, NPS_TEXT, measures="nps"),
            _q(YES_NO, RECOMMEND_TEXT, measures="recommend"),
            _q(
                YES_NO,
                PROMOTION_TEXT,
                measures="promotion_credit",
                only_for_promoted=True,
                help_text="Asked only of APMs whose promotion the committee has recorded.",
            ),
            _q(
                MULTIPLE,
                "Which topics were most useful?",
                required=False,
                options=(
                    "Government contracting",
                    "Product frameworks",
                    "Career growth",
                    "Stakeholder management",
                    "Work-life balance",
                    "Something else",
                ),
            ),
            _q(
                SINGLE,
                "Would you like to mentor an APM in a future cohort?",
                options=("Yes", "Maybe later", "No"),
            ),
            _q(
                TEXT,
                "What should the committee change for next year?",
                required=False,
                help_text="Please don't name people: keep it about the program.",
            ),
        ],
    },
    {
        "template_key": "end-of-cohort-mentor",
        "title": "End-of-cohort survey for mentors",
        "audience": "mentors",
        "is_anonymous": True,
        "intro": (
            "Thank you for mentoring. Your answers are anonymous and help the committee "
            "support mentors better next year."
        ),
        "questions": [
            _q(SCALE, "Mentoring was a good use of my time."),
            _q(SCALE, "My mentee came prepared and led our meetings."),
            _q(SCALE, "I had what I needed to prepare for our conversations."),
            _q(NPS, NPS_TEXT, measures="nps"),
            _q(YES_NO, RECOMMEND_TEXT, measures="recommend"),
            _q(SINGLE, "Would you mentor again next year?", options=("Yes", "Maybe", "No")),
            _q(
                TEXT,
                "What would make mentoring easier?",
                required=False,
                help_text="Please don't name people: keep it about the program.",
            ),
        ],
    },
    {
        "template_key": "mid-point-check-in",
        "title": "Mid-point check-in",
        "audience": "both",
        "is_anonymous": True,
        "intro": "Three quick questions, halfway through: is the pairing working?",
        "questions": [
            _q(
                SINGLE,
                "How many times have you met so far?",
                options=("Not yet", "Once or twice", "3 to 5 times", "More than 5 times"),
            ),
            _q(SCALE, "Our meetings are useful."),
            _q(
                MULTIPLE,
                "Is anything getting in the way?",
                required=False,
                options=("Finding time", "Knowing what to talk about", "Time zones", "Nothing"),
            ),
            _q(TEXT, "Anything the committee should know?", required=False),
        ],
    },
]
