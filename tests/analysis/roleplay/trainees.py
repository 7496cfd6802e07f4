"""Scripted trainees for every shipped scenario: a good one (the playbook followed) and a poor one.

Written for these tests by hand, as a trainer would model them; not derived from the checks' rules.
"""

from __future__ import annotations

POOR: tuple[str, ...] = (
    "Calm down. You should have read the terms before you ordered.",
    "That's not our fault. Our policy is clear and there is nothing I can do.",
    "As I already said, it's your problem, not ours.",
    "I'm not going to repeat myself. Read the policy.",
    "YOU NEED TO LISTEN. THERE IS NOTHING I CAN DO.",
    "Whatever. Take it or leave it.",
    "Our policy says no. End of story.",
    "You should have contacted us earlier.",
    "Calm down, it's not a big deal.",
)

GOOD: dict[str, tuple[str, ...]] = {
    "late-order": (
        "I'm so sorry your son's birthday present still hasn't arrived when delivery was "
        "guaranteed for Tuesday, and that you had to write twice. Could you give me your order "
        "number so I can check where the parcel is?",
        "Thank you. I can see the parcel is stuck at the courier's depot. I'm sending a "
        "replacement drone today by next-day express, so it will reach you by Thursday, before "
        "the birthday on Saturday, and I'll email you the tracking tonight. "
        "Does that work for you?",
    ),
    "faulty-kettle": (
        "Dear Graham, I'm sorry the glass kettle now trips the fuse every time you switch it on, "
        "only three weeks after you bought it. That's frustrating, and it shouldn't happen. Could "
        "you tell me your order number so I can arrange this for you?",
        "Thank you, Graham. I've arranged a replacement kettle, sent out today by tracked "
        "delivery, so it arrives by Friday; the courier will collect the faulty one at the same "
        "time, so you don't need to post anything. Would that work for you?",
    ),
    "double-charge": (
        "I'm really sorry you were charged twice, 14.99 two times, and I understand how worrying "
        "that is with your rent going out on Friday. Could you tell me the email address on your "
        "account so I can find the two payments?",
        "Thank you. I've refunded the duplicate 14.99 payment just now; it will be back in your "
        "account by Thursday, before your rent on Friday, and I'm emailing you a written "
        "confirmation today. Does that help?",
    ),
    "sales-promised-everything": (
        "Dear Owen, I'm sorry: you were told the Basic plan includes everything, and custom "
        "reports and the accountant integration turned out to be Pro only. I understand why that "
        "feels like a broken promise. I can't switch Pro on for free permanently, but I can "
        "upgrade you to Pro at the Basic price for the rest of your annual term, starting "
        "today. Would that work for you?",
        "Thank you. I've applied the upgrade now: custom reports and the accountant integration "
        "are switched on today, at your Basic price until your renewal date, and I'm sending the "
        "confirmation in writing by email this afternoon. Does that cover what you need?",
    ),
    "two-answers": (
        "I'm sorry, Lena. You were told on Monday that the floor damage was covered and today that "
        "leaks are excluded, and you've already booked a floorer. I can understand how confusing "
        "and stressful that is, and you need one clear answer. "
        "Could you give me your claim number so I can check it properly?",
        "Thank you. I've checked your policy: the floor damage from the washing machine leak is "
        "covered, and I've put that in writing on the claim. Please keep the floorer's booking; "
        "I'll email you the confirmation today so you can show it to him. Does that work for you?",
    ),
    "burned-before": (
        "I'm sorry, Tom. Two missed installation visits this month, two days off wasted, and the "
        "lost number transfer last year: I can see why you expect to be let down again. Could you "
        "give me your account number so I can book this myself?",
        "Thank you. I've booked a confirmed engineer slot for Tuesday at 8am, and I've asked the "
        "local team lead to call you on Monday to confirm it. I've also added a 60 credit to "
        "your account today for the two wasted days. Does Tuesday morning suit you?",
        "I understand. If the engineer doesn't arrive by 9am on Tuesday, the team lead will call "
        "you straight away and book the first slot the next day, and I'll add a further credit. "
        "I'll check it myself on Tuesday morning. Does that work for you?",
    ),
    "bad-day": (
        "I'm so sorry, Ana. Getting the wrong size on a day that already sounds really hard is "
        "the last thing you need. Could you give me your order number and I'll sort it for you?",
        "Thank you, and please don't worry about it. I've sent the right size today by express, "
        "so it arrives tomorrow, and the courier will take the wrong pair back at the door, "
        "nothing to print. Does that work for you?",
    ),
    "abusive-refund": (
        "I want to help you get your refund, but I won't accept insults. Please keep it "
        "respectful and I'll sort this out with you. Could you give me your return number?",
        "Thank you. I'm sorry your refund has taken three weeks; I understand how frustrating that "
        "wait is. I've released it now: the money "
        "will be in your account by tomorrow, and I'm emailing you the confirmation today. Does "
        "that work for you?",
        "I'm sorry you're still waiting, it's frustrating to keep chasing this. I've checked again "
        "and the refund was released today, so it will be in "
        "your account by tomorrow evening. I'll email you as soon as the bank confirms it. Is "
        "there anything else I can help with?",
    ),
    "manager-compensation": (
        "Dear Ms Nguyen, I'm so sorry your hotel booking was cancelled two days before your family "
        "holiday and that you had to pay 900 more for a last-minute room. Compensation above that "
        "needs a manager's decision, so I've passed your case to our customer relations manager, "
        "Sam Patel, with all the details; Sam will call you tomorrow before noon. Is that okay?",
        "Yes, Sam has the full history, so you won't have to explain it again. I'll also email you "
        "a summary today with Sam's direct number. Does that work for you?",
    ),
    "refund-outside-window": (
        "I understand you'd like a full refund for the coffee machine. I'm sorry, but I have to "
        "be honest: our refund window is 30 days and it was delivered 64 days ago, so a cash "
        "refund isn't something I can do. What I can offer is store credit for the full price, "
        "or a resale through our marketplace with free collection. Would either of those work?",
        "Yes, the store credit covers the full price. I'll arrange a free collection this week and "
        "the credit is added to your account the day it is collected. Does that work for you?",
    ),
    "phone-outage": (
        "I'm sorry, no signal at home for two days when you need your phone for deliveries is "
        "really hard. What's your postcode so I can check the mast?",
        "Thanks. There's a fault on the mast near you; engineers are fixing it and it will be back "
        "by 6pm tomorrow. Until then I've turned on Wi-Fi calling for you today and added free "
        "extra data. Does that work for you?",
    ),
    "locked-out-banking": (
        "Hello Margaret, I'm sorry this has frightened you. I can see why you're worried. Your "
        "money is safe: a lock after three wrong passwords is a safety measure, not fraud. Could "
        "you tell me your customer number so I can help you get back in?",
        "Thank you, Margaret, and I'm sorry for the worry this has caused. I've unlocked your "
        "online banking now. I'm sending you a text with a "
        "temporary code today; type it in on the login page and choose a new password, and you'll "
        "see your pension tomorrow as usual. Shall I stay with you while you try it?",
    ),
}
