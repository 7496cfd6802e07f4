"""The tools calmdesk is compared with, run in the same process on the same splits.

VADER, TextBlob and alt-profanity-check give a few scores per text, not a task's labels; each
is mapped to a task by a logistic regression fitted on those scores over the task's training
split (the fairest mapping we could think of: it picks the best thresholds and label order).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

Scorer = Callable[[Sequence[str]], np.ndarray]


def vader(texts: Sequence[str]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    keys = ("neg", "neu", "pos", "compound")
    return np.array([[analyzer.polarity_scores(t)[k] for k in keys] for t in texts])


def textblob(texts: Sequence[str]) -> np.ndarray:
    from textblob import TextBlob

    rows = []
    for text in texts:
        sentiment = TextBlob(text).sentiment
        rows.append([sentiment.polarity, sentiment.subjectivity])
    return np.array(rows).reshape(-1, 2)


def profanity(texts: Sequence[str]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from profanity_check import predict_prob

        return np.asarray(predict_prob(list(texts)), dtype=np.float64).reshape(-1, 1)


BASELINES: dict[str, Scorer] = {"vader": vader, "textblob": textblob, "profanity-check": profanity}


def fit_and_predict(
    scorer: Scorer, train: Sequence[str], labels: Sequence[str], test: Sequence[str]
) -> list[str]:
    """Labels for `test` from a logistic regression over the tool's scores on `train`."""
    model = LogisticRegression(max_iter=2000)
    model.fit(scorer(train), list(labels))
    return [str(p) for p in model.predict(scorer(test))]


def keyword_rules(texts: Sequence[str]) -> np.ndarray:
    """calmdesk's own rule layer alone (no model): tone words, abuse rules, requests, threats.

    Columns: shouting, exclaiming, negative, gratitude, urgency, waiting, mild, positive,
    contrast, abuse (rules), requests, threats.
    """
    from calmdesk.analysis.mentions import find_mentions
    from calmdesk.analysis.patterns import find_abuse
    from calmdesk.analysis.tone import read_tone

    rows = []
    for text in texts:
        t = read_tone(text)
        found = find_mentions(text)
        rows.append(
            [
                t.shouting, t.exclaiming, t.negative, t.gratitude, t.urgency, t.waiting, t.mild,
                t.positive, t.contrast, find_abuse(text).score, len(found.requests),
                len(found.threats),
            ]
        )  # fmt: skip
    return np.array(rows, dtype=np.float64).reshape(-1, 12)


BASELINES["keyword-rules"] = keyword_rules
