"""gradlab's `gpt` beside Keras's same model on the same text: validation loss after the same
number of steps, training tokens/s, and achieved GFLOP/s as a share of the matrix-product GFLOP/s
measured in the same run. Run by `./lab lm-bench`.

    python bench/lm_compare.py [--steps N] [--repeats N] [--corpus FILE ...] [--json]

Defaults: 600 steps of batch 32 at context 64 (about 1.2 M tokens) on samples/shakespeare.txt and
samples/tang_poems.txt, 10 % of each held out, one repeat. Both systems train the preset's sizes
(2 blocks, 4 heads, d_model 64, ffn 256) from their own initial weights: the losses are compared, not
the weights. Beside them, the text's unigram entropy (the loss of a model that ignores context): a
run whose validation loss is not well below it did not learn. gradlab wasm is the page's code path
(WebLanguageLab, the relaxed-SIMD build in Node, as `./lab lm-bench` builds it), its GFLOP/s beside
its own matrix product's; TensorFlow.js has no attention layer and is not in the table.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRADLAB = os.path.join(ROOT, "target/release/gradlab")
PYTHON = os.path.join(ROOT, "target/bench/venv/bin/python")
CONTEXT, LAYERS, HEADS, D, FFN, BATCH = 64, 2, 4, 64, 256, 32
# The wasm build Node runs: relaxed SIMD when built (Node 20 needs the flag), else plain SIMD.
WASM_PKG = next((p for p in (os.path.join(ROOT, "target/wasm-node-relaxed"), os.path.join(ROOT, "target/wasm-node")) if os.path.exists(os.path.join(p, "gradlab.js"))), None)
NODE = ["node"] + (["--experimental-wasm-relaxed-simd"] if WASM_PKG and WASM_PKG.endswith("relaxed") else [])


def opt(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def flops_per_token(vocab):
    """Training FLOPs per token: 3 × the forward pass's 2 per multiply-add, over every product with
    a weight (attention's four projections and the two feed-forward layers per block, the output
    layer) and attention's two products with the context (scores and weighted values: the fused
    kernel computes all CONTEXT of a row, masked ones included)."""
    per_block = 4 * D * D + 2 * D * FFN + 2 * CONTEXT * D
    return 3 * 2 * (LAYERS * per_block + D * vocab)


def main():
    steps = int(opt("--steps", 600))
    repeats = int(opt("--repeats", 1))
    corpora = [a for i, a in enumerate(sys.argv) if i > 0 and sys.argv[i - 1] == "--corpus"] or [
        os.path.join(ROOT, "samples/shakespeare.txt"), os.path.join(ROOT, "samples/tang_poems.txt")]
    as_json = "--json" in sys.argv
    matmul = run([GRADLAB, "bench", "--data", os.path.join(ROOT, "samples/spam.tsv"), "--matmul", "256,512", "--json"])["matmul_gflops"]
    peak = max(float(v) for v in matmul.values())
    wasm_peak = None
    if WASM_PKG and "--no-wasm" not in sys.argv:
        wasm_matmul = run(NODE + [os.path.join(ROOT, "bench/wasm_train.mjs"), WASM_PKG, "--matmul", "256,512"])["matmul_gflops"]
        wasm_peak = max(float(v) for v in wasm_matmul.values())
    report = {"steps": steps, "repeats": repeats, "matmul_gflops": matmul, "wasm_matmul_gflops": wasm_peak, "corpora": {}}
    for corpus in corpora:
        name = os.path.basename(corpus)
        g_runs, k_runs, w_runs = [], [], []
        for r in range(repeats):
            seed = str(42 + r)
            g_runs.append(run([GRADLAB, "train", "--task", "lm", "--data", corpus, "--steps", str(steps), "--context", str(CONTEXT),
                               "--val-split", "0.1", "--seed", seed, "--json"]))
            if wasm_peak:
                w_runs.append(run(NODE + [os.path.join(ROOT, "bench/wasm_train.mjs"), WASM_PKG, "--lm", corpus, str(steps), seed]))
            k_runs.append(run([PYTHON, os.path.join(ROOT, "bench/keras_lm.py"), corpus, str(CONTEXT), str(steps), "0.1", seed,
                               str(LAYERS), str(HEADS), str(D), str(FFN), str(BATCH)]))
        vocab = g_runs[0]["vocab_size"]
        fpt = flops_per_token(vocab)
        med = lambda xs: statistics.median(xs)  # noqa: E731
        g_vals = [r["history"][-1]["val_loss"] for r in g_runs]
        k_vals = [r["val_loss"] for r in k_runs]
        g_val, k_val = med(g_vals), med(k_vals)
        g_tps = [r["tokens_per_second"] for r in g_runs]
        k_tps = [r["tokens_per_second"] for r in k_runs]
        entropy = g_runs[0]["unigram_entropy"]
        w_val = med([r["val_loss"] for r in w_runs]) if w_runs else None
        w_tps = [r["tokens_per_second"] for r in w_runs]
        row = {
            "vocab_size": vocab, "parameters": {"gradlab": g_runs[0]["parameters"], "keras": k_runs[0]["parameters"]},
            "unigram_entropy": entropy,
            "val_loss": {"gradlab": g_val, "keras": k_val, "ratio": g_val / k_val, "gradlab_runs": g_vals, "keras_runs": k_vals},
            "learned": {"gradlab": g_val < entropy - 0.5, "keras": k_val < entropy - 0.5},
            "tokens_per_second": {"gradlab": [min(g_tps), med(g_tps), max(g_tps)], "keras": [min(k_tps), med(k_tps), max(k_tps)], "ratio": med(g_tps) / med(k_tps)},
            "gflops": {"gradlab": med(g_tps) * fpt / 1e9, "keras": med(k_tps) * fpt / 1e9, "share_of_matmul": med(g_tps) * fpt / 1e9 / peak},
            "flops_per_token": fpt,
        }
        if w_runs:
            row["wasm"] = {"val_loss": w_val, "learned": w_val < entropy - 0.5, "tokens_per_second": [min(w_tps), med(w_tps), max(w_tps)],
                           "ratio_to_keras": med(w_tps) / med(k_tps), "gflops": med(w_tps) * fpt / 1e9,
                           "share_of_wasm_matmul": med(w_tps) * fpt / 1e9 / wasm_peak}
        report["corpora"][name] = row
        if not as_json:
            print(f"\n{name}: vocabulary {vocab}, {steps} steps of {BATCH}×{CONTEXT} tokens, {repeats} run(s); unigram entropy {entropy:.3f} nats/token")
            spread = lambda xs: f" ({min(xs):.4f}–{max(xs):.4f})" if len(xs) > 1 else ""  # noqa: E731
            print(f"  validation loss   gradlab {g_val:.4f}{spread(g_vals)}   keras {k_val:.4f}{spread(k_vals)}   gradlab/keras {g_val / k_val:.3f}"
                  f"   (learned: gradlab {row['learned']['gradlab']}, keras {row['learned']['keras']})")
            print(f"  tokens/s          gradlab {med(g_tps):,.0f} ({min(g_tps):,.0f}–{max(g_tps):,.0f})   keras {med(k_tps):,.0f} ({min(k_tps):,.0f}–{max(k_tps):,.0f})   ratio {med(g_tps) / med(k_tps):.2f}")
            print(f"  GFLOP/s           gradlab {row['gflops']['gradlab']:.2f} = {100 * row['gflops']['share_of_matmul']:.0f} % of its matrix product's {peak:.1f}   keras {row['gflops']['keras']:.2f}")
            if w_runs:
                w = row["wasm"]
                print(f"  gradlab wasm      validation {w_val:.4f} (learned: {w['learned']})   tokens/s {med(w_tps):,.0f} ({min(w_tps):,.0f}–{max(w_tps):,.0f}) = {w['ratio_to_keras']:.2f}× keras"
                      f"   GFLOP/s {w['gflops']:.2f} = {100 * w['share_of_wasm_matmul']:.0f} % of its matrix product's {wasm_peak:.1f}")
    if as_json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
