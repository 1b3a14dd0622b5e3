#!/usr/bin/env python3
"""Checks Samples/knowledge-base/paraphrase-queries.yaml: no query shares a content word with its answer.

Each query in the paraphrase set must be worded in the storyteller's own words: after lower-casing, splitting on
anything that is not a letter or digit (so "ash-wheat" is "ash" and "wheat"), dropping possessives ("Hale's" is
"hale") and English stop words (NLTK's English list, built in below), it must share no stem with the document it
expects. Words are stemmed twice, with the Porter stemmer and the Snowball English (Porter2) stemmer, both built in
below (no dependency; they agree with NLTK's PorterStemmer(ORIGINAL_ALGORITHM) and SnowballStemmer("english") on the
corpus vocabulary), and a word is shared if either stem matches: Snowball joins "yearly" to "year", Porter joins
"generation" to "general". Irregular forms ("ran" and "run") are not caught; keep away from them by hand.

A document's text is everything a reader or a search index could match: its title, its Markdown body (headings
included), and every front-matter text value but the bookkeeping ones (id, version, source, occurred_at, world):
tags, concept ids, names, descriptions and attributes, relationship ends and kinds. A revised version of the
document under updates/ counts too, so a query stays a paraphrase whichever version is indexed.

It also validates the file the way SampleCorpusTests validates queries.yaml: a YAML list of mappings with only
world (optional), query and expect; no query twice, nor a query already in queries.yaml; the expected document
exists and is visible from the query's world (global documents from every world, a world's documents only from
that world); every world and global-only queries appear; every document is expected by some query; some
world-scoped queries expect a global document.

Run it (PyYAML is in the project venv; dev/setup installs it):

    .venv/bin/python dev/check-paraphrases.py            # one line per query, then a summary; exit 1 on any problem
    .venv/bin/python dev/check-paraphrases.py --quiet    # only the problems and the summary
    .venv/bin/python dev/check-paraphrases.py --probe character-corvin-dask "the exiled mapmaker"
                                                         # the stems a draft query shares with one document
"""
import argparse
import collections
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Samples" / "knowledge-base"
PARAPHRASES = CORPUS / "paraphrase-queries.yaml"

# NLTK's English stop-word list (the Snowball list plus contractions and their pieces).
STOP_WORDS = frozenset("""
a about above after again against ain all am an and any are aren aren't as at be because been before being below
between both but by can couldn couldn't d did didn didn't do does doesn doesn't doing don don't down during each few
for from further had hadn hadn't has hasn hasn't have haven haven't having he her here hers herself him himself his
how i if in into is isn isn't it it's its itself just ll m ma me mightn mightn't more most mustn mustn't my myself
needn needn't no nor not now o of off on once only or other our ours ourselves out over own re s same shan shan't
she she's should should've shouldn shouldn't so some such t than that that'll the their theirs them themselves then
there these they this those through to too under until up ve very was wasn wasn't we were weren weren't what when
where which while who whom why will with won won't wouldn wouldn't y you you'd you'll you're you've your yours
yourself yourselves he'd he'll he's i'd i'll i'm i've it'd it'll she'd she'll they'd they'll they're they've we'd
we'll we're we've
""".split())


# ---------------------------------------------------------------------------------------------------------------
# The Porter stemmer (M. F. Porter, 1980), steps 1a-5b.

def _is_consonant(word, i):
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or not _is_consonant(word, i - 1)
    return True


def _measure(stem):
    """m in [C](VC)^m[V]: the number of vowel-consonant sequences."""
    m, i, n = 0, 0, len(stem)
    while i < n and _is_consonant(stem, i):
        i += 1
    while i < n:
        while i < n and not _is_consonant(stem, i):
            i += 1
        if i >= n:
            break
        m += 1
        while i < n and _is_consonant(stem, i):
            i += 1
    return m


def _has_vowel(stem):
    return any(not _is_consonant(stem, i) for i in range(len(stem)))


def _ends_double_consonant(word):
    return len(word) >= 2 and word[-1] == word[-2] and _is_consonant(word, len(word) - 1)


def _ends_cvc(word):
    """Consonant-vowel-consonant, the last consonant not w, x or y (hop, not hoop or snow)."""
    n = len(word)
    return (n >= 3 and _is_consonant(word, n - 3) and not _is_consonant(word, n - 2) and _is_consonant(word, n - 1)
            and word[-1] not in "wxy")


def _replace_longest(word, rules, condition):
    """Porter's rule lists: the longest matching suffix decides; it is replaced only if its stem meets condition."""
    for suffix, replacement in sorted(rules, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            return stem + replacement if condition(stem) else word
    return word


_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"),
          ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"),
          ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
          ("ness", "")]
_STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism",
          "ate", "iti", "ous", "ive", "ize"]


def stem(word):
    if len(word) <= 2:
        return word
    # Step 1a: plurals.
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("ss"):
        pass
    elif word.endswith("s"):
        word = word[:-1]
    # Step 1b: -eed, -ed, -ing.
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif _ends_double_consonant(word) and word[-1] not in "lsz":
                    word = word[:-1]
                elif _measure(word) == 1 and _ends_cvc(word):
                    word += "e"
                break
    # Step 1c: -y to -i after a vowel in the stem.
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    # Steps 2 and 3: double and single suffixes.
    word = _replace_longest(word, _STEP2, lambda s: _measure(s) > 0)
    word = _replace_longest(word, _STEP3, lambda s: _measure(s) > 0)
    # Step 4: -ant, -ence, ... where m > 1; -ion only after s or t.
    for suffix in sorted(_STEP4, key=len, reverse=True):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if _measure(base) > 1 and (suffix != "ion" or base.endswith(("s", "t"))):
                word = base
            break
    # Step 5a: a final -e.
    if word.endswith("e"):
        base = word[:-1]
        if _measure(base) > 1 or (_measure(base) == 1 and not _ends_cvc(base)):
            word = base
    # Step 5b: -ll to -l where m > 1.
    if _measure(word) > 1 and _ends_double_consonant(word) and word.endswith("l"):
        word = word[:-1]
    return word


# ---------------------------------------------------------------------------------------------------------------
# The Snowball English stemmer (Porter2). A word counts as shared if either stemmer matches it to a document word,
# so the rule holds whichever of the two a reader prefers (Porter2 strips -ly, Porter merges general/generation).

_VOWELS = "aeiouy"
_DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")
_LI_ENDINGS = "cdeghkmnrt"
_EXCEPTIONS = {"skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "idly": "idl",
               "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl", "sky": "sky",
               "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos", "bias": "bias",
               "andes": "andes"}
_AFTER_1A = {"inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"}


def _region_after(word, start):
    """Where the region after the first non-vowel following a vowel, from start, begins."""
    for i in range(start + 1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return i + 1
    return len(word)


def _short_syllable_end(word):
    n = len(word)
    if n == 2:
        return word[0] in _VOWELS and word[1] not in _VOWELS
    return (n >= 3 and word[-3] not in _VOWELS and word[-2] in _VOWELS and word[-1] not in _VOWELS
            and word[-1] not in "wxY")


def snowball_stem(word):
    if len(word) <= 2:
        return word
    if word in _EXCEPTIONS:
        return _EXCEPTIONS[word]
    word = word.lstrip("'")
    if word.startswith("y"):
        word = "Y" + word[1:]
    word = "".join("Y" if c == "y" and i > 0 and word[i - 1] in _VOWELS else c for i, c in enumerate(word))
    r1 = next((len(p) for p in ("gener", "commun", "arsen") if word.startswith(p)), None)
    if r1 is None:
        r1 = _region_after(word, 0)
    r2 = _region_after(word, r1)
    # Step 0: apostrophes.
    for suffix in ("'s'", "'s", "'"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    # Step 1a.
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith(("ied", "ies")):
        word = word[:-2] if len(word) > 4 else word[:-1]
    elif word.endswith(("us", "ss")):
        pass
    elif word.endswith("s") and any(c in _VOWELS for c in word[:-2]):
        word = word[:-1]
    if word in _AFTER_1A:
        return word
    # Step 1b.
    for suffix in ("eedly", "ingly", "edly", "eed", "ing", "ed"):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if suffix in ("eedly", "eed"):
                if len(word) - len(suffix) >= r1:
                    word = base + "ee"
            elif any(c in _VOWELS for c in base):
                word = base
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif word.endswith(_DOUBLES):
                    word = word[:-1]
                elif _short_syllable_end(word) and r1 >= len(word):
                    word += "e"
            break
    # Step 1c.
    if len(word) > 2 and word[-1] in "yY" and word[-2] not in _VOWELS:
        word = word[:-1] + "i"
    # Step 2.
    step2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"),
             ("entli", "ent"), ("ization", "ize"), ("izer", "ize"), ("ation", "ate"), ("ator", "ate"),
             ("alism", "al"), ("aliti", "al"), ("alli", "al"), ("fulness", "ful"), ("ousli", "ous"),
             ("ousness", "ous"), ("iveness", "ive"), ("iviti", "ive"), ("biliti", "ble"), ("bli", "ble"),
             ("fulli", "ful"), ("lessli", "less"), ("ogi", "og"), ("li", "")]
    for suffix, replacement in sorted(step2, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) >= r1 and (suffix != "ogi" or base.endswith("l")) \
                    and (suffix != "li" or (base and base[-1] in _LI_ENDINGS)):
                word = base + replacement
            break
    # Step 3.
    step3 = [("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"),
             ("ical", "ic"), ("ful", ""), ("ness", ""), ("ative", "")]
    for suffix, replacement in sorted(step3, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) >= r1 and (suffix != "ative" or len(base) >= r2):
                word = base + replacement
            break
    # Step 4.
    for suffix in sorted(_STEP4, key=len, reverse=True):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if suffix == "ou":
                continue
            if len(base) >= r2 and (suffix != "ion" or base.endswith(("s", "t"))):
                word = base
            break
    # Step 5.
    if word.endswith("e"):
        base = word[:-1]
        if len(base) >= r2 or (len(base) >= r1 and not _short_syllable_end(base)):
            word = base
    elif word.endswith("ll") and len(word) - 1 >= r2:
        word = word[:-1]
    return word.replace("Y", "y")


# ---------------------------------------------------------------------------------------------------------------
# Content words.

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


def content_stems(text):
    """Stem key ("p:" Porter, "s:" Snowball) -> the words of text that give it; stop words and possessives dropped."""
    found = collections.defaultdict(set)
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        word = token[:-2] if token.endswith("'s") else token
        if token in STOP_WORDS or word in STOP_WORDS:
            continue
        word = word.replace("'", "")
        found["p:" + stem(word)].add(word)
        found["s:" + snowball_stem(word)].add(word)
    return found


def shared_words(query, document_stems):
    """Query word -> the document words it shares a Porter or Snowball stem with."""
    shared = collections.defaultdict(set)
    for key, words in content_stems(query).items():
        if key in document_stems:
            for word in words:
                shared[word] |= document_stems[key]
    return dict(shared)


def describe(shared):
    return ", ".join(f"{word} ~ {'/'.join(sorted(matches))}" for word, matches in sorted(shared.items()))


# ---------------------------------------------------------------------------------------------------------------
# The corpus.

BOOKKEEPING = {"id", "version", "source", "occurred_at", "world"}


def _values(node):
    """Every scalar under a front-matter value, as text (keys are structure, not content)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value)
    elif isinstance(node, str):  # numbers (relationship weights) and booleans are not words
        yield node


def read_document(path):
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if not match:
        raise SystemExit(f"{path}: no front matter")
    front = yaml.safe_load(match.group(1))
    searchable = [match.group(2)]
    for key, value in front.items():
        if key not in BOOKKEEPING:
            # Concept and relationship keys such as "from"/"kind" are structure; their values are content.
            searchable.extend(_values(value))
    return {"id": front["id"], "world": front.get("world"), "title": front["title"], "text": "\n".join(searchable),
            "path": path}


def load_corpus():
    documents = {}
    for path in sorted((CORPUS / "documents").glob("*.md")):
        document = read_document(path)
        documents[document["id"]] = document
    for path in sorted((CORPUS / "updates").glob("*.md")):
        update = read_document(path)
        if update["id"] in documents:
            documents[update["id"]]["text"] += "\n" + update["text"]
    for document in documents.values():
        document["stems"] = content_stems(document["text"])
    return documents


def load_queries(path):
    """(queries, problems): the parsed entries and what is wrong with the file's shape."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [], [f"{path.name}: {error}"]
    if not isinstance(raw, list):
        return [], [f"{path.name}: not a YAML list"]
    queries, problems = [], []
    for index, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not set(entry) <= {"world", "query", "expect"} \
                or not {"query", "expect"} <= set(entry) or not all(isinstance(v, str) for v in entry.values()):
            problems.append(f"entry {index}: not a mapping of strings with query, expect and optional world: {entry}")
            continue
        queries.append(entry)
    return queries, problems


# ---------------------------------------------------------------------------------------------------------------
# The check.

def check(documents, queries, quiet):
    problems = []
    known_queries, _ = load_queries(CORPUS / "queries.yaml")
    known = {q["query"].strip().lower() for q in known_queries}
    worlds = {d["world"] for d in documents.values() if d["world"]}
    seen = set()
    per_document = collections.Counter()
    overlapping = 0
    for entry in queries:
        world, text, expect = entry.get("world"), entry["query"], entry["expect"]
        label = f"[{world or 'global'}] {text!r} -> {expect}"
        if not text.strip():
            problems.append(f"{label}: empty query")
        if text.strip().lower() in seen:
            problems.append(f"{label}: query appears twice")
        seen.add(text.strip().lower())
        if text.strip().lower() in known:
            problems.append(f"{label}: already in queries.yaml")
        if world is not None and world not in worlds:
            problems.append(f"{label}: unknown world {world} (worlds: {', '.join(sorted(worlds))})")
        document = documents.get(expect)
        if document is None:
            problems.append(f"{label}: no document {expect}")
            continue
        if document["world"] and document["world"] != world:
            problems.append(f"{label}: {expect} is in {document['world']}, not visible from {world or 'global only'}")
        per_document[expect] += 1
        shared = shared_words(text, document["stems"])
        if shared:
            overlapping += 1
            problems.append(f"{label}: shares {describe(shared)}")
        if not quiet:
            print(f"{'FAIL' if shared else 'ok  '} {label}: shared: {describe(shared) or 'none'}")
    if set(q.get("world") for q in queries) != {None} | worlds:
        problems.append(f"the queries' worlds are {sorted(map(str, {q.get('world') for q in queries}))}; "
                        f"expected global-only and each of {sorted(worlds)}")
    for missing in sorted(set(documents) - set(per_document)):
        problems.append(f"no query expects {missing}")
    if not any(q.get("world") and q["expect"] in documents and not documents[q["expect"]]["world"] for q in queries):
        problems.append("no world-scoped query expects a global document")
    return problems, per_document, overlapping


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=pathlib.Path, default=PARAPHRASES, help="the paraphrase queries (YAML)")
    parser.add_argument("--quiet", action="store_true", help="print only the problems and the summary")
    parser.add_argument("--probe", nargs=2, metavar=("DOCUMENT", "QUERY"),
                        help="print the stems QUERY shares with DOCUMENT and exit")
    args = parser.parse_args()
    documents = load_corpus()
    if args.probe:
        document_id, text = args.probe
        if document_id not in documents:
            raise SystemExit(f"no document {document_id}")
        shared = shared_words(text, documents[document_id]["stems"])
        print(f"shared: {describe(shared) or 'none'}")
        return 1 if shared else 0
    queries, problems = load_queries(args.file)
    found, per_document, overlapping = check(documents, queries, args.quiet)
    problems += found
    print()
    for document_id in sorted(documents):
        print(f"  {per_document[document_id]:2d}  {document_id} ({documents[document_id]['world'] or 'global'})")
    scoped = sum(1 for q in queries if q.get("world"))
    print(f"{len(queries)} queries ({len(queries) - scoped} global-only, {scoped} world-scoped) over "
          f"{len(per_document)} of {len(documents)} documents; {overlapping} share a content word with their answer")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{len(problems)} problem(s)" if problems else "ok: no query shares a content word with its answer")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
