"""English pluralization compatible with gobuffalo/flect (what Kro uses to name CRDs)."""

from __future__ import annotations

from collections.abc import Callable

# Irregular and uncountable words (flect's singleToPlural).
_SINGLE_TO_PLURAL: dict[str, str] = {
    "human": "humans", "matrix": "matrices", "vertix": "vertices", "index": "indices", "mouse": "mice",
    "louse": "lice", "ress": "resses", "ox": "oxen", "quiz": "quizzes", "series": "series",
    "octopus": "octopi", "equipment": "equipment", "information": "information", "rice": "rice",
    "money": "money", "species": "species", "fish": "fish", "sheep": "sheep", "jeans": "jeans",
    "police": "police", "dear": "dear", "goose": "geese", "tooth": "teeth", "foot": "feet",
    "bus": "buses", "fez": "fezzes", "piano": "pianos", "halo": "halos", "photo": "photos",
    "aircraft": "aircraft", "alumna": "alumnae", "alumnus": "alumni", "analysis": "analyses",
    "antenna": "antennas", "antithesis": "antitheses", "apex": "apexes", "appendix": "appendices",
    "axis": "axes", "bacillus": "bacilli", "bacterium": "bacteria", "basis": "bases", "beau": "beaus",
    "bison": "bison", "bureau": "bureaus", "campus": "campuses", "château": "châteaux",
    "codex": "codices", "concerto": "concertos", "corpus": "corpora", "crisis": "crises",
    "curriculum": "curriculums", "deer": "deer", "diagnosis": "diagnoses", "die": "dice",
    "dwarf": "dwarves", "ellipsis": "ellipses", "erratum": "errata", "faux pas": "faux pas",
    "focus": "foci", "formula": "formulas", "fungus": "fungi", "genus": "genera", "graffito": "graffiti",
    "grouse": "grouse", "half": "halves", "hoof": "hooves", "hypothesis": "hypotheses", "larva": "larvae",
    "libretto": "librettos", "loaf": "loaves", "locus": "loci", "minutia": "minutiae", "moose": "moose",
    "nebula": "nebulae", "nucleus": "nuclei", "oasis": "oases", "offspring": "offspring", "opus": "opera",
    "parenthesis": "parentheses", "phenomenon": "phenomena", "phylum": "phyla", "prognosis": "prognoses",
    "radius": "radiuses", "referendum": "referendums", "salmon": "salmon", "shrimp": "shrimp",
    "stimulus": "stimuli", "stratum": "strata", "swine": "swine", "syllabus": "syllabi",
    "symposium": "symposiums", "synopsis": "synopses", "tableau": "tableaus", "thesis": "theses",
    "thief": "thieves", "trout": "trout", "tuna": "tuna", "vertebra": "vertebrae", "vita": "vitae",
    "vortex": "vortices", "wharf": "wharves", "wife": "wives", "wolf": "wolves", "datum": "data",
    "testis": "testes", "alias": "aliases", "shoe": "shoes", "news": "news", "ovum": "ova", "foo": "foos",
}  # fmt: skip
_PLURAL_TO_SINGLE = {v: k for k, v in _SINGLE_TO_PLURAL.items()}

# Suffix rules in flect's registration order; the first matching suffix wins. Each pair also makes
# its plural suffix a no-op rule, so words that already look plural are left alone.
_SUFFIX_PAIRS: list[tuple[str, str]] = [
    ("campus", "campuses"), ("man", "men"), ("tz", "tzes"), ("alias", "aliases"), ("oasis", "oasis"),
    ("wife", "wives"), ("basis", "basis"), ("atum", "ata"), ("adium", "adia"), ("actus", "acti"),
    ("irus", "iri"), ("iterion", "iteria"), ("dium", "diums"), ("ovum", "ova"), ("ize", "izes"),
    ("dge", "dges"), ("focus", "foci"), ("child", "children"), ("oaf", "oaves"), ("randum", "randa"),
    ("base", "bases"), ("atus", "atuses"), ("ode", "odes"), ("person", "people"), ("hello", "hellos"),
    ("va", "vae"), ("leus", "li"), ("oot", "eet"), ("oose", "eese"), ("box", "boxes"), ("ium", "ia"),
    ("sis", "ses"), ("nna", "nnas"), ("eses", "esis"), ("stis", "stes"), ("ex", "ices"), ("ula", "ulae"),
    ("isis", "ises"), ("use", "uses"), ("lf", "lves"), ("rf", "rves"),
    *[(c + "fe", c + "ves") for c in "abcdefghijklmnopqrstuvwxyz"],
    ("hive", "hives"), ("quy", "quies"),
    *[(c + "y", c + "ies") for c in "bcdfghjklmnpqrstvwxz"],
    ("x", "xes"), ("ch", "ches"), ("ss", "sses"), ("sh", "shes"), ("oe", "oes"), ("io", "ios"), ("o", "oes"),
]  # fmt: skip


def _replacer(cut: int, repl: str) -> Callable[[str], str]:
    return lambda s: s[: len(s) - cut] + repl


def _rules() -> list[tuple[str, Callable[[str], str]]]:
    rules: list[tuple[str, Callable[[str], str]]] = []
    for suffix, repl in _SUFFIX_PAIRS:
        rules.append((suffix, _replacer(len(suffix), repl)))
        rules.append((repl, lambda s: s))
    return rules


_RULES = _rules()

# flect pluralizes known acronyms by appending "s" (or "es" after a trailing s).
_ACRONYMS = frozenset(
    "API ASCII CPU CSS DNS EOF GUID HTML HTTP HTTPS ID IP JSON LHS QPS RAM RHS RPC SLA SMTP SQL SSH "
    "TCP TLS TTL UDP UI UID UUID URI URL UTF8 VM XML XMPP XSRF XSS".split()
)


def pluralize(word: str) -> str:
    """Plural of a single lower-case word, as ``flect.Pluralize`` returns it."""
    if not word:
        return ""
    if word.upper() in _ACRONYMS:
        return word + ("es" if word.lower().endswith("s") else "s")
    lower = word.lower()
    if lower in _PLURAL_TO_SINGLE:
        return word
    if lower in _SINGLE_TO_PLURAL:
        return _SINGLE_TO_PLURAL[lower]
    for suffix, fn in _RULES:
        if lower.endswith(suffix):
            return fn(word)
    if lower.endswith("s"):
        return word
    return word + "s"
