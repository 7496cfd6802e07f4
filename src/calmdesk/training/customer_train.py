"""`calmdesk models train`: rebuild `analysis/models/customer_heads.npz` (see `customer.heads`).

Every row is encoded with the multilingual encoder. Training rows per head:
- sarcasm: iSarcasmEval train (sarcastic 1, not 0; the sarcastic class weighted up to balance);
- cause: a fixed sixth of Bitext and a third of banking77, intents mapped by `BITEXT_CAUSES` /
  `BANKING_CAUSES` (unmapped intents are dropped), the project's sentences (`cause_seed.SEED`,
  weight 3) and the dev part of tests/data/labelled/customer_messages.jsonl where it exists
  (weight 3; items whose cause is `none` are skipped: the topic head says what a complaint is
  about);
- emotion: BRIGHTER de/es/pt train (anger, disgust -> anger; fear -> anxiety; joy -> satisfaction;
  sadness; surprise or nothing -> neutral), TweetEval emotion train, a fixed eighth of GoEmotions
  train (mapped as for the English heads), complaints as frustration, Bitext requests neutral;
- anger: the same texts (anger or disgust 1);
- offensive: GermEval 2018 train (OFFENSE 1) and Bitext's flagged rows; BRIGHTER de/es/pt train
  as not offensive (weight 0.3) and the Bitext share used for emotion (weight 0.5), so other
  languages have negatives too (English turns keep the English offensive head, on TweetEval);
- complaint: the complaints corpus without its held-out fold;
- politeness: a fixed quarter of Stanford Politeness without its held-out fold (polite 1,
  impolite 0, middle half).
These heads score turns not in English only (sarcasm and cause score every turn), which is why
their English sets are smaller than the English heads' (and keep `calmdesk models train` within
minutes on two cores).
Classes are balanced by weight where one is rare. Same data and code give the same file.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calmdesk.analysis.customer.heads import ARTEFACT, BINARY, CAUSE_TOPICS
from calmdesk.analysis.heads import LinearHeads
from calmdesk.domain.errors import MalformedInput
from calmdesk.domain.signals import EMOTIONS
from calmdesk.training import data as d
from calmdesk.training.cause_seed import SEED
from calmdesk.training.embeddings import embed
from calmdesk.training.fit import FitSettings, fit_featurizer, fit_logistic
from calmdesk.training.heads_train import GOEMOTIONS_MAP, TWEETEVAL_MAP, Rows

__all__ = [
    "BANKING_CAUSES",
    "BITEXT_CAUSES",
    "BRIGHTER_MAP",
    "CUSTOMER_SETTINGS",
    "default_labelled",
    "labelled_customers",
    "customer_rows",
    "train_customer_heads",
]

CUSTOMER_SETTINGS = FitSettings(max_words=30_000, max_chars=0, min_df=2, embedding_scale=2.0)
"""Word grams only (no character grams): the multilingual vector carries the rest, and the
heads stay cheap at run time."""

BRIGHTER_MAP = {
    "anger": "anger",
    "disgust": "anger",
    "fear": "anxiety",
    "joy": "satisfaction",
    "sadness": "sadness",
    "surprise": "neutral",
}

_BILLING = "billing"
BITEXT_CAUSES: dict[str, str] = {
    **dict.fromkeys(("track_order", "delivery_period"), "delivery_delay"),
    **dict.fromkeys(
        ("payment_issue", "check_invoices", "get_invoice", "get_refund", "track_refund",
         "check_refund_policy", "check_cancellation_fee", "check_payment_methods"),
        _BILLING,
    ),
    **dict.fromkeys(("recover_password", "registration_problems"), "account_access"),
    **dict.fromkeys(
        ("change_shipping_address", "set_up_shipping_address", "change_order", "place_order",
         "cancel_order", "delivery_options", "newsletter_subscription", "review",
         "contact_customer_service", "contact_human_agent", "create_account", "delete_account",
         "edit_account", "switch_account"),
        "other",
    ),
}  # fmt: skip
BANKING_CAUSES: dict[str, str] = {
    **dict.fromkeys(("card_arrival", "card_delivery_estimate"), "delivery_delay"),
    **dict.fromkeys(
        ("Refund_not_showing_up", "card_payment_fee_charged", "card_payment_not_recognised",
         "card_payment_wrong_exchange_rate", "cash_withdrawal_charge",
         "cash_withdrawal_not_recognised", "direct_debit_payment_not_recognised",
         "exchange_charge", "extra_charge_on_statement", "request_refund",
         "reverted_card_payment?", "top_up_by_bank_transfer_charge", "top_up_by_card_charge",
         "transaction_charged_twice", "transfer_fee_charged", "wrong_amount_of_cash_received",
         "wrong_exchange_rate_for_cash_withdrawal", "balance_not_updated_after_bank_transfer",
         "balance_not_updated_after_cheque_or_cash_deposit", "pending_card_payment"),
        _BILLING,
    ),
    **dict.fromkeys(
        ("card_not_working", "contactless_not_working", "virtual_card_not_working",
         "declined_card_payment", "declined_cash_withdrawal", "declined_transfer",
         "failed_transfer", "top_up_failed", "top_up_reverted", "card_swallowed",
         "transfer_not_received_by_recipient", "pending_transfer", "pending_top_up",
         "pending_cash_withdrawal"),
        "service_failure",
    ),
    **dict.fromkeys(
        ("pin_blocked", "passcode_forgotten", "unable_to_verify_identity", "compromised_card",
         "lost_or_stolen_phone"),
        "account_access",
    ),
    **dict.fromkeys(
        ("age_limit", "apple_pay_or_google_pay", "country_support", "exchange_rate",
         "fiat_currency_support", "get_physical_card", "getting_spare_card", "order_physical_card",
         "supported_cards_and_currencies", "top_up_limits", "visa_or_mastercard",
         "edit_personal_details", "change_pin", "automatic_top_up", "receiving_money"),
        "other",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LabelledCustomer:
    """One item of the project's labelled customer set (the fields training and benches use)."""

    id: str
    split: str
    language: str
    context: tuple[str, ...]
    text: str
    labels: dict[str, object]


def default_labelled() -> Path:
    """tests/data/labelled/customer_messages.jsonl of this checkout (may not exist)."""
    return (
        Path(__file__).resolve().parents[3]
        / "tests"
        / "data"
        / "labelled"
        / "customer_messages.jsonl"
    )


def labelled_customers(path: Path, split: str) -> list[LabelledCustomer]:
    """The items of `split` ("dev" or "test") in the labelled set; [] when the file is absent.

    Lines that are not complete items (the set is written while the project works) are skipped.
    """
    if not path.is_file():
        return []
    out: list[LabelledCustomer] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
                item = LabelledCustomer(
                    str(row["id"]),
                    str(row["split"]),
                    str(row.get("language", "en")),
                    tuple(str(t) for t in row.get("context") or ()),
                    str(row["text"]),
                    dict(row["labels"]),
                )
            except (ValueError, KeyError, TypeError):
                continue
            if item.split == split:
                out.append(item)
    return out


def _embedded(texts: list[str]) -> np.ndarray:
    return embed(texts, multilingual=True)


def _add_all(rows: Rows, texts: list[str], labels: list[int], weights: list[float]) -> None:
    vectors = _embedded(texts)
    for text, v, y, w in zip(texts, vectors, labels, weights, strict=True):
        rows.add(text, v, y, w)


def _balanced(labels: list[int]) -> list[float]:
    counts = Counter(labels)
    total = len(labels)
    return [total / (len(counts) * counts[y]) for y in labels]


def _sarcasm(root: Path) -> Rows:
    rows = Rows()
    data = d.sarcasm(root, "train")
    labels = [int(y == "sarcastic") for y in data.labels]
    _add_all(rows, data.texts, labels, _balanced(labels))
    return rows


def _cause(root: Path, labelled: Path | None) -> Rows:
    public: list[tuple[str, str, float]] = []  # (text, topic, weight)
    intents = d.bitext_intents(root)
    for text, intent, row_id in zip(intents.texts, intents.labels, intents.ids, strict=True):
        topic = BITEXT_CAUSES.get(str(intent))
        if topic and d.fold_of(row_id, 6) == 0:  # a fixed sixth: enough, and quick to encode
            public.append((text, topic, 1.0))
    banking = d.banking77(root)
    for text, intent, row_id in zip(banking.texts, banking.labels, banking.ids, strict=True):
        if (topic := BANKING_CAUSES.get(str(intent))) and d.fold_of(row_id, 3) == 0:
            public.append((text, topic, 1.0))
    ours = [(sentence, topic, 3.0) for topic, sentences in SEED.items() for sentence in sentences]
    for item in labelled_customers(labelled, "dev") if labelled else []:
        cause = str(item.labels.get("cause", "none"))
        if cause in CAUSE_TOPICS:
            ours.append((item.text, cause, 3.0))
    # Two encoder calls, so the public part's cached vectors survive a growing labelled set.
    vectors = [*_embedded([t for t, _, _ in public]), *_embedded([t for t, _, _ in ours])]
    rows_in = public + ours
    labels = [CAUSE_TOPICS.index(topic) for _, topic, _ in rows_in]
    balance = _balanced(labels)
    rows = Rows()
    for (text, _, weight), v, y, b in zip(rows_in, vectors, labels, balance, strict=True):
        rows.add(text, v, y, weight * b)
    return rows


def _mood(root: Path) -> tuple[Rows, Rows]:
    emotion, anger = Rows(), Rows()

    def add(text: str, v: np.ndarray, names: list[str], angry: float, weight: float) -> None:
        for name in names:
            emotion.add(text, v, EMOTIONS.index(name), weight / len(names))
        anger.add_soft(text, v, angry)

    for language in d.BRIGHTER_LANGUAGES:
        data = d.brighter(root, language, "train")
        for text, names, v in zip(data.texts, data.labels, _embedded(data.texts), strict=True):
            mapped = sorted({BRIGHTER_MAP[n] for n in names}) or ["neutral"]
            add(text, v, mapped, 1.0 if {"anger", "disgust"} & set(names) else 0.0, 1.0)
    tweets = d.tweeteval(root, "emotion", "train")
    for text, label, v in zip(tweets.texts, tweets.labels, _embedded(tweets.texts), strict=True):
        add(text, v, [TWEETEVAL_MAP[str(label)]], float(label == "anger"), 1.0)
    goemo = d.goemotions(root, "train")
    goemo = goemo.subset([d.fold_of(i, 8) == 0 for i in goemo.ids])
    for text, names, v in zip(goemo.texts, goemo.labels, _embedded(goemo.texts), strict=True):
        mapped = sorted({GOEMOTIONS_MAP[n] for n in names if n in GOEMOTIONS_MAP})
        if mapped:
            angry = 1.0 if {"anger", "disgust"} & set(names) else 0.5 if "annoyance" in names else 0
            add(text, v, mapped, angry, 1.0)
    rest, _ = d.complaints(root).split()
    for text, label, v in zip(rest.texts, rest.labels, _embedded(rest.texts), strict=True):
        if label == "complaint":
            emotion.add(text, v, EMOTIONS.index("frustration"), 0.5)
    support = _support_subset(root)
    for text, label, v in zip(support.texts, support.labels, _embedded(support.texts), strict=True):
        if label == "1":
            add(text, v, ["anger", "frustration"], 1.0, 0.5)
        else:
            add(text, v, ["neutral"], 0.0, 0.5)
    return emotion, anger


def _offensive(root: Path) -> Rows:
    texts: list[str] = []
    labels: list[int] = []
    german = d.germeval(root, "train")
    texts += german.texts
    labels += [int(y == "OFFENSE") for y in german.labels]
    support = d.bitext(root)
    flagged = support.subset([y == "1" for y in support.labels])
    texts += flagged.texts
    labels += [1] * len(flagged)
    rows = Rows()
    _add_all(rows, texts, labels, [1.0] * len(texts))
    # Everyday text in the other languages as (mostly) not offensive, so a Spanish or Portuguese
    # request does not look offensive for not being German; and plain support requests.
    for language in d.BRIGHTER_LANGUAGES:
        data = d.brighter(root, language, "train")
        _add_all(rows, data.texts, [0] * len(data), [0.3] * len(data))
    plain = _support_subset(root)
    _add_all(rows, plain.texts, [int(y == "1") for y in plain.labels], [0.5] * len(plain))
    return rows


def _support_subset(root: Path) -> d.Labelled:
    support = d.bitext(root)
    keep = [
        d.fold_of(i, 16) == 0 or y == "1" for i, y in zip(support.ids, support.labels, strict=True)
    ]
    return support.subset(keep)


def _complaint(root: Path) -> Rows:
    rest, _ = d.complaints(root).split()
    rows = Rows()
    _add_all(rows, rest.texts, [int(y == "complaint") for y in rest.labels], [1.0] * len(rest))
    return rows


def _politeness(root: Path) -> Rows:
    rest, _ = d.politeness(root).split()
    if len(rest) > 4000:  # a quarter of the full corpus: these heads read non-English turns only
        rest = rest.subset([d.fold_of(i, 4) == 0 for i in rest.ids])
    rows = Rows()
    score = {"polite": 1.0, "middle": 0.5, "impolite": 0.0}
    for text, label, v in zip(rest.texts, rest.labels, _embedded(rest.texts), strict=True):
        rows.add_soft(text, v, score[str(label)])
    return rows


def customer_rows(root: Path, labelled: Path | None = None) -> dict[str, Rows]:
    """Every customer head's training rows, read from the data folder `root`."""
    emotion, anger = _mood(root)
    return {
        "sarcasm": _sarcasm(root),
        "cause": _cause(root, labelled),
        "emotion": emotion,
        "anger": anger,
        "offensive": _offensive(root),
        "complaint": _complaint(root),
        "politeness": _politeness(root),
    }


def train_customer_heads(
    root: Path,
    out: Path = ARTEFACT,
    settings: FitSettings = CUSTOMER_SETTINGS,
    labelled: Path | None = None,
) -> LinearHeads:
    """Fit the featurizer on every customer head's texts, then each head; write the artefact."""
    rows = customer_rows(root, labelled if labelled is not None else default_labelled())
    for name, r in rows.items():
        if len(set(r.labels)) < 2:
            raise MalformedInput(f"The data in {root} lacks examples of some {name} labels.")
    corpus = sorted({t for r in rows.values() for t in r.texts})
    featurizer = fit_featurizer(corpus, settings)
    featurizer.dim = rows["sarcasm"].vectors[0].shape[0]
    coefs, biases, columns, start = [], [], {}, 0
    for name in ("cause", "emotion", *BINARY):
        r = rows[name]
        x = featurizer.transform(r.texts, np.vstack(r.vectors))
        wanted = len(CAUSE_TOPICS) if name == "cause" else len(EMOTIONS) if name == "emotion" else 2
        coef, bias = fit_logistic(x, r.labels, r.weights, settings)
        if coef.shape[1] != (wanted if wanted > 2 else 1):
            raise MalformedInput(f"The data in {root} lacks examples of some {name} labels.")
        coefs.append(coef)
        biases.append(bias)
        columns[name] = (start, start + coef.shape[1])
        start += coef.shape[1]
    heads = LinearHeads(featurizer, np.hstack(coefs), np.concatenate(biases), columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(out)
    return heads
