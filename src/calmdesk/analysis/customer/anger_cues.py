"""How a turn is said, as features for the learned customer signals: the line between an angry
customer (hostile, demanding, aimed at the company or the person) and a frustrated or a calm one.

Each cue is a 0-1 number read from the text in English, German, Spanish, French, Portuguese and
Italian: a demand for action now, "I've had enough", outrage words, accusations and insults aimed
at the company ("you people", "thieves", "incompetent"), "or else", courtesy (greetings, please,
thanks, sign-offs), how much of the turn is about "you", capitals, "!", "?!", curt one- or
two-word sentences and the length in words. They are features only: the learned heads weigh
them (dev cross-validation decides how much), no cue sets a signal by itself.
"""

from __future__ import annotations

import re

__all__ = ["CUE_NAMES", "anger_cues"]

_FLAGS = re.UNICODE  # the phrase lists are read in the lowercased text (twice as fast as
# IGNORECASE)


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", _FLAGS)


_NOW = _words(
    r"now", r"right now", r"immediately", r"at once", r"this instant", r"asap", r"sofort",
    r"jetzt", r"ya", r"ahora(?: mismo)?", r"inmediatamente", r"tout de suite",
    r"imm[ée]diatement", r"maintenant", r"subito", r"immediatamente", r"adesso",
    r"agora(?: mesmo)?", r"j[áa]",
)  # fmt: skip
_FED_UP = _words(
    r"(?:i'?ve |i have )?had enough", r"last straw", r"sick (?:and tired )?of", r"fed up",
    r"i'?m done", r"done with you", r"enough is enough", r"mir reicht'?s", r"es reicht",
    r"(?:j'en ai )?marre", r"ras le bol", r"(?:estoy )?hart[oa]s?", r"basta", r"stuf[oa]",
    r"chega", r"fart[oa]", r"cansad[oa] de",
)  # fmt: skip
_OUTRAGE = _words(
    r"unacceptable", r"disgrace(?:ful)?", r"disgusting", r"disgusted", r"outrage(?:ous)?",
    r"ridiculous", r"appalling", r"shameful", r"shame on you", r"pathetic", r"scandal(?:ous)?",
    r"how dare", r"absurd", r"a joke", r"joke of a", r"beyond belief", r"insulting", r"criminal",
    r"inakzeptabel", r"unversch[äa]mt", r"frechheit", r"skandal(?:[öo]s)?", r"unm[öo]glich",
    r"inaceptable", r"verg[üu]enza", r"vergonha", r"inadmissible", r"honteux", r"honte",
    r"scandaleux", r"inacceptable", r"inaccettabile", r"vergogn(?:a|oso)", r"absurdo",
    r"rid[íi]cul[oa]", r"inaceit[áa]vel", r"ridicule", r"lamentable", r"indignant",
    r"indignad[oa]", r"furious", r"fuming", r"livid", r"angry", r"w[üu]tend", r"sauer",
    r"furios[oa]", r"furieux", r"furieuse", r"arrabbiat[oa]",
)  # fmt: skip
_ACCUSE = _words(
    r"you people", r"you lot", r"you guys", r"your fault", r"you lied", r"you(?:'re| are) lying",
    r"liars?", r"thie(?:f|ves)", r"scam(?:mers)?", r"crooks?", r"cowboys", r"clowns",
    r"incompetent?", r"useless", r"frauds?", r"rip[- ]?off", r"daylight robbery",
    r"ladr[oó]n(?:es)?", r"estafa(?:dores)?", r"voleurs?", r"arnaque", r"escrocs?",
    r"betr[üu]ger", r"abzock(?:e|er)", r"ladri", r"truffa(?:tori)?", r"ladr[õo](?:es)?",
    r"golpe", r"golpistas?", r"incompetentes?", r"incapables?", r"nuls", r"inutili",
    r"in[úu]teis", r"in[úu]tiles", r"unf[äa]hig", r"versager", r"idiots?", r"morons?",
    r"clueless",
)  # fmt: skip
_OR_ELSE = _words(
    r"or else", r"or i(?:'ll| will)", r"don'?t make me", r"good luck with", r"you'?ll regret",
    r"see you in court", r"you will hear from", r"mark my words",
)  # fmt: skip
_COURTESY = _words(
    r"please", r"pls", r"kindly", r"regards", r"dear", r"hi", r"hello", r"thanks?",
    r"thank you", r"would like", r"could you", r"would you", r"i'?d like", r"bitte", r"danke",
    r"gr[üu](?:ß|ss)e", r"hallo", r"guten tag", r"por favor", r"gracias", r"saludos", r"hola",
    r"s'il (?:vous|te) pla[îi]t", r"merci", r"cordialement", r"bonjour", r"per favore",
    r"per cortesia", r"grazie", r"cordiali saluti", r"buongiorno", r"ciao", r"obrigad[oa]",
    r"ol[áa]", r"bom dia", r"atenciosamente", r"por gentileza", r"gostaria", r"vorrei",
    r"quisiera", r"je voudrais", r"ich h[äa]tte gern", r"ich m[öo]chte",
)  # fmt: skip
_YOU = _words(
    r"you", r"your", r"you'?re", r"ihr", r"euch", r"eure?[mnrs]?", r"vous", r"votre", r"vos",
    r"tu", r"toi", r"os", r"vosotros", r"vuestr[oa]s?", r"voi", r"vostr[oaie]", r"voc[êe]s?",
    r"seu", r"sua",
)  # fmt: skip
_WORD = re.compile(r"\w+", _FLAGS)
_SENTENCE_END = re.compile(r"[.!?\n]+")
_DOUBLED = re.compile(r"\?!|!\?|!!|\?\?")

CUE_NAMES: tuple[str, ...] = (
    "now",
    "fed_up",
    "outrage",
    "accuse",
    "or_else",
    "courtesy",
    "you",
    "capitals",
    "exclamations",
    "doubled_marks",
    "curt_sentences",
    "words",
)
"""The cues, in the order `anger_cues` returns them."""


def anger_cues(text: str) -> list[float]:
    """The cues of `text` (each 0-1), in `CUE_NAMES` order."""
    words = _WORD.findall(text)
    n = max(len(words), 1)
    capitals = sum(1 for w in words if len(w) >= 2 and w.isupper() and not w.isdigit())
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    curt = sum(1 for s in sentences if len(s.split()) <= 2)
    low = text.lower()
    values = [
        min(len(_NOW.findall(low)), 2) / 2,
        min(len(_FED_UP.findall(low)), 1),
        min(len(_OUTRAGE.findall(low)), 2) / 2,
        min(len(_ACCUSE.findall(low)), 2) / 2,
        min(len(_OR_ELSE.findall(low)), 1),
        min(len(_COURTESY.findall(low)), 3) / 3,
        min(len(_YOU.findall(low)) / n * 5, 1.0),
        min(capitals / n * 3, 1.0),
        min(text.count("!"), 3) / 3,
        1.0 if _DOUBLED.search(text) else 0.0,
        min(curt, 3) / 3,
        min(n, 60) / 60,
    ]
    return [float(v) for v in values]
