"""Writes qa_dev.jsonl: labelled conversations for the QA dev check (written for this project).

Each conversation has `label`: how it went, judged from the transcript alone by the person who
wrote it (1 very badly ... 5 very well), and `recovered` (true/false/null: an upset customer ended
calm / did not / was never upset). Run once; the .jsonl is committed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)

DEV = [
    (
        "late-good",
        5,
        True,
        [
            (
                "customer",
                "My parcel was due Monday and it still hasn't arrived. This is ridiculous!",
            ),
            (
                "agent",
                "I'm sorry your parcel hasn't arrived, that must be frustrating after waiting "
                "since Monday. I've sent a replacement by express today; it will arrive tomorrow "
                "by 12pm. Does that work for you?",
            ),
            ("customer", "Yes, that works. Thank you so much!"),
            ("agent", "You're welcome, thanks for your patience. Anything else I can help with?"),
        ],
    ),
    (
        "late-blame",
        1,
        False,
        [
            (
                "customer",
                "My parcel was due Monday and it still hasn't arrived. This is ridiculous!",
            ),
            ("agent", "That's not our fault, the courier is to blame. We'll look into it."),
            ("customer", "Unbelievable. Forget it, I'm taking my business elsewhere."),
        ],
    ),
    (
        "charge-good",
        5,
        True,
        [
            ("customer", "You charged me twice for the same order!! I want my money back now."),
            (
                "agent",
                "I'm so sorry about the double charge, I can see why you're upset. I've refunded "
                "the duplicate payment of $42 just now; it will show on your card within 5 "
                "business days. Does that help?",
            ),
            ("customer", "OK, thanks for sorting it quickly."),
            ("agent", "Glad I could help. Thank you for letting us know."),
        ],
    ),
    (
        "charge-vague",
        2,
        False,
        [
            ("customer", "You charged me twice for the same order!! I want my money back now."),
            ("agent", "We will look into it and get back to you soon."),
            ("customer", "That's what you said last week. This is the third time I'm writing!"),
        ],
    ),
    (
        "question-calm",
        4,
        None,
        [
            ("customer", "Hi, can I change the delivery address for order 5512?"),
            (
                "agent",
                "Yes, you can change it under Orders > 5512 > Delivery until it ships tomorrow "
                "at 6am. Would you like me to change it for you?",
            ),
            ("customer", "No thanks, I did it myself. Thanks!"),
            ("agent", "Great, thanks for letting me know. Have a good day!"),
        ],
    ),
    (
        "abuse-boundary",
        4,
        True,
        [
            ("customer", "You useless idiots, where is my refund?!"),
            (
                "agent",
                "I want to help you get your refund, but please don't call me names; insults "
                "are not acceptable. I've checked: the refund was issued today and will show "
                "within 5 business days. Is there anything else I can check?",
            ),
            ("customer", "Fine. Sorry, it's been a bad week. Thanks."),
        ],
    ),
    (
        "abuse-retaliate",
        1,
        False,
        [
            ("customer", "You useless idiots, where is my refund?!"),
            ("agent", "CALM DOWN. Shouting at me won't make it faster."),
            ("customer", "Are you kidding me? Get me your manager, you clown."),
        ],
    ),
    (
        "manager-handled",
        4,
        True,
        [
            (
                "customer",
                "This is the second broken kettle you've sent. I want to speak to a manager.",
            ),
            (
                "agent",
                "I'm sorry the replacement arrived broken too, that's really disappointing. I've "
                "passed this to my supervisor, Dana Lee, who will call you today by 4pm to "
                "arrange a refund or a different model, whichever you prefer.",
            ),
            ("customer", "Alright, I'll wait for her call. Thank you."),
        ],
    ),
    (
        "manager-ignored",
        2,
        False,
        [
            (
                "customer",
                "This is the second broken kettle you've sent. I want to speak to a manager.",
            ),
            ("agent", "Could you send me a photo of the kettle?"),
            ("customer", "I asked for a manager. Why is nobody listening to me?!"),
        ],
    ),
    (
        "outage-good",
        4,
        True,
        [
            (
                "customer",
                "Your app has been down all morning and I can't access my account. Urgent!",
            ),
            (
                "agent",
                "I'm sorry, I know how stressful it is to be locked out. We had an outage this "
                "morning; it was fixed at 11:40. Could you try logging in again and tell me if "
                "it works?",
            ),
            ("customer", "It works now, thanks."),
            ("agent", "Thanks for confirming, and sorry again for the trouble."),
        ],
    ),
    (
        "outage-excuse",
        2,
        False,
        [
            (
                "customer",
                "Your app has been down all morning and I can't access my account. Urgent!",
            ),
            ("agent", "We're short-staffed today, nothing I can do. Try later."),
            ("customer", "Great, so I just can't work today. Thanks for nothing."),
        ],
    ),
    (
        "defect-options",
        5,
        True,
        [
            ("customer", "The headphones I bought stopped working after two days. Really annoyed."),
            (
                "agent",
                "I'm sorry they stopped working so soon, that's annoying. I can send a "
                "replacement today or refund you in full, whichever you prefer. Which would "
                "you like?",
            ),
            ("customer", "A replacement please."),
            (
                "agent",
                "Done: the replacement ships today and arrives by Thursday. I'll email you the "
                "tracking number within the hour.",
            ),
            ("customer", "Perfect, thank you!"),
        ],
    ),
    (
        "defect-overpromise",
        2,
        None,
        [
            ("customer", "The headphones I bought stopped working after two days. Really annoyed."),
            (
                "agent",
                "I guarantee this will never happen again. I'll give you a lifetime discount.",
            ),
            ("customer", "Ok."),
        ],
    ),
    (
        "bot-handoff-good",
        4,
        True,
        [
            ("customer", "Where is my order 7781? It was supposed to come yesterday!"),
            ("bot", "I'm sorry your order is late. I'm passing you to a person who can check it."),
            (
                "agent",
                "Hi, I'm sorry order 7781 is late. The courier missed yesterday's slot; it is "
                "out for delivery now and will arrive today before 6pm. Does that work?",
            ),
            ("customer", "Yes, thank you."),
        ],
    ),
    (
        "bot-loop",
        1,
        False,
        [
            ("customer", "Where is my order 7781? It was supposed to come yesterday!"),
            ("bot", "I can help with orders. Please choose an option: track, return, other."),
            ("customer", "I TOLD you, it is late! I want a human!"),
            ("bot", "I can help with orders. Please choose an option: track, return, other."),
            ("customer", "Useless. I'm cancelling my account."),
        ],
    ),
    (
        "unclear-clarify",
        4,
        None,
        [
            ("customer", "it's not working, sort it out"),
            (
                "agent",
                "I'm sorry it's giving you trouble. Could you tell me which product or service "
                "isn't working, and what you see when you try it?",
            ),
            ("customer", "The smart plug won't connect to wifi."),
            (
                "agent",
                "Thanks. Hold the button for 10 seconds until it blinks blue, then add it again "
                "in the app. Does that fix it?",
            ),
            ("customer", "Yes that fixed it, thanks!"),
        ],
    ),
    (
        "unclear-guess",
        2,
        None,
        [
            ("customer", "it's not working, sort it out"),
            ("agent", "Please restart your router."),
            ("customer", "It's not the router. Whatever."),
        ],
    ),
    (
        "wrong-fact",
        2,
        None,
        [
            ("customer", "How long do refunds take? I returned my shoes last week."),
            ("agent", "Refunds take 30 business days once we receive the return."),
            ("customer", "30 days?! That's absurd."),
        ],
    ),
    (
        "apology-none",
        3,
        True,
        [
            ("customer", "My order arrived with a cracked screen. Not happy."),
            ("agent", "A replacement will ship today and arrive by Friday."),
            ("customer", "Ok, thanks."),
        ],
    ),
    (
        "repeat-contact-good",
        3,
        True,
        [
            ("customer", "This is the third time I'm writing about my missing refund!"),
            (
                "agent",
                "I'm really sorry you've had to write three times about your refund, that "
                "shouldn't happen. I've issued it myself just now; you'll see it within 5 "
                "business days, and I'll check on Friday that it arrived.",
            ),
            ("customer", "Thank you, finally."),
        ],
    ),
]


def main() -> None:
    out = Path(__file__).with_name("qa_dev.jsonl")
    lines = []
    for cid, label, recovered, turns in DEV:
        at = T0
        rows = []
        for role, text in turns:
            rows.append({"role": role, "text": text, "at": at.isoformat()})
            at += timedelta(minutes=4)
        lines.append(
            json.dumps(
                {"id": cid, "label": label, "recovered": recovered, "turns": rows},
                ensure_ascii=False,
            )
        )
    out.write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
