"""Intent detection on dev (the test splits are held back): banking77 accuracy, CLINC150 in-scope
accuracy and out-of-scope recall, and the bot's scope head.

banking77 and CLINC150 use a softmax intent head (logistic regression, C=20) on the sentence
embedding, as `training/bot_scope.py` builds it: banking77 train with `fold_of(row) == 0` held
out; CLINC150 train + oos_train -> val + oos_val, the out-of-scope probability threshold chosen
on a fold of the training rows. The scope head: Bitext dev in scope, non-shop CLINC val + oos_val
out of scope. `clinc150_featurized`: CLINC150 with the project's full head features (as `calmdesk
eval clinc150`) and the same threshold choice.
Targets (issue 14): banking77 >= 94, CLINC150 in-scope >= 96 with OOS recall >= 80.

Run: `python -m benchmarks.bench_intents` (reads ../shared/data; minutes on two cores).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from calmdesk.config import Settings
from calmdesk.training.bot_scope import (
    build_scope,
    featurized_clinc,
    intent_figures,
    scope_data,
    scope_figures,
)
from calmdesk.training.embeddings import embed


def run() -> dict[str, Any]:
    root = Settings().data_dir
    figures: dict[str, Any] = dict(intent_figures(root))
    figures["clinc150_featurized"] = featurized_clinc(root)
    train, dev = scope_data(root)
    head = build_scope(train, embed(train.texts))
    figures["scope"] = scope_figures(head, dev, embed(dev.texts))
    figures["targets"] = {"banking77": 94, "clinc150_in_scope": 96, "clinc150_oos_recall": 80}
    return figures


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(), indent=2) + "\n")
