"""Translate-free cues for German, Spanish, French, Portuguese and Italian customer turns.

Per language: requests (manager, refund, cancel), threats (legal action, chargeback, public
review, leaving), waiting and repeat contact, abuse (profanity, insults, harassment) and strong or
moderate negative words. Written by the project from how people write to support desks in each
language, not translated from the English rules; accents are optional in every pattern (people
type "kundigen" as often as "kündigen"). Labels are `MentionKind` and `AbuseKind` values, and for
tone "strong", "moderate", "waiting" and "thanks".
"""

from __future__ import annotations

from dataclasses import dataclass

from calmdesk.analysis.patterns import Rule
from calmdesk.domain.signals import AbuseKind, MentionKind

__all__ = ["CUES", "LanguageCues"]

_K = MentionKind
_A = AbuseKind


@dataclass(frozen=True, slots=True)
class LanguageCues:
    requests: tuple[Rule, ...]
    threats: tuple[Rule, ...]
    abuse: tuple[Rule, ...]
    tone: tuple[Rule, ...]  # "strong" / "moderate" negative words, "waiting", "thanks"
    negation: str  # words that negate the next three words ("nicht", "pas", "no", ...)


# How much one hit of a cue counts, the same in every language (a manager request is as clear in
# German as in Italian); each language below gives only its own patterns.
_WEIGHTS: dict[str, dict[str, float]] = {
    "requests": {_K.SUPERVISOR: 0.9, _K.REFUND: 0.85, _K.CANCEL: 0.8, _K.REPEAT_CONTACT: 0.85},
    "threats": {_K.LEGAL: 0.9, _K.CHARGEBACK: 0.9, _K.PUBLIC_REVIEW: 0.85, _K.CANCEL: 0.85},
    "abuse": {_A.PROFANITY: 0.55, _A.INSULT: 0.85, _A.HARASSMENT: 0.9, _A.THREAT: 0.95},
    "tone": {
        "strong": 0.6,
        "moderate": 0.35,
        "waiting": 0.6,
        "irony": 0.7,
        "urgent": 0.6,
        "thanks": 0.5,
    },
}


def _rules(section: str, patterns: dict[str, str]) -> tuple[Rule, ...]:
    weights = _WEIGHTS[section]
    return tuple(Rule.of(label, regex, weights[label]) for label, regex in patterns.items())


def _cues(
    *,
    requests: dict[str, str],
    threats: dict[str, str],
    abuse: dict[str, str],
    tone: dict[str, str],
    negation: str,
) -> LanguageCues:
    """One language's cues from its patterns, each weighted by `_WEIGHTS`."""
    return LanguageCues(
        _rules("requests", requests),
        _rules("threats", threats),
        _rules("abuse", abuse),
        _rules("tone", tone),
        negation,
    )


_DE = _cues(
    requests={
        _K.SUPERVISOR: (
            r"\b(?:vorgesetzte[nrm]?|vorgesetzten|chef(?:in)?|teamleit(?:er|erin|ung)|\w*leitung|"
            r"(?:ihre[nm]?|einen?|den|dem|zum)\s+(?:manager(?:in)?|supervisor(?:in)?)|"
            r"jemand\w*,?\s+der\s+(?:entscheid\w*|entscheidungen|was\s+zu\s+sagen)|"
            r"geschäftsführ\w*|geschaftsfuhr\w*|geschäftsleitung|abteilungsleiter\w*|"
            r"verantwortliche[nrm]?|zuständige[nrm]?\s+(?:person|stelle)|beschwerdestelle|"
            r"(?:echte[nrm]?|richtige[nrm]?)\s+(?:mensch(?:en)?|mitarbeiter\w*)|verbinden\s+sie\s+"
            r"mich\s+(?:bitte\s+)?mit\s+(?:einem|einer|jemandem|ihrem|ihrer))\b"
        ),
        _K.REFUND: (
            r"\b(?:r[üu]ckerstattung|erstatt(?:en|ung|et)|geld\s+zur[üu]ck|mein\s+geld|"
            r"gutschrift|entsch[äa]digung|r[üu]ckzahlung)\b"
        ),
        _K.CANCEL: (
            r"\b(?:k[üu]ndig(?:en|e|ung)|stornier(?:en|e|ung|t)|storno|widerruf(?:en)?|"
            r"vertrag\s+(?:beenden|aufl[öo]sen)|abo\s+beenden|konto\s+(?:l[öo]schen|schlie[ßs]en))\b"
        ),
        _K.REPEAT_CONTACT: (
            r"\b(?:zum\s+(?:zweiten|dritten|vierten|f[üu]nften|x-ten|\d+\.)\s+mal|"
            r"(?:zwei|drei|vier|f[üu]nf|mehrere|mehrfach|\d+)\s*mal(?:e|s)?\s+(?:angerufen|"
            r"geschrieben|gemeldet|nachgefragt)|schon\s+(?:wieder|mehrfach|oft|x-mal)|"
            r"bereits\s+(?:angerufen|geschrieben|gemeldet|mehrfach)|immer\s+wieder)\b"
        ),
    },
    threats={
        _K.LEGAL: (
            r"\b(?:anwalt|anw[äa]lt(?:in|e|en)?|rechtsanwalt\w*|klage|verklagen|gericht|"
            r"rechtliche\s+schritte|verbraucherzentrale|schlichtungsstelle|bundesnetzagentur|"
            r"bafin|abmahnung|zeigen?\s+(?:sie|euch|dich)\s+an|anzeige\s+erstatten|strafanzeige)\b"
        ),
        _K.CHARGEBACK: (
            r"\b(?:lastschrift\s+(?:zur[üu]ck(?:geben|buchen)|widerrufen)|r[üu]ckbuchung|"
            r"zahlung\s+(?:zur[üu]ck(?:buchen|holen)|widerrufen|anfechten)|bank\s+"
            r"(?:einschalten|informieren)|kreditkartenfirma|chargeback)\b"
        ),
        _K.PUBLIC_REVIEW: (
            r"\b(?:bewertung|rezension|trustpilot|google|facebook|twitter|instagram|tiktok|"
            r"soziale[nr]?\s+medien|[öo]ffentlich\s+machen|presse|zeitung(?!\s+abbestell)|allen\s+erz[äa]hlen|"
            r"[üu]berall\s+(?:posten|schreiben|erz[äa]hlen)|(?:schreib|post|erz[äa]hl|teil)\w*\s+"
            r"(?:\w+\s+){0,3}[üu]berall)\b"
        ),
        _K.CANCEL: (
            r"\b(?:zur\s+konkurrenz|(?:zu\s+einem\s+)?anderen\s+anbieter|nie\s+wieder\s+"
            r"(?:bei\s+ihnen|bei\s+euch|bestellen|kaufen))\b"
        ),
    },
    abuse={
        _A.PROFANITY: (
            r"\b(?:schei(?:ß|ss|s)\w*|verdammt\w*|verfickt\w*|fick\w*|kacke|mist\w*|arsch)\b"
        ),
        _A.INSULT: (
            r"\b(?:idiot(?:en)?|vollidiot\w*|arschl[öo]ch\w*|depp(?:en)?|trottel|versager|"
            r"betr[üu]ger\w*|abzocker\w*|stümper|stumper|penner|wichser|dummk[öo]pf\w*|"
            r"inkompetent\w*|unf[äa]hig\w*|lügner\w*|lugner\w*|verbrecher\w*|saftladen|"
            r"drecksladen|(?:ihr|sie)\s+(?:seid|sind)\s+(?:so\s+)?(?:dumm|bl[öo]d|unf[äa]hig))\b"
        ),
        _A.HARASSMENT: (
            r"\b(?:halt\s+(?:die|deine)\s+(?:fresse|klappe|schnauze)|fick\s+dich|verpiss\s+dich|"
            r"leck\s+mich)\b"
        ),
        _A.THREAT: (
            r"\b(?:ich\s+(?:bring|mach)\w*\s+(?:dich|euch|sie)\s+(?:um|fertig)|ich\s+wei[ßs]\s+"
            r"wo\s+(?:du|sie)\s+wohn\w*)\b"
        ),
    },
    tone={
        "strong": (
            r"\b(?:unversch[äa]mt\w*|frechheit|inakzeptabel|unzumutbar|katastrophe|katastrophal|"
            r"skandal\w*|w[üu]tend|sauer|stinksauer|entt[äa]uscht|emp[öo]rt|l[äa]cherlich|"
            r"zumutung|schlimmste[nr]?|reicht\s+(?:mir|jetzt)|die\s+nase\s+voll|"
            r"unglaublich|abzocke|betrug)\b"
        ),
        "moderate": (
            r"\b(?:[äa]rgerlich|[äa]rger|schlecht\w*|kaputt|defekt|funktioniert\s+nicht|"
            r"geht\s+nicht|problem\w*|genervt|nervig|frustriert\w*|leider|traurig|besorgt)\b"
        ),
        "waiting": (
            r"\b(?:(?:immer\s+)?noch\s+(?:nichts|keine?n?\s+(?:antwort|r[üu]ckmeldung|lieferung|"
            r"paket|geld))|warte\s+(?:(?:jetzt|schon|nun)\s+)*(?:seit|immer\s+noch|ewig)|wartezeit|"
            r"warteschleife|noch\s+immer\s+(?:nicht|kein\w*)|seit\s+(?:montag|dienstag|mittwoch|"
            r"donnerstag|freitag|samstag|sonntag|gestern|tagen|wochen|monaten|\d+\s+\w+)|"
            r"niemand\s+(?:meldet|ruft|antwortet)|keiner\s+(?:meldet|ruft|antwortet)|"
            r"keine\s+(?:antwort|r[üu]ckmeldung)|ist\s+da\s+(?:jemand|wer)|hallo\s*\?+)"
        ),
        "irony": (
            r"\b(?:danke\s+f[üu]r\s+nichts|na\s+toll|super\s+service|echt\s+toll|klasse\s+gemacht|"
            r"herzlichen\s+gl[üu]ckwunsch|ganz\s+gro[ßs]es\s+kino|wie\s+immer\s+super)\b"
        ),
        "urgent": (
            r"\b(?:dringend\w*|sofort|umgehend|unverz[üu]glich|heute\s+noch|schnellstm[öo]glich|notfall)\b"
        ),
        "thanks": r"\b(?:danke\w*|vielen\s+dank|dankesch[öo]n|super|perfekt)\b",
    },
    negation=r"\b(?:nicht|kein\w*|nie|niemals|ohne)\W+(?:\w+\W+){0,2}$",
)

_ES = _cues(
    requests={
        _K.SUPERVISOR: (
            r"\b(?:(?:un|el|al|su|tu)\s+(?:gerente|supervisor\w*|encargad[oa]|jef[ea]|"
            r"responsable|superior)|hablar\s+con\s+(?:alguien|una\s+persona)(?:\s+real)?|"
            r"persona\s+real|atenci[óo]n\s+humana)\b"
        ),
        _K.REFUND: (
            r"\b(?:reembols\w*|devoluci[óo]n\s+del?\s+dinero|devu[ée]lv\w+\s+(?:mi|el)\s+dinero|"
            r"mi\s+dinero|indemnizaci[óo]n|compensaci[óo]n)\b"
        ),
        _K.CANCEL: (
            r"\b(?:cancel(?:ar|o|en|ación|acion)|dar(?:me)?\s+de\s+baja|darme\s+de\s+baja|"
            r"la\s+baja|anular|rescindir)\b"
        ),
        _K.REPEAT_CONTACT: (
            r"\b(?:(?:segunda|tercera|cuarta|quinta|\d+[ªa]?)\s+vez|(?:dos|tres|cuatro|cinco|"
            r"varias|muchas|\d+)\s+veces|ya\s+(?:llam[ée]|escrib[íi]|he\s+(?:llamado|escrito|"
            r"reclamado))|otra\s+vez|de\s+nuevo)\b"
        ),
    },
    threats={
        _K.LEGAL: (
            r"\b(?:abogad[oa]s?|demanda(?:r|ré|re)?|denuncia(?:r|ré|re)?|juzgado|tribunal(?:es)?|"
            r"acciones\s+legales|v[íi]a\s+judicial|consumo|omic|facua|ocu)\b"
        ),
        _K.CHARGEBACK: (
            r"\b(?:contracargo|devolver\s+el\s+recibo|anular\s+el\s+cargo|disputar\s+el\s+cargo|"
            r"reclam\w*\s+(?:al|a\s+mi|con\s+mi)\s+banco|hablar\s+con\s+(?:mi\s+)?banco|mi\s+banco|"
            r"cargo\s+no\s+autorizado)\b"
        ),
        _K.PUBLIC_REVIEW: (
            r"\b(?:rese[ñn]a|opini[óo]n\s+negativa|redes\s+sociales|twitter|facebook|instagram|"
            r"tiktok|trustpilot|google|publicar(?:lo)?|contarlo\s+a\s+todo\s+el\s+mundo|"
            r"prensa|periódico|periodico|en\s+todas\s+partes|contarlo)\b"
        ),
        _K.CANCEL: (
            r"\b(?:(?:me\s+voy|irme|cambiarme)\s+a\s+(?:la\s+)?(?:competencia|otra\s+compa[ñn][íi]a)|"
            r"nunca\s+m[áa]s\s+(?:compro|les\s+compro|con\s+ustedes))\b"
        ),
    },
    abuse={
        _A.PROFANITY: (
            r"\b(?:mierda|joder|jodid[oa]s?|co[ñn]o|puta\w*|hostia|carajo|chingad\w*|cabr[óo]n\w*)\b"
        ),
        _A.INSULT: (
            r"\b(?:idiotas?|imb[ée]cil(?:es)?|in[úu]til(?:es)?|incompetentes?|estafador\w*|"
            r"ladr[óo]n\w*|ladrones|sinverg[üu]enzas?|payasos?|pendejos?|gilipollas|"
            r"est[úu]pid[oa]s?|tont[oa]s?|mentiros[oa]s?|rateros?)\b"
        ),
        _A.HARASSMENT: (
            r"\b(?:c[áa]llate|vete\s+a\s+la\s+mierda|que\s+te\s+jodan|hijos?\s+de\s+puta|"
            r"vete\s+al\s+carajo)\b"
        ),
        _A.THREAT: (r"\b(?:te\s+voy\s+a\s+(?:matar|partir|buscar)|s[ée]\s+d[óo]nde\s+viv\w+)\b"),
    },
    tone={
        "strong": (
            r"\b(?:inaceptable|indignante|vergüenza|verguenza|vergonzoso|esc[áa]ndalo|furios[oa]|"
            r"harto|harta|hart[oa]s|rid[íi]culo|p[ée]sim[oa]|estafa|timo|lo\s+peor|"
            r"indignad[oa]|cabread[oa]|enfadad[oa]|una\s+broma|el\s+colmo|basta\s+ya)\b"
        ),
        "moderate": (
            r"\b(?:molest\w+|mal(?:o|a)?|roto|rota|defectuos[oa]|no\s+funciona|problema\w*|"
            r"decepcionad[oa]|decepci[óo]n|frustra\w*|preocupad[oa]|triste|lamentablemente)\b"
        ),
        "waiting": (
            r"(?:\b(?:todav[íi]a|a[úu]n)\s+(?:nada|no\s+(?:ha\s+llegado|me\s+han|tengo|hay\s+"
            r"respuesta))|\bsigo\s+esperando|\bllevo\s+(?:\w+\s+){0,3}esperando|\bnadie\s+"
            r"(?:me\s+)?(?:responde|contesta|llama|ha\s+llamado)|\bsin\s+respuesta|"
            r"\bhay\s+alguien|¿?\s*hola\s*\?+)"
        ),
        "irony": (
            r"\b(?:gracias\s+por\s+nada|qu[ée]\s+maravilla|de\s+lujo|enhorabuena|menudo\s+servicio|"
            r"muy\s+bonito)\b"
        ),
        "urgent": (
            r"\b(?:urgente\w*|inmediatamente|ya\s+mismo|cuanto\s+antes|hoy\s+mismo|emergencia)\b"
        ),
        "thanks": r"\b(?:gracias|muchas\s+gracias|perfecto|genial|estupendo)\b",
    },
    negation=r"\b(?:no|nunca|jam[áa]s|sin|ni)\W+(?:\w+\W+){0,2}$",
)

_FR = _cues(
    requests={
        _K.SUPERVISOR: (
            r"\b(?:(?:un|le|votre|au|du)\s+(?:responsable|superviseur|sup[ée]rieur(?:\s+"
            r"hi[ée]rarchique)?|manager|chef|directeur|g[ée]rant)|parler\s+[àa]\s+(?:quelqu'un|"
            r"une\s+personne|un\s+humain)|(?:vraie|vrai)\s+(?:personne|humain))\b"
        ),
        _K.REFUND: (
            r"\b(?:rembours\w*|mon\s+argent|d[ée]dommagement|indemnis\w*|compensation|"
            r"avoir\s+sur)\b"
        ),
        _K.CANCEL: (
            r"\b(?:annul(?:er|e|ation|ez)|r[ée]silie?r?|r[ée]siliation|me\s+d[ée]sabonner|"
            r"d[ée]sinscri\w*|fermer\s+mon\s+compte)\b"
        ),
        _K.REPEAT_CONTACT: (
            r"\b(?:(?:deuxi[èe]me|troisi[èe]me|quatri[èe]me|ni[èe]me|\d+e|\d+[èe]me)\s+fois|"
            r"(?:deux|trois|quatre|cinq|plusieurs|\d+)\s+fois|d[ée]j[àa]\s+(?:appel[ée]|"
            r"[ée]crit|contact[ée]|signal[ée]|r[ée]clam[ée])|encore\s+une\s+fois|"
            r"[àa]\s+nouveau|une\s+fois\s+de\s+plus)\b"
        ),
    },
    threats={
        _K.LEGAL: (
            r"\b(?:avocat\w*|porter\s+plainte|plainte|poursuites?|poursuivre|tribunal|"
            r"justice|m[ée]diateur|dgccrf|ufc[- ]que\s+choisir|action\s+en\s+justice|huissier)\b"
        ),
        _K.CHARGEBACK: (
            r"\b(?:opposition\s+(?:sur|au)\s+(?:le\s+)?(?:paiement|pr[ée]l[èe]vement)|"
            r"contester\s+(?:le|la|ce|cette)\s+(?:pr[ée]l[èe]vement|paiement|d[ée]bit|transaction)|"
            r"ma\s+banque|rejet\s+de\s+pr[ée]l[èe]vement|chargeback|r[ée]trofacturation)\b"
        ),
        _K.PUBLIC_REVIEW: (
            r"\b(?:avis\s+(?:n[ée]gatif|sur)|laisser\s+un\s+avis|r[ée]seaux\s+sociaux|twitter|"
            r"facebook|instagram|tiktok|trustpilot|google|presse|journalistes?|"
            r"le\s+dire\s+[àa]\s+tout\s+le\s+monde|partout|tous\s+les\s+r[ée]seaux|raconter)\b"
        ),
        _K.CANCEL: (
            r"\b(?:(?:aller|passer)\s+(?:chez\s+)?(?:la\s+)?concurrence|changer\s+"
            r"d'op[ée]rateur|plus\s+jamais\s+(?:chez\s+vous|commander|acheter))\b"
        ),
    },
    abuse={
        _A.PROFANITY: (r"\b(?:merde\w*|putain|bordel|chier|fait\s+chier|foutu\w*|bon\s+sang)\b"),
        _A.INSULT: (
            r"\b(?:connard\w*|connasse|cons|cr[ée]tins?|idiots?|imb[ée]ciles?|incomp[ée]tents?|"
            r"escrocs?|voleurs?|nuls|bande\s+de\s+\w+|abrutis?|d[ée]biles?|menteurs?|"
            r"branquignols?|guignols?|bouffons?|minables?)\b"
        ),
        _A.HARASSMENT: (
            r"\b(?:ta\s+gueule|ferme\s+(?:ta|la)\s+gueule|va\s+te\s+faire\s+foutre|"
            r"allez\s+vous\s+faire\s+foutre|nique\w*|fils\s+de\s+pute)\b"
        ),
        _A.THREAT: r"\b(?:je\s+vais\s+(?:te|vous)\s+(?:tuer|d[ée]foncer|retrouver))\b",
    },
    tone={
        "strong": (
            r"\b(?:inadmissible|inacceptable|scandale|scandaleux|honteux|honte|furieux|furieuse|"
            r"ras\s+le\s+bol|marre|j'en\s+ai\s+assez|ridicule|lamentable|catastrophe|"
            r"arnaque|escroquerie|le\s+pire|exasp[ée]r[ée]e?|indign[ée]e?|une\s+blague|"
            r"inou[iï]|honteuse)\b"
        ),
        "moderate": (
            r"\b(?:d[ée]çu|d[ée]çue|d[ée]ception|ennuyeux|agaçant|agac\w+|probl[èe]me\w*|"
            r"cass[ée]e?|d[ée]fectueu\w*|ne\s+(?:marche|fonctionne)\s+pas|mauvais\w*|"
            r"m[ée]content\w*|frustr\w+|inquiet|inqui[èe]te|malheureusement)\b"
        ),
        "waiting": (
            r"(?:\btoujours\s+(?:rien|pas\s+de\s+(?:r[ée]ponse|nouvelles|colis|remboursement)|"
            r"en\s+attente|pas\s+re[çc]u)|\bj'attends\s+(?:toujours|depuis|encore)|\bpersonne\s+"
            r"ne\s+(?:r[ée]pond|rappelle|m'a\s+rappel[ée])|\bsans\s+(?:r[ée]ponse|nouvelles)|"
            r"\by\s+a\s+quelqu'un|\bil\s+y\s+a\s+quelqu'un|\ball[ôo]\s*\?+)"
        ),
        "irony": (
            r"\b(?:merci\s+pour\s+rien|bravo|bien\s+jou[ée]|vraiment\s+impressionnant|quel\s+service|"
            r"chapeau|trop\s+fort)\b"
        ),
        "urgent": (
            r"\b(?:urgent\w*|imm[ée]diatement|tout\s+de\s+suite|au\s+plus\s+vite|aujourd'hui|d'urgence)\b"
        ),
        "thanks": r"\b(?:merci\w*|parfait|super|g[ée]nial)\b",
    },
    # "n'" joins the next word; the others are whole words ("Passez-moi" is not "pas")
    negation=r"(?:\bn'|\b(?:ne|pas|jamais|sans|aucun\w*)\W+)(?:\w+\W+){0,2}$",
)

_PT = _cues(
    requests={
        _K.SUPERVISOR: (
            r"\b(?:(?:o|um|ao|seu|com\s+o)\s+(?:gerente|supervisor\w*|respons[áa]vel|"
            r"superior|chefe)|falar\s+com\s+(?:algu[ée]m|uma\s+pessoa|um\s+humano)|"
            r"pessoa\s+de\s+verdade|atendente\s+humano)\b"
        ),
        _K.REFUND: (
            r"\b(?:reembols\w*|estorno|devolu[çc][ãa]o\s+do\s+dinheiro|meu\s+dinheiro(?:\s+de\s+"
            r"volta)?|indeniza[çc][ãa]o|ressarcimento)\b"
        ),
        _K.CANCEL: (
            r"\b(?:cancel(?:ar|o|amento|em|e)|rescindir|rescis[ãa]o|encerrar\s+(?:a\s+minha|"
            r"minha|o\s+meu|meu)\s+(?:conta|contrato|assinatura))\b"
        ),
        _K.REPEAT_CONTACT: (
            r"\b(?:(?:segunda|terceira|quarta|quinta|\d+[ªa]?)\s+vez|(?:duas|tr[êe]s|quatro|"
            r"cinco|v[áa]rias|muitas|\d+)\s+vezes|j[áa]\s+(?:liguei|escrevi|reclamei|entrei\s+em\s+"
            r"contato|falei)|de\s+novo|outra\s+vez|novamente)\b"
        ),
    },
    threats={
        _K.LEGAL: (
            r"\b(?:advogad[oa]s?|processar|processo|justi[çc]a|procon|juizado|tribunal|"
            r"a[çc][ãa]o\s+judicial|medidas\s+legais|anatel|consumidor\.gov)\b"
        ),
        _K.CHARGEBACK: (
            r"\b(?:chargeback|contestar\s+(?:a|o)\s+(?:compra|cobran[çc]a|pagamento|d[ée]bito)|"
            r"cancelar\s+(?:a\s+)?compra\s+no\s+cart[ãa]o|(?:meu|o)\s+banco|"
            r"operadora\s+do\s+cart[ãa]o|estorno\s+no\s+cart[ãa]o|pedir\s+o\s+estorno)\b"
        ),
        _K.PUBLIC_REVIEW: (
            r"\b(?:reclame\s+aqui|reclameaqui|avalia[çc][ãa]o\s+negativa|redes\s+sociais|twitter|"
            r"facebook|instagram|tiktok|google|expor|divulgar|contar\s+para\s+todo\s+mundo|"
            r"imprensa|em\s+todo\s+o\s+lado|seguidores|espalhar|publicar)\b"
        ),
        _K.CANCEL: (
            r"\b(?:(?:ir|mudar)\s+para\s+(?:a\s+)?(?:concorr[êe]ncia|outra\s+(?:empresa|operadora))|"
            r"nunca\s+mais\s+(?:compro|com\s+voc[êe]s))\b"
        ),
    },
    abuse={
        _A.PROFANITY: (r"\b(?:merda|porra|caralho|puta\w*|droga|foda\w*|fodid[oa]s?|bosta)\b"),
        _A.INSULT: (
            r"\b(?:idiotas?|imbecis|imbecil|in[úu]teis|in[úu]til|incompetentes?|ladr[õo]es|"
            r"ladr[ãa]o|golpistas?|vagabund[oa]s?|palha[çc]os?|burr[oa]s?|est[úu]pid[oa]s?|"
            r"otári[oa]s?|otari[oa]s?|mentiros[oa]s?|safad[oa]s?|picaret\w*)\b"
        ),
        _A.HARASSMENT: (
            r"\b(?:cala\s+a\s+boca|vai\s+(?:se\s+)?(?:foder|tomar\s+no)|filhos?\s+da\s+puta|vai\s+"
            r"pro\s+inferno)\b"
        ),
        _A.THREAT: (r"\b(?:vou\s+(?:te|matar|acabar\s+com\s+voc[êe]s?)|sei\s+onde\s+mora)\b"),
    },
    tone={
        "strong": (
            r"\b(?:inaceit[áa]vel|absurdo|absurda|vergonha|vergonhoso|rid[íi]culo|p[ée]ssim[oa]|"
            r"revoltad[oa]|furios[oa]|irritad[oa]|indignad[oa]|cansad[oa]\s+de|golpe|roubo|"
            r"o\s+pior|uma\s+piada|descaso|desrespeito|palha[çc]ada)\b"
        ),
        "moderate": (
            r"\b(?:chat[oa]|problema\w*|quebrad[oa]|defeito|com\s+defeito|n[ãa]o\s+funciona|"
            r"decepcionad[oa]|decep[çc][ãa]o|frustrad[oa]|preocupad[oa]|triste|ruim|"
            r"infelizmente|insatisfeit[oa])\b"
        ),
        "waiting": (
            r"(?:\b(?:ainda\s+(?:nada|n[ãa]o\s+(?:chegou|recebi|tive\s+resposta))|continuo\s+"
            r"esperando|estou\s+esperando|esperando\s+h[áa]|ningu[ée]m\s+(?:responde|retorna|"
            r"liga|me\s+ligou)|sem\s+resposta|sem\s+retorno|tem\s+algu[ée]m)|\bal[ôo]\s*\?+|"
            r"\boi\s*\?+)"
        ),
        "irony": (
            r"\b(?:obrigad[oa]\s+por\s+nada|parab[ée]ns|que\s+maravilha|[óo]timo\s+servi[çc]o|"
            r"show\s+de\s+bola|que\s+beleza)\b"
        ),
        "urgent": (
            r"\b(?:urgente\w*|imediatamente|o\s+quanto\s+antes|hoje\s+mesmo|agora\s+mesmo|emerg[êe]ncia)\b"
        ),
        "thanks": r"\b(?:obrigad[oa]|valeu|perfeito|[óo]timo)\b",
    },
    negation=r"\b(?:n[ãa]o|nunca|jamais|sem|nem)\W+(?:\w+\W+){0,2}$",
)

_IT = _cues(
    requests={
        _K.SUPERVISOR: (
            r"\b(?:(?:un|il|al|col|con\s+il|vostro)\s+(?:(?:suo|vostro|tuo)\s+)?(?:responsabile|supervisore|"
            r"superiore|direttore|capo|manager)|parlare\s+con\s+(?:qualcuno|una\s+persona)|"
            r"persona\s+vera|operatore\s+umano)\b"
        ),
        _K.REFUND: (
            r"\b(?:rimbors\w*|i\s+miei\s+soldi|soldi\s+indietro|indennizzo|risarcimento)\b"
        ),
        _K.CANCEL: (
            r"\b(?:annull(?:are|o|amento)|disdir(?:e|ò)|disdetta|recedere|recesso|"
            r"chiudere\s+il\s+(?:mio\s+)?(?:conto|contratto|abbonamento))\b"
        ),
        _K.REPEAT_CONTACT: (
            r"\b(?:(?:seconda|terza|quarta|quinta|\d+[ªa]?)\s+volta|(?:due|tre|quattro|cinque|"
            r"diverse|molte|tante|\d+)\s+volte|ho\s+gi[àa]\s+(?:chiamato|scritto|segnalato)|"
            r"di\s+nuovo|ancora\s+una\s+volta)\b"
        ),
    },
    threats={
        _K.LEGAL: (
            r"\b(?:avvocat[oi]|denuncia\w*|querela|tribunale|giudice|vie\s+legali|azioni\s+legali|"
            r"agcom|antitrust|associazione\s+(?:dei\s+)?consumatori|codacons)\b"
        ),
        _K.CHARGEBACK: (
            r"\b(?:chargeback|contestare\s+(?:il|l')\s*(?:addebito|pagamento)|stornare|storno|"
            r"(?:la\s+)?mia\s+banca|bloccare\s+il\s+pagamento)\b"
        ),
        _K.PUBLIC_REVIEW: (
            r"\b(?:recensione|recensioni|social|twitter|facebook|instagram|tiktok|trustpilot|"
            r"google|lo\s+dir[òo]\s+a\s+tutti|giornal[ei]|stampa|pubblicher[òo]|ovunque|"
            r"scriver[òo])\b"
        ),
        _K.CANCEL: (
            r"\b(?:passare\s+alla\s+concorrenza|cambiare\s+(?:operatore|gestore|fornitore)|"
            r"mai\s+pi[ùu]\s+(?:da\s+voi|con\s+voi))\b"
        ),
    },
    abuse={
        _A.PROFANITY: (
            r"\b(?:cazz\w*|merda|vaffanculo|porca\s+\w+|stronz\w*|minchia|fottut\w*|casino)\b"
        ),
        _A.INSULT: (
            r"\b(?:idioti?|imbecill[ei]|incompetenti?|inutili|ladri|ladro|truffatori|truffatore|"
            r"pagliacci|cretini?|deficienti?|buffoni|scemi|bugiardi|incapaci)\b"
        ),
        _A.HARASSMENT: (
            r"\b(?:stai\s+zitto|state\s+zitti|vaffanculo|andate\s+a\s+quel\s+paese|"
            r"figli\s+di\s+puttana)\b"
        ),
        _A.THREAT: r"\b(?:ti\s+ammazzo|vi\s+ammazzo|so\s+dove\s+abit\w+)\b",
    },
    tone={
        "strong": (
            r"\b(?:inaccettabile|vergogna|vergognoso|scandal\w+|furios[oa]|arrabbiat[oa]|"
            r"stufo|stufa|ridicol[oa]|pessim[oa]|assurdo|truffa|il\s+peggiore|schifo|"
            r"indignat[oa]|incazzat[oa]|uno\s+scherzo|basta)\b"
        ),
        "moderate": (
            r"\b(?:fastidio\w*|problem[ai]|rott[oa]|difettos[oa]|non\s+funziona|delus[oa]|"
            r"delusione|frustrat[oa]|preoccupat[oa]|triste|purtroppo|insoddisfatt[oa])\b"
        ),
        "waiting": (
            r"(?:\b(?:ancora\s+(?:niente|nulla|non\s+(?:arrivato|ho\s+ricevuto))|sto\s+ancora\s+"
            r"aspettando|aspetto\s+da|nessuno\s+(?:risponde|richiama|mi\s+ha\s+richiamato)|"
            r"senza\s+risposta|c'[èe]\s+qualcuno)|\bpronto\s*\?+)"
        ),
        "irony": (
            r"\b(?:grazie\s+(?:per|di)\s+niente|complimenti|bravi|ottimo\s+servizio|che\s+bello|"
            r"bel\s+servizio)\b"
        ),
        "urgent": (
            r"\b(?:urgente\w*|subito|immediatamente|al\s+pi[ùu]\s+presto|oggi\s+stesso|emergenza)\b"
        ),
        "thanks": r"\b(?:grazie|perfetto|ottimo)\b",
    },
    negation=r"\b(?:non|mai|senza|n[ée])\W+(?:\w+\W+){0,2}$",
)

CUES: dict[str, LanguageCues] = {"de": _DE, "es": _ES, "fr": _FR, "pt": _PT, "it": _IT}
"""Cues per supported language other than English (English uses the main rule modules)."""
