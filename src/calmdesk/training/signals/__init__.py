"""Training the learned customer signals (`analysis/models/customer_signals.npz`).

Rows: the DEV split of `tests/data/labelled/customer_messages.jsonl`, of the anger/frustration set
`customer_tone.jsonl` and of the calm messages `customer_calm.jsonl` (the test splits are never
read here; only `benchmarks/bench_customer.py` reads them, for the final figures). Each item is
read as the pipeline reads it: its earlier turns first (their rule signals are the history), then
the turn itself through every rule scorer (`scorers.rule_reading`); its feature row is the
multilingual vector, the English vector (off by default), `model.rule_features` (with the
`anger_cues`) and, for the heads that cross-validation gives it, the character n-gram TF-IDF block
(`customer.grams`, its vocabulary from the labelled dev texts). Folds are grouped: parallel
versions of one situation in other languages share a fold (`fold_groups`). Public rows are offered
per signal where they fit (`PUBLIC`: iSarcasmEval for sarcasm, GermEval 2018 for abuse, TweetEval
emotion and BRIGHTER for anger), at a weight that cross-validation chooses (0 = not used; public
rows only ever join the training folds). Each head's regularisation C and n-gram weight are chosen
by 5-fold cross-validated ROC AUC on the dev rows; each request or threat's threshold (the
probability at which the model adds a mention the rules did not find) by the cross-validated F1 of
the rules and the model together. No randomness: the same data give the same file.

Modules: `rows` (what is read), `cv` (cross-validated scores and the reported signals), `train`
(the choice of settings and the file).
"""

from calmdesk.training.signals.cv import calm_upset_rate, cv_scores, joined, joined_cv, tone_cv
from calmdesk.training.signals.rows import (
    DEFAULT,
    PUBLIC,
    SignalRows,
    SignalSettings,
    default_calm,
    default_tone,
    fold_groups,
    signal_rows,
)
from calmdesk.training.signals.train import train_signal_heads

__all__ = [
    "DEFAULT",
    "PUBLIC",
    "SignalRows",
    "SignalSettings",
    "calm_upset_rate",
    "cv_scores",
    "default_calm",
    "default_tone",
    "fold_groups",
    "joined",
    "joined_cv",
    "signal_rows",
    "tone_cv",
    "train_signal_heads",
]
