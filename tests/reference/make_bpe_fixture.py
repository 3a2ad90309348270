"""Byte-pair encoding as Hugging Face tokenizers learns and applies it, for tests/bpe.rs.

Run with the Keras environment `./lab test` creates (the tests never need Python):
    target/bench/venv/bin/python tests/reference/make_bpe_fixture.py tests/fixtures/bpe_reference.json

Version used for the committed fixture: tokenizers 0.23.3. The tokenizer is GPT-2's byte-level BPE:
models.BPE() with the ByteLevel pre-tokenizer (no prefix space, GPT-2's pattern) trained by
BpeTrainer from the 256 byte characters, no special tokens, no minimum frequency. For each case the
fixture holds the training text's source (a slice of a file in samples/, so the fixture stays
small), the vocabulary size, the learned merges in order ("left right", as merges.txt writes them),
and the ids of a probe text that follows the training slice (text the merges never saw), plus the
pre-tokenizer's words and the ids of strings chosen for their edge cases.
"""
import json
import os
import sys

from tokenizers import Tokenizer, __version__, decoders, models, pre_tokenizers, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, file, start, training chars, probe chars, vocab)
CASES = [
    ("shakespeare", "samples/shakespeare.txt", 0, 60000, 4000, 700),
    ("tang_poems", "samples/tang_poems.txt", 0, 20000, 1500, 1000),
    ("shakespeare_small", "samples/shakespeare.txt", 200000, 5000, 2000, 300),
]

EDGES = [
    "Hello world's  end\n\n  x 42!?",
    "a \n\tb  ",
    "It's 'quoted' -- we'll see; they've I'm you'd\r\n",
    "   leading and trailing   ",
    "学而时习之，不亦说乎？有朋自远方来。",
    "数字 123 和 4.5、①②",
    "emoji 🙂👍 and accents: café naïve Ünïcödé",
    "नमस्ते दुनिया",  # combining marks: letters and marks split differently
    "\u00a0non\u00a0breaking\u2003spaces",
    "tabs\t\tand\u000bvertical",
    "",
]


def tokenizer_for(text, vocab):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([text], trainer)
    return tok


def merges_of(tok):
    merges = json.loads(tok.to_str())["model"]["merges"]
    return [m if isinstance(m, str) else f"{m[0]} {m[1]}" for m in merges]


def main(out):
    cases = []
    for name, path, start, n_train, n_probe, vocab in CASES:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        train, probe = text[start : start + n_train], text[start + n_train : start + n_train + n_probe]
        tok = tokenizer_for(train, vocab)
        assert tok.get_vocab_size() == vocab, (name, tok.get_vocab_size())
        ids = tok.encode(probe).ids
        assert tok.decode(ids) == probe, name
        cases.append({
            "name": name, "file": path, "start": start, "train_chars": n_train, "probe_chars": n_probe, "vocab": vocab,
            "merges": merges_of(tok), "probe_ids": ids,
            "edges": [{"text": e, "ids": tok.encode(e).ids} for e in EDGES],
        })
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False)
    # Words in the byte-level alphabet ("Ġworld").
    words = [[w for w, _ in pre.pre_tokenize_str(e)] for e in EDGES]
    doc = {"tokenizers": __version__, "cases": cases, "pre_tokenized": [{"text": e, "words": w} for e, w in zip(EDGES, words)]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {out}: {len(cases)} cases, {sum(len(c['merges']) for c in cases)} merges")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/bpe_reference.json")
