//! `gradlab bench` (one system's figures for bench/run.mjs, which puts them
//! beside TensorFlow.js's and Keras's) and `gradlab gpu-bench`.

use super::*;
use crate::data::split::split;

pub(super) struct BenchArgs<'a> {
    pub(super) data: &'a Path,
    pub(super) preset: &'a str,
    pub(super) limit: usize,
    pub(super) epochs: usize,
    pub(super) mask: bool,
    pub(super) export: Option<&'a Path>,
    pub(super) json: bool,
    pub(super) backend: BackendRequest,
    pub(super) batch_size: usize,
    pub(super) seed: u64,
    /// An image preset's image shape (None: inferred).
    pub(super) image_shape: Option<&'a str>,
}

/// Peak resident memory of this process in MB (Linux), for the benchmark table.
pub(super) fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Training and inference speed of one preset on Keras's split of `data`
/// (the last 20 % validate), as `bench/run.mjs` compares with its peers.
pub(super) fn bench(a: &BenchArgs) -> Result<()> {
    let out = bench_quiet(a)?;
    print_bench(a, &out);
    Ok(())
}

pub(super) fn print_bench(a: &BenchArgs, out: &Value) {
    if a.json {
        println!("{}", out);
        return;
    }
    let f = |key: &str| out[key].as_f64().unwrap_or(f64::NAN);
    let spread = |key: &str| {
        let xs: Vec<f64> = out[key].as_array().map(|v| v.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
        let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        if xs.len() > 1 { format!(" (min–max {lo:.0}–{hi:.0} over {} figures)", xs.len()) } else { String::new() }
    };
    println!("gradlab native ({}), preset {}: {} training rows × {} epochs, {} validation rows", out["backend"].as_str().unwrap_or(""), a.preset, out["rows"], out["epochs"], out["val_rows"]);
    println!("  training: {:.1} samples/s, the median of {}{}", f("train_samples_per_s"), out["timed_epochs"].as_str().unwrap_or(""), spread("epoch_samples_per_s"));
    println!("  inference: {:.0} samples/s, the median of {} timed passes after a warm one{}", f("infer_samples_per_s"), out["infer_seconds"].as_array().map_or(0, |v| v.len()), spread("infer_samples_per_s_each"));
    let (acc, base) = (f("val_accuracy"), f("majority_baseline"));
    let verdict = if out["learned"].as_bool() == Some(true) { format!("{:+.1} points above it", 100.0 * (acc - base)) } else { "did not learn: not above it".to_string() };
    println!("  validation accuracy {acc:.4}; the majority-class baseline of the validation rows is {base:.4} ({verdict})");
    println!("  This measures gradlab only; `./lab bench` runs TensorFlow.js and Keras beside it on the same rows and compares.");
}

/// The majority-class baseline of a split: the share of its most common class
/// (what a model that always answers that class scores).
pub(super) fn majority_baseline(classes: &[usize]) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for &c in classes {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0) as f64 / classes.len().max(1) as f64
}

pub(super) fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// `bench`'s measurement, as the JSON object it prints.
pub(super) fn bench_quiet(a: &BenchArgs) -> Result<Value> {
    if IMAGE_PRESETS.contains(&a.preset) {
        return bench_images(a);
    }
    let rows = read_rows(a.data, None, &CleanOptions::default(), true)?;
    let data = Splits::new(LabelledTexts::from_rows(&rows, None)?, Holdout::Fraction { fraction: 0.2, mode: SplitMode::Last, seed: 42 }).limit_train(a.limit);
    let val_set = data.val.as_ref().ok_or_else(|| Error::EmptyData { source_name: a.data.display().to_string(), reason: msg!("cli.bench_too_few_rows") })?;
    let settings = TextSettings::default();
    let tok = pipeline::fit_tokenizer(&data.train, &settings);
    let labels = data.labels();
    let layers = preset(a.preset, settings.num_words, settings.max_len, labels.len(), a.mask).ok_or_else(|| Error::setting("--model", msg!("cli.unknown_preset", preset = a.preset, text = PRESETS.join(", "), images = IMAGE_PRESETS.join(", "))))?;
    let enc = pipeline::encode_texts(&tok, &data.train, &settings);
    let val = pipeline::encode_texts(&tok, val_set, &settings);
    if let Some(dir) = a.export {
        export_bench_data(dir, labels, &data.train, val_set, &enc, &val, &settings)?;
    }
    bench_train(a, &layers, &[settings.max_len], labels, enc, val, a.mask)
}

/// `bench` for an image preset: a pixel CSV split as Keras's
/// validation_split (the last 20 %), pixels divided by the training rows'
/// largest value (16 for the digits), as `gradlab train` and the lab do.
pub(super) fn bench_images(a: &BenchArgs) -> Result<Value> {
    let shape = match a.image_shape {
        None | Some("auto") => None,
        Some(s) => Some(image::parse_shape(s).map_err(|e| as_flag(e, "--image-shape"))?),
    };
    let all = image::parse_csv(&read_text(a.data)?, shape, None).map_err(|e| match e {
        Error::EmptyData { reason, .. } => Error::EmptyData { source_name: a.data.display().to_string(), reason },
        other => other,
    })?;
    if !all.rejected.is_empty() {
        let r = &all.rejected[0];
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: msg!("cli.bench_rejected", count = all.rejected.len(), line = r.line, reason = &r.reason) });
    }
    let data = Splits::new(all, Holdout::Fraction { fraction: 0.2, mode: SplitMode::Last, seed: 42 }).limit_train(a.limit);
    let val_set = data.val.as_ref().ok_or_else(|| Error::EmptyData { source_name: a.data.display().to_string(), reason: msg!("cli.bench_too_few_images") })?;
    let (scaling, _) = pipeline::fit_images(&data.train, ScalingKind::Unit);
    let (enc, val) = (pipeline::encode_images(scaling, &data.train), pipeline::encode_images(scaling, val_set));
    let labels = data.labels();
    if let Some(dir) = a.export {
        export_bench_images(dir, labels, &data.train, val_set, &enc, &val, scaling)?;
    }
    let layers = image_preset(a.preset, labels.len()).expect("an image preset");
    bench_train(a, &layers, &data.all.shape, labels, enc, val, false)
}

/// Train `a.epochs` epochs of `layers` on `enc` (Adam 0.001, shuffled) and
/// time inference on `val`: the JSON object `bench` prints.
pub(super) fn bench_train(a: &BenchArgs, layers: &[LayerConfig], input_shape: &[usize], labels: &[String], enc: Encoded, val: Encoded, mask: bool) -> Result<Value> {
    let n = enc.ids.len();
    let model = Model::new(CpuBackend, layers, input_shape, a.seed)?;
    let config = TrainConfig { epochs: a.epochs.max(1), batch_size: a.batch_size, optimizer: OptimizerConfig::new(OptimizerKind::Adam), schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: a.seed, shuffle: true, early_stopping_patience: None };
    let trainer = Trainer::new(model, config, labels.to_vec(), enc, None)?;
    let selected = select(a.backend, &classifier_architecture(layers, input_shape)?, a.batch_size)?;
    let backend_name = if selected.gpu.is_some() { "gpu" } else { "cpu" };
    let (epoch_seconds, ev, infer_seconds) = match &selected.gpu {
        Some(g) => run_bench_epochs(trainer.move_to(g.clone())?, a.epochs, &val)?,
        None => run_bench_epochs(trainer, a.epochs, &val)?,
    };
    // The timed epochs, the same for every system of bench/run.mjs: those
    // after the first when there are several (the peers compile or warm up
    // in their first), else the only one. Each is one figure; the median counts.
    let first_timed = if epoch_seconds.len() > 1 { 1 } else { 0 };
    let epoch_sps: Vec<f64> = epoch_seconds[first_timed..].iter().map(|s| n as f64 / s).collect();
    let timed_epochs = match (first_timed, epoch_seconds.len()) {
        (0, _) => "epoch 1 (the only one)".to_string(),
        (_, 2) => "epoch 2 (the first warms up)".to_string(),
        (_, e) => format!("epochs 2–{e} (the first warms up)"),
    };
    let infer_each: Vec<f64> = infer_seconds.iter().map(|s| val.ids.len() as f64 / s).collect();
    let baseline = majority_baseline(&val.classes);
    let out = json!({
        "system": "gradlab-native", "backend": backend_name, "adapter": selected.gpu.as_ref().map(|g| g.adapter().name.clone()), "batch_size": a.batch_size, "preset": a.preset, "mask": mask, "rows": n, "val_rows": val.ids.len(), "epochs": epoch_seconds.len(),
        "epoch_seconds": epoch_seconds, "timed_epochs": timed_epochs, "epoch_samples_per_s": epoch_sps, "train_samples_per_s": median(&epoch_sps),
        "infer_rows": val.ids.len(), "infer_seconds": infer_seconds, "infer_samples_per_s_each": infer_each, "infer_samples_per_s": median(&infer_each),
        "val_accuracy": ev.report.accuracy, "majority_baseline": baseline, "learned": ev.report.accuracy > baseline, "peak_mb": peak_rss_mb(),
    });
    Ok(out)
}

/// Train `epochs` epochs, timing each, then time inference on `val`: a warm
/// pass, then 3 timed passes (as the peers of bench/run.mjs do).
pub(super) fn run_bench_epochs<B: Backend>(mut trainer: Trainer<B>, epochs: usize, val: &Encoded) -> Result<(Vec<f64>, crate::trainer::Evaluation, Vec<f64>)> {
    let mut epoch_seconds = Vec::new();
    for _ in 0..epochs.max(1) {
        let start = now_seconds();
        trainer.epoch()?;
        epoch_seconds.push(now_seconds() - start);
    }
    let mut ev = trainer.evaluate(val);
    let mut infer_seconds = Vec::new();
    for _ in 0..3 {
        let start = now_seconds();
        ev = trainer.evaluate(val);
        infer_seconds.push(now_seconds() - start);
    }
    Ok((epoch_seconds, ev, infer_seconds))
}

pub(super) fn gpu_bench(sizes: &str, batch_size: usize, data: Option<&Path>, models: &str, limit: usize, json_out: bool) -> Result<()> {
    use crate::backend::timing::matmul_gflops;
    let squares: Vec<usize> = sizes.split(',').map(|s| s.trim().parse().map_err(|_| Error::setting("--sizes", msg!("cli.not_a_size", value = s)))).collect::<Result<_>>()?;
    let gpu = GpuBackend::new().map_err(|e| Error::Backend { backend: "gpu".into(), reason: e.0 })?;
    let adapter = gpu.adapter().clone();
    if !json_out {
        println!("GPU: {} ({}{}); CPU backend: {} threads", adapter.name, adapter.backend, if adapter.software { ", software" } else { "" }, std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        println!("{:<34} {:>12} {:>12} {:>8}", "matrix product", "GPU GFLOP/s", "CPU GFLOP/s", "GPU/CPU");
    }
    let mut products = Vec::new();
    // The squares, then the products of an LSTM(64) layer over 100 steps:
    // the input projection for all steps at once, one recurrent step, and
    // the weight gradient (Aᵀ·B).
    let (t, d, h4, b) = (100, 64, 256, batch_size);
    let shapes = squares.iter().map(|&n| (format!("{n}×{n}×{n}"), n, n, n, false)).chain([
        (format!("LSTM input  {}×{}×{}", b * t, d, h4), b * t, d, h4, false),
        (format!("LSTM step   {}×{}×{}", b, d, h4), b, d, h4, false),
        (format!("LSTM dW  ({}ᵀ)×{}×{}", b * t, d, h4), d, b * t, h4, true),
    ]);
    for (label, m, k, n, trans_a) in shapes {
        let g = matmul_gflops(&gpu, m, k, n, trans_a, || gpu.sync());
        let c = matmul_gflops(&CpuBackend, m, k, n, trans_a, || {});
        if !json_out {
            println!("{:<34} {:>12.1} {:>12.1} {:>7.2}x", label, g, c, g / c);
        }
        products.push(json!({"shape": label, "m": m, "k": k, "n": n, "gpu_gflops": g, "cpu_gflops": c}));
    }
    let attention = attention_fusion(&gpu, json_out);
    let mut training = Vec::new();
    if let Some(data) = data {
        for preset_name in models.split(',') {
            let mut row = json!({"preset": preset_name, "batch_size": batch_size});
            for (name, request) in [("cpu", BackendRequest::Cpu), ("gpu", BackendRequest::Gpu)] {
                let args = BenchArgs { data, preset: preset_name, limit, epochs: 2, mask: true, export: None, json: true, backend: request, batch_size, seed: 42, image_shape: None };
                let out = bench_quiet(&args)?;
                row[name] = out["train_samples_per_s"].clone();
                row[format!("{}_val_accuracy", name)] = out["val_accuracy"].clone();
            }
            if !json_out {
                let (c, g) = (row["cpu"].as_f64().unwrap_or(0.0), row["gpu"].as_f64().unwrap_or(0.0));
                println!("training {:<6} batch {:>4}: GPU {:>9.1} samples/s, CPU {:>9.1} samples/s, GPU/CPU {:.2}x", preset_name, batch_size, g, c, g / c);
            }
            training.push(row);
        }
    }
    if json_out {
        println!("{}", json!({"adapter": adapter.name, "software": adapter.software, "matmul": products, "attention": attention, "training": training}));
    }
    Ok(())
}

/// What fusing the attention bought: one training pass (forward and
/// backward) of the fused op against the same attention composed of the
/// backend's general ops (`ComposedAttention`), on the GPU and the CPU, at
/// the presets' shapes. The two are checked to agree before either is timed.
fn attention_fusion(gpu: &GpuBackend, json_out: bool) -> Vec<Value> {
    use crate::backend::composed_attention::ComposedAttention;
    use crate::backend::timing::seconds_per_call;
    use crate::backend::AttentionShape;

    fn pass<B: Backend>(be: &B, s: AttentionShape, sync: &dyn Fn()) -> (f64, f64, f32) {
        let fill = |n: usize, seed: usize| -> Vec<f32> { (0..n).map(|i| ((i * 7919 + seed * 104_729) % 1000) as f32 / 1000.0 - 0.5).collect() };
        let (q_shape, k_shape, v_shape) = ([s.batch, s.tq, s.heads * s.dk], [s.batch, s.tk, s.heads * s.dk], [s.batch, s.tk, s.heads * s.dv]);
        let q = be.upload(&q_shape, &fill(q_shape.iter().product(), 1));
        let k = be.upload(&k_shape, &fill(k_shape.iter().product(), 2));
        let v = be.upload(&v_shape, &fill(v_shape.iter().product(), 3));
        let dout = be.upload(&[s.batch, s.tq, s.heads * s.dv], &fill(s.batch * s.tq * s.heads * s.dv, 4));
        let composed = ComposedAttention::new(be, s);
        let fused_pass = || {
            let (_, probs) = be.attention(&q, &k, &v, None, None, s.heads, s.causal);
            be.attention_backward(&q, &k, &v, &probs, None, s.heads, &dout)
        };
        let composed_pass = || {
            let (_, probs) = composed.forward(be, &q, &k, &v);
            composed.backward(be, &q, &k, &v, &probs, &dout)
        };
        let (f, c) = (fused_pass(), composed_pass());
        let diff = [(&f.0, &c.0), (&f.1, &c.1), (&f.2, &c.2)].iter().map(|(a, b)| be.download(a).iter().zip(be.download(b)).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max)).fold(0.0f32, f32::max);
        let fused = seconds_per_call(|| drop(std::hint::black_box(fused_pass())), sync);
        let composed = seconds_per_call(|| drop(std::hint::black_box(composed_pass())), sync);
        (fused, composed, diff)
    }

    let shapes = [
        ("gpt (causal)", AttentionShape { batch: 32, tq: 64, tk: 64, heads: 4, dk: 16, dv: 16, causal: true }),
        ("transformer", AttentionShape { batch: 32, tq: 200, tk: 200, heads: 4, dk: 16, dv: 16, causal: false }),
        ("long context (causal)", AttentionShape { batch: 4, tq: 512, tk: 512, heads: 4, dk: 16, dv: 16, causal: true }),
    ];
    if !json_out {
        println!();
        println!("attention, forward + backward, fused op against the same composed of general ops (ms per pass)");
        println!("{:<44} {:>9} {:>9} {:>7}   {:>9} {:>9} {:>7}   {:>9}", "shape (batch × time, heads × dk)", "GPU fused", "composed", "gain", "CPU fused", "composed", "gain", "max diff");
    }
    let mut rows = Vec::new();
    for (name, s) in shapes {
        let (gf, gc, gd) = pass(gpu, s, &|| gpu.sync());
        let (cf, cc, cd) = pass(&CpuBackend, s, &|| {});
        let launches = ComposedAttention::new(&CpuBackend, s).launches();
        if !json_out {
            let label = format!("{name} {}×{}, {}×{}", s.batch, s.tq, s.heads, s.dk);
            println!("{:<44} {:>9.2} {:>9.2} {:>6.1}x   {:>9.2} {:>9.2} {:>6.1}x   {:>9.1e}", label, gf * 1e3, gc * 1e3, gc / gf, cf * 1e3, cc * 1e3, cc / cf, gd.max(cd));
        }
        rows.push(json!({"shape": name, "batch": s.batch, "time": s.tq, "heads": s.heads, "key_dim": s.dk, "causal": s.causal,
            "gpu_fused_ms": gf * 1e3, "gpu_composed_ms": gc * 1e3, "cpu_fused_ms": cf * 1e3, "cpu_composed_ms": cc * 1e3,
            "fused_launches": [1, 2], "composed_launches": [launches.0, launches.1], "max_abs_diff": gd.max(cd)}));
    }
    if !json_out {
        println!("  fused: 1 kernel forward, 2 backward; composed: a gather, product and copy per (sample, head), then scale, mask and softmax over the whole score tensor ({} and {} launches at the gpt shape)", rows[0]["composed_launches"][0], rows[0]["composed_launches"][1]);
    }
    rows
}

/// The validation fraction that splits `classes` (training rows first) back
/// into exactly `train_len` training rows with Keras's "last" split.
pub(super) fn last_split_fraction(classes: &[usize], train_len: usize) -> f64 {
    let mut fraction = (((classes.len() - train_len) as f64 / classes.len() as f64) * 1e7).round() / 1e7;
    for _ in 0..20 {
        let (t, _) = split(classes, fraction as f32, SplitMode::Last, 42);
        match t.len().cmp(&train_len) {
            std::cmp::Ordering::Equal => break,
            std::cmp::Ordering::Greater => fraction += 1e-7,
            std::cmp::Ordering::Less => fraction -= 1e-7,
        }
    }
    fraction
}

/// rows.tsv: the training rows then the validation rows, with the
/// validation fraction that splits them back exactly (Keras's "last" split);
/// ids.json: the token ids every peer trains on.
pub(super) fn export_bench_data(dir: &Path, labels: &[String], train: &LabelledTexts, val: &LabelledTexts, enc: &Encoded, val_enc: &Encoded, settings: &TextSettings) -> Result<()> {
    let io = |e: std::io::Error| Error::io(dir.display(), &e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let classes: Vec<usize> = train.classes.iter().chain(&val.classes).copied().collect();
    let fraction = last_split_fraction(&classes, train.texts.len());
    let mut tsv = String::new();
    for (texts, cls) in [(&train.texts, &train.classes), (&val.texts, &val.classes)] {
        for (t, &c) in texts.iter().zip(cls) {
            tsv.push_str(&format!("{}\t{}\n", labels[c], t));
        }
    }
    std::fs::write(dir.join("rows.tsv"), tsv).map_err(io)?;
    let ints = |e: &Encoded| e.ids.iter().map(|r| r.iter().map(|&v| v as u32).collect::<Vec<_>>()).collect::<Vec<_>>();
    let ids = json!({
        "num_words": settings.num_words, "max_len": settings.max_len, "labels": labels, "val_split": fraction,
        "train": {"ids": ints(enc), "classes": enc.classes}, "val": {"ids": ints(val_enc), "classes": val_enc.classes},
    });
    std::fs::write(dir.join("ids.json"), ids.to_string()).map_err(io)?;
    Ok(())
}

/// An image workload's export: rows.csv (label,p0,… with the raw pixels,
/// training rows then validation rows, for the lab's `load_image_csv` with
/// the "last" split of `val_split`) and ids.json (the scaled pixels, flat
/// per image in height × width × channels order, that the peers train on).
pub(super) fn export_bench_images(dir: &Path, labels: &[String], train: &ImageSet, val: &ImageSet, enc: &Encoded, val_enc: &Encoded, scaling: Scaling) -> Result<()> {
    let io = |e: std::io::Error| Error::io(dir.display(), &e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let classes: Vec<usize> = train.classes.iter().chain(&val.classes).copied().collect();
    let fraction = last_split_fraction(&classes, train.len());
    let pixels = train.shape.iter().product::<usize>();
    let mut csv = String::from("label");
    for i in 0..pixels {
        csv.push_str(&format!(",p{i}"));
    }
    csv.push('\n');
    for set in [train, val] {
        for (px, &c) in set.pixels.iter().zip(&set.classes) {
            csv.push_str(&labels[c]);
            for v in px {
                csv.push_str(&format!(",{v}"));
            }
            csv.push('\n');
        }
    }
    std::fs::write(dir.join("rows.csv"), csv).map_err(io)?;
    let ids = json!({
        "kind": "image", "image_shape": train.shape, "scaling": scaling, "labels": labels, "val_split": fraction,
        "train": {"ids": enc.ids, "classes": enc.classes}, "val": {"ids": val_enc.ids, "classes": val_enc.classes},
    });
    std::fs::write(dir.join("ids.json"), ids.to_string()).map_err(io)?;
    Ok(())
}

/// GFLOP/s of the CPU backend's matrix product for square sizes.
pub(super) fn bench_matmul(sizes: &str, json_out: bool) -> Result<()> {
    let mut out = serde_json::Map::new();
    for size in sizes.split(',') {
        let n: usize = size.trim().parse().map_err(|_| Error::setting("--matmul", msg!("cli.not_a_size", value = size)))?;
        let gflops = crate::backend::cpu::matmul_gflops(n);
        out.insert(n.to_string(), json!(gflops));
        if !json_out {
            println!("matmul {n}×{n}×{n}: {gflops:.1} GFLOP/s");
        }
    }
    if json_out {
        println!("{}", json!({"system": "gradlab-native", "matmul_gflops": out}));
    }
    Ok(())
}
