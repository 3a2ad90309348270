//! Finite-difference gradient checks: every layer (weights and inputs),
//! every activation and every loss.
//!
//! The engine computes in f32, so the central difference (f(x+h) − f(x−h))/2h
//! carries the rounding of two f32 losses: about ε·|f|/h (ε = 2⁻²³). The
//! tolerance is 1e-3 relative plus that rounding floor (times 2, for the
//! rounding inside the forward pass), not a fixed 2e-2: a backward that is
//! off by 0.5% fails (see /tmp/notes/tests.md for the mutations tried). A
//! weight without a gradient fails instead of reading as 0.

mod common;

use common::assert_all_close;
use gradlab::autodiff::{Graph, Var};
use gradlab::backend::{prelude::*, CpuBackend, CpuTensor};
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::{Activation, ForwardCtx, LayerConfig};
use gradlab::trainer::forward_loss;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const STEP: f32 = 1e-3;
/// Relative tolerance between the numeric and the analytic gradient.
const RTOL: f32 = 1e-3;

/// The rounding floor of a central difference of f32 values `fp`, `fm` at step `h`.
fn floor(fp: f32, fm: f32, h: f32) -> f32 {
    2.0 * f32::EPSILON * fp.abs().max(fm.abs()).max(1e-3) / h
}

/// `num` (a central difference of `fp`, `fm` at step `h`) agrees with `ana`.
fn close_fd(num: f32, ana: f32, fp: f32, fm: f32, h: f32) -> bool {
    (num - ana).abs() <= RTOL * num.abs().max(ana.abs()) + floor(fp, fm, h)
}

/// Worst error seen, as a share of the tolerance, printed by each check
/// (so the margin is visible in the test output).
fn report(name: &str, worst: f32, checked: usize) {
    eprintln!("{}: {} gradients, worst error {:.2} of the tolerance", name, checked, worst);
}

fn j(s: &str) -> LayerConfig {
    serde_json::from_str(s).unwrap()
}

/// Check d loss / d weight for a model on token ids, for up to `per_tensor`
/// entries of every weight tensor.
fn check_model(name: &str, layers: Vec<LayerConfig>, ids: Vec<Vec<f32>>, classes: Vec<usize>, loss: Loss) {
    check_model_with_step(name, layers, ids, classes, loss, STEP)
}

fn check_model_with_step(name: &str, layers: Vec<LayerConfig>, ids: Vec<Vec<f32>>, classes: Vec<usize>, loss: Loss, step: f32) {
    let input_len = ids[0].len();
    check_model_shaped(name, layers, &[input_len], ids, classes, loss, step)
}

/// `check_model` for inputs of any per-sample shape (images [h, w, c]).
fn check_model_shaped(name: &str, layers: Vec<LayerConfig>, input_shape: &[usize], ids: Vec<Vec<f32>>, classes: Vec<usize>, loss: Loss, step: f32) {
    check_graph(name, layers, None, input_shape, ids, classes, loss, step)
}

/// `check_model_shaped` for a functional graph (see `Model::new_wired`).
#[allow(clippy::too_many_arguments)]
fn check_graph(name: &str, layers: Vec<LayerConfig>, wiring: Option<&[Vec<usize>]>, input_shape: &[usize], ids: Vec<Vec<f32>>, classes: Vec<usize>, loss: Loss, step: f32) {
    let be = CpuBackend;
    let mut model = Model::new_wired(be.clone(), &layers, wiring, input_shape, 3).unwrap();
    let rows: Vec<&Vec<f32>> = ids.iter().collect();
    let eval = |model: &Model<CpuBackend>| -> f32 {
        let mut g = Graph::new(&be);
        let vars = model.weight_vars(&mut g);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let (l, _) = forward_loss(model, loss, &mut g, &vars, &rows, &classes, &mut ForwardCtx { training: true, rng: &mut rng });
        be.download(g.value(l))[0]
    };
    let analytic: Vec<Vec<Vec<f32>>> = {
        let mut g = Graph::new(&be);
        let vars = model.weight_vars(&mut g);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let (l, _) = forward_loss(&model, loss, &mut g, &vars, &rows, &classes, &mut ForwardCtx { training: true, rng: &mut rng });
        let grads = g.backward(l);
        // Every trainable weight must have a gradient; non-trainable ones
        // (BatchNormalization's moving statistics) have none and are skipped.
        vars.iter()
            .enumerate()
            .map(|(li, ws)| {
                ws.iter()
                    .enumerate()
                    .map(|(wi, v)| match (model.layers[li].weights[wi].trainable, grads.get(*v)) {
                        (true, Some(t)) => be.download(t),
                        (true, None) => panic!("{}: layer {} weight {} has no gradient", name, li + 1, wi),
                        (false, _) => Vec::new(),
                    })
                    .collect()
            })
            .collect()
    };
    let mut worst = 0f32;
    let mut pick = ChaCha8Rng::seed_from_u64(1);
    let mut checked = 0;
    let mut nonzero = 0;
    for li in 0..model.weights.len() {
        for wi in 0..model.weights[li].len() {
            let base = be.download(&model.weights[li][wi]);
            let shape = be.shape(&model.weights[li][wi]).to_vec();
            if !model.layers[li].weights[wi].trainable {
                continue;
            }
            let n = base.len();
            assert_eq!(analytic[li][wi].len(), n, "{}: layer {} weight {}: the gradient has {} values, the weight {}", name, li + 1, wi, analytic[li][wi].len(), n);
            let idx: Vec<usize> = if n <= 24 { (0..n).collect() } else { (0..24).map(|_| pick.gen_range(0..n)).collect() };
            for i in idx {
                let mut plus = base.clone();
                plus[i] += step;
                model.weights[li][wi] = be.upload(&shape, &plus);
                let lp = eval(&model);
                let mut minus = base.clone();
                minus[i] -= step;
                model.weights[li][wi] = be.upload(&shape, &minus);
                let lm = eval(&model);
                model.weights[li][wi] = be.upload(&shape, &base);
                let num = (lp - lm) / (2.0 * step);
                let ana = analytic[li][wi][i];
                let tol = RTOL * num.abs().max(ana.abs()) + floor(lp, lm, step);
                worst = worst.max((num - ana).abs() / tol);
                assert!(close_fd(num, ana, lp, lm, step), "{}: layer {} weight {} [{}]: numeric {} vs analytic {} (tolerance {})", name, li + 1, wi, i, num, ana, tol);
                checked += 1;
                if ana.abs() > 1e-4 {
                    nonzero += 1;
                }
            }
        }
    }
    report(name, worst, checked);
    assert!(checked > 0 && nonzero * 4 >= checked, "{}: only {} of {} checked gradients are non-zero; the check would prove little", name, nonzero, checked);
}

fn ids_post() -> Vec<Vec<f32>> {
    vec![vec![3., 1., 4., 1., 5., 0., 0.], vec![2., 7., 1., 8., 2., 8., 1.], vec![6., 6., 0., 0., 0., 0., 0.]]
}

fn emb(mask: bool, d: usize) -> LayerConfig {
    j(&format!(r#"{{"type":"Embedding","input_dim":10,"output_dim":{},"mask_zero":{}}}"#, d, mask))
}

fn dense(u: usize, a: &str) -> LayerConfig {
    j(&format!(r#"{{"type":"Dense","units":{},"activation":"{}"}}"#, u, a))
}

#[test]
fn lstm_stack_masked_and_unmasked() {
    for mask in [true, false] {
        check_model(
            &format!("lstm mask={}", mask),
            vec![emb(mask, 4), j(r#"{"type":"LSTM","units":5,"return_sequences":true}"#), j(r#"{"type":"LSTM","units":3}"#), dense(3, "softmax")],
            ids_post(),
            vec![0, 1, 2],
            Loss::CategoricalCrossentropy,
        );
    }
}

#[test]
fn lstm_with_hard_sigmoid_gates() {
    check_model(
        "lstm hard_sigmoid",
        vec![emb(true, 4), j(r#"{"type":"LSTM","units":5,"recurrent_activation":"hard_sigmoid"}"#), dense(2, "softmax")],
        ids_post(),
        vec![0, 1, 1],
        Loss::CategoricalCrossentropy,
    );
}

#[test]
fn gru_masked_and_sequences() {
    check_model("gru", vec![emb(true, 4), j(r#"{"type":"GRU","units":5}"#), dense(2, "softmax")], ids_post(), vec![0, 1, 1], Loss::CategoricalCrossentropy);
    check_model("gru seq", vec![emb(false, 4), j(r#"{"type":"GRU","units":3,"return_sequences":true}"#), j(r#"{"type":"Flatten"}"#), dense(2, "softmax")], ids_post(), vec![1, 0, 1], Loss::CategoricalCrossentropy);
}

#[test]
fn conv1d_with_stride_and_pooling() {
    check_model("cnn avg", vec![emb(false, 4), j(r#"{"type":"Conv1D","filters":6,"kernel_size":3,"activation":"tanh"}"#), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(2, "softmax")], ids_post(), vec![0, 1, 0], Loss::CategoricalCrossentropy);
    // Max pooling is piecewise: a step of 1e-3 on embeddings of ±0.05 can
    // change which time step wins, so this check steps by 1e-4.
    check_model_with_step("cnn max", vec![emb(false, 4), j(r#"{"type":"Conv1D","filters":6,"kernel_size":3,"activation":"tanh"}"#), j(r#"{"type":"GlobalMaxPooling1D"}"#), dense(2, "softmax")], ids_post(), vec![0, 1, 0], Loss::CategoricalCrossentropy, 1e-4);
    check_model("cnn stride", vec![emb(false, 3), j(r#"{"type":"Conv1D","filters":4,"kernel_size":2,"strides":2,"activation":"linear"}"#), j(r#"{"type":"Flatten"}"#), dense(2, "softmax")], ids_post(), vec![0, 1, 0], Loss::CategoricalCrossentropy);
}

#[test]
fn average_pooling_masked_and_dropout() {
    check_model("bow", vec![emb(true, 4), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(6, "tanh"), dense(3, "softmax")], ids_post(), vec![2, 0, 1], Loss::CategoricalCrossentropy);
    // Dropout: the same seed gives the same mask in every evaluation.
    check_model("dropout", vec![emb(false, 4), j(r#"{"type":"Dropout","rate":0.3}"#), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")], ids_post(), vec![2, 0, 1], Loss::CategoricalCrossentropy);
}

/// Three random images of shape [h, w, c] in [0, 1).
fn images(h: usize, w: usize, c: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..3).map(|_| (0..h * w * c).map(|_| rng.gen_range(0.0..1.0)).collect()).collect()
}

fn check_images(name: &str, layers: Vec<LayerConfig>, shape: [usize; 3], step: f32) {
    check_model_shaped(name, layers, &shape, images(shape[0], shape[1], shape[2], 4), vec![0, 2, 1], Loss::CategoricalCrossentropy, step);
}

#[test]
fn conv2d_padding_and_strides() {
    // Each Conv2D after the first also checks col2im (the input gradient).
    check_images(
        "conv2d",
        vec![
            j(r#"{"type":"Conv2D","filters":3,"kernel_size":3,"activation":"tanh"}"#),
            j(r#"{"type":"Conv2D","filters":4,"kernel_size":[3,2],"strides":[2,1],"padding":"same","activation":"tanh"}"#),
            j(r#"{"type":"Conv2D","filters":2,"kernel_size":2,"strides":2,"padding":"valid","activation":"linear"}"#),
            j(r#"{"type":"Flatten"}"#),
            dense(3, "softmax"),
        ],
        [7, 6, 2],
        STEP,
    );
}

#[test]
fn pooling_2d_max_average_and_global() {
    // Max pooling is piecewise: a small step keeps each window's winner.
    check_images(
        "max pool",
        vec![
            j(r#"{"type":"Conv2D","filters":3,"kernel_size":2,"activation":"tanh"}"#),
            j(r#"{"type":"MaxPooling2D","pool_size":2,"strides":2,"padding":"same"}"#),
            j(r#"{"type":"Conv2D","filters":4,"kernel_size":2,"padding":"same","activation":"tanh"}"#),
            j(r#"{"type":"GlobalMaxPooling2D"}"#),
            dense(3, "softmax"),
        ],
        [6, 7, 1],
        1e-4,
    );
    check_images(
        "average pool",
        vec![
            j(r#"{"type":"Conv2D","filters":3,"kernel_size":2,"activation":"tanh"}"#),
            j(r#"{"type":"AveragePooling2D","pool_size":3,"strides":[2,1],"padding":"same"}"#),
            j(r#"{"type":"Conv2D","filters":4,"kernel_size":2,"activation":"tanh"}"#),
            j(r#"{"type":"AveragePooling2D"}"#),
            j(r#"{"type":"GlobalAveragePooling2D"}"#),
            dense(3, "softmax"),
        ],
        [7, 6, 3],
        STEP,
    );
}

#[test]
fn batch_normalization_on_images_and_vectors() {
    // Training mode: the batch's own statistics, whose gradients count.
    check_images(
        "batch norm image",
        vec![
            j(r#"{"type":"Conv2D","filters":3,"kernel_size":3,"activation":"tanh"}"#),
            j(r#"{"type":"BatchNormalization"}"#),
            j(r#"{"type":"Flatten"}"#),
            dense(3, "softmax"),
        ],
        [5, 4, 2],
        STEP,
    );
    check_images(
        "batch norm dense",
        vec![j(r#"{"type":"Flatten"}"#), dense(5, "tanh"), j(r#"{"type":"BatchNormalization","momentum":0.9}"#), j(r#"{"type":"Dropout","rate":0.2}"#), dense(3, "softmax")],
        [3, 3, 1],
        STEP,
    );
}

#[test]
fn layer_normalization_on_sequences_and_images() {
    // Each position's features, padded positions included (the mask passes through).
    check_model("layer norm seq", vec![emb(true, 4), j(r#"{"type":"LayerNormalization"}"#), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")], ids_post(), vec![2, 0, 1], Loss::CategoricalCrossentropy);
    check_images(
        "layer norm image",
        vec![
            j(r#"{"type":"Conv2D","filters":3,"kernel_size":3,"activation":"tanh"}"#),
            j(r#"{"type":"LayerNormalization","epsilon":1e-5}"#),
            j(r#"{"type":"Flatten"}"#),
            dense(3, "softmax"),
        ],
        [5, 4, 2],
        STEP,
    );
}

#[test]
fn every_activation_through_dense() {
    for act in Activation::ALL {
        check_model(
            act.keras_name(),
            vec![emb(false, 3), j(r#"{"type":"Flatten"}"#), dense(4, act.keras_name()), dense(2, "softmax")],
            ids_post(),
            vec![0, 1, 1],
            Loss::CategoricalCrossentropy,
        );
    }
}

#[test]
fn every_activation_derivative() {
    for act in Activation::ALL {
        if act == Activation::Softmax {
            continue;
        }
        for i in 0..41 {
            // Avoid the kink of relu/leaky_relu at exactly 0.
            let x = -4.0 + 0.2 * i as f32 + 0.013;
            let (fp, fm) = (act.f(x + STEP), act.f(x - STEP));
            let num = (fp - fm) / (2.0 * STEP);
            let ana = act.df(x, act.f(x));
            assert!(close_fd(num, ana, fp, fm, STEP), "{} at {}: numeric {} vs analytic {}", act.keras_name(), x, num, ana);
        }
    }
}

#[test]
fn every_loss_through_a_model() {
    for loss in Loss::ALL {
        let last = match loss {
            Loss::BinaryCrossentropy => dense(3, "sigmoid"),
            Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy => dense(3, "softmax"),
            _ => dense(3, "linear"),
        };
        check_model(loss.keras_name(), vec![emb(false, 4), j(r#"{"type":"Flatten"}"#), last], ids_post(), vec![0, 2, 1], loss);
    }
    // Cross-entropy on a softmax computed as its own layer (not fused).
    check_model("cce unfused", vec![emb(false, 4), j(r#"{"type":"Flatten"}"#), dense(3, "softmax")], ids_post(), vec![0, 2, 1], Loss::MeanSquaredError);
}

/// The raw loss gradients, element by element, against finite differences.
#[test]
fn loss_gradients_elementwise() {
    let be = CpuBackend;
    let pred = vec![0.6f32, 0.3, 0.1, 0.2, 0.5, 0.3];
    let target = vec![1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0];
    for loss in Loss::ALL {
        let t: CpuTensor = if loss == Loss::SparseCategoricalCrossentropy { be.upload(&[2], &[0.0, 2.0]) } else { be.upload(&[2, 3], &target) };
        let p = be.upload(&[2, 3], &pred);
        let ana = be.download(&be.loss_backward(loss, &p, &t));
        for i in 0..6 {
            let at = |d: f32| {
                let mut q = pred.clone();
                q[i] += d;
                be.download(&be.loss(loss, &be.upload(&[2, 3], &q), &t))[0]
            };
            let (fp, fm) = (at(STEP), at(-STEP));
            let num = (fp - fm) / (2.0 * STEP);
            assert!(close_fd(num, ana[i], fp, fm, STEP), "{} [{}]: numeric {} vs analytic {}", loss.keras_name(), i, num, ana[i]);
        }
    }
}

/// Sanity: the tape gives an input gradient for a chain of plain ops.
#[test]
fn tape_input_gradient() {
    let be = CpuBackend;
    let x0 = vec![0.3f32, -0.2, 0.5, 0.1, -0.4, 0.25];
    let f = |x: &[f32]| -> (f32, Vec<f32>) {
        let mut g = Graph::new(&be);
        let x = g.param(be.upload(&[2, 3], x));
        let w = g.constant(be.upload(&[3, 2], &[0.5, -0.3, 0.2, 0.8, -0.6, 0.1]));
        let y = g.matmul(x, w);
        let y = g.activation(y, Activation::Tanh);
        let t = g.constant(be.upload(&[2, 2], &[0.1, 0.2, 0.3, 0.4]));
        let l: Var = g.loss(Loss::MeanSquaredError, y, t);
        let grads = g.backward(l);
        (be.download(g.value(l))[0], be.download(grads.get(x).unwrap()))
    };
    let (_, ana) = f(&x0);
    for i in 0..6 {
        let mut p = x0.clone();
        p[i] += STEP;
        let mut m = x0.clone();
        m[i] -= STEP;
        let (fp, fm) = (f(&p).0, f(&m).0);
        let num = (fp - fm) / (2.0 * STEP);
        assert!(close_fd(num, ana[i], fp, fm, STEP), "x[{}]: numeric {} vs analytic {}", i, num, ana[i]);
    }
}

/// The fast exp/sigmoid/tanh used inside the recurrent cells agree with
/// the standard library closely enough for Keras parity.
#[test]
fn fast_math_is_accurate() {
    use gradlab::nn::activation::{fast_erfc, fast_exp, fast_sigmoid, fast_tanh};
    for i in 0..=20000 {
        let x = -40.0 + i as f32 * 0.004;
        let e = x.exp();
        assert!((fast_exp(x) - e).abs() <= 4e-7 * e, "exp({}) = {} vs {}", x, fast_exp(x), e);
        assert!((fast_tanh(x) - x.tanh()).abs() <= 3e-7, "tanh({})", x);
        let s = 1.0 / (1.0 + (-x).exp());
        assert!((fast_sigmoid(x) - s).abs() <= 3e-7, "sigmoid({})", x);
    }
    // erfc against libm's: relative where GELU's values live (its argument
    // is −x/√2), absolute everywhere.
    for i in 0..=40000 {
        let x = -10.0 + i as f32 * 0.0005;
        let (got, want) = (fast_erfc(x), libm::erfcf(x));
        assert!((got - want).abs() <= 2.4e-7, "erfc({}) = {} vs {}", x, got, want); // two ulps of 2
        if x.abs() <= 4.5 {
            assert!((got - want).abs() <= 2e-6 * want, "erfc({}) = {} vs {} (relative)", x, got, want);
        }
    }
}

/// The wasm matrix kernel against ndarray's, at shapes that break kernels:
/// fewer rows than its block, not a multiple of it, long K, one column.
#[test]
fn wasm_matmul_kernel_matches_ndarray() {
    use gradlab::backend::cpu::{matmul_rows, matmul_rows_bias};
    let be = CpuBackend;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (4, 4, 4), (7, 64, 33), (32, 64, 256), (5, 700, 3), (9, 3, 1), (3, 0, 5), (300, 200, 20)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a: Vec<f32> = (0..m * k).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let a_shape = if ta { [k, m] } else { [m, k] };
            let b_shape = if tb { [n, k] } else { [k, n] };
            let at = be.upload(&a_shape, &a);
            let bt = be.upload(&b_shape, &b);
            let want = be.download(&be.matmul(&at, &bt, ta, tb));
            let got = matmul_rows(&a, &b, m, k, n, ta, tb);
            assert_all_close(format!("{}x{}x{} ta={} tb={}", m, k, n, ta, tb), &got, &want, 1e-4, 1e-4);
            // With a bias the accumulators start at it: every row gains it.
            let bias: Vec<f32> = (0..n).map(|j| j as f32 - 2.5).collect();
            let got = matmul_rows_bias(&a, &b, m, k, n, ta, tb, Some(&bias));
            let want_bias: Vec<f32> = want.iter().enumerate().map(|(idx, w)| w + bias[idx % n]).collect();
            assert_all_close(format!("bias {}x{}x{} ta={} tb={}", m, k, n, ta, tb), &got, &want_bias, 1e-4, 1e-4);
        }
    }
}

fn token_and_position(positions: usize, d: usize, mask: bool) -> LayerConfig {
    j(&format!(r#"{{"type":"TokenAndPositionEmbedding","vocabulary_size":10,"sequence_length":{},"embedding_dim":{},"mask_zero":{}}}"#, positions, d, mask))
}

fn block(class: &str, ffn: usize, heads: usize, dropout: f32, act: &str, pre_ln: bool) -> LayerConfig {
    j(&format!(r#"{{"type":"{}","intermediate_dim":{},"num_heads":{},"dropout":{},"activation":"{}","normalize_first":{}}}"#, class, ffn, heads, dropout, act, pre_ln))
}

#[test]
fn transformer_encoders_with_padding_and_attention_dropout() {
    // A BERT-style classifier: post-LN with dropout on the attention
    // weights and both residual branches (the same masks on every
    // evaluation: the dropout stream is seeded), then pre-LN; padded rows,
    // pooled over the tokens only. Positions beyond the input (9 > 7) are
    // sliced off. Smooth activations: a step of 1e-3 in a token's vector
    // moves some ReLU input across its kink, which a central difference
    // cannot follow; the ReLU blocks' gradients match Keras's in
    // tests/transformer.rs.
    check_model(
        "transformer encoders",
        vec![token_and_position(9, 8, true), block("TransformerEncoder", 16, 2, 0.1, "gelu", false), block("TransformerEncoder", 12, 4, 0.0, "swish", true), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")],
        ids_post(),
        vec![2, 0, 1],
        Loss::CategoricalCrossentropy,
    );
}

#[test]
fn gpt_decoders_with_a_loss_at_every_position() {
    // A GPT: causal pre-LN and post-LN decoders, a final normalisation and
    // next-token logits at each of the 7 positions, a target for each.
    // The first normalisation sees token vectors of spread ~0.05 (their
    // initial scale), so the loss curves on that scale: a step of 2.5e-4
    // keeps the central difference's own error under the tolerance.
    let targets: Vec<usize> = (0..21).map(|i| (i * 7 + 2) % 10).collect();
    check_model_with_step(
        "gpt",
        vec![token_and_position(7, 8, false), block("TransformerDecoder", 16, 2, 0.0, "gelu", true), block("TransformerDecoder", 12, 4, 0.0, "tanh", false), j(r#"{"type":"LayerNormalization","epsilon":1e-5}"#), j(r#"{"type":"Dense","units":10}"#)],
        ids_post(),
        targets,
        Loss::SparseCategoricalCrossentropy,
        2.5e-4,
    );
}

#[test]
fn sinusoidal_positions_before_an_encoder() {
    // Embedding → SinePositionEncoding (added; the padding mask stops
    // there, as in Keras) → an encoder: the positions are constants, so the
    // gradient reaches the token vectors unchanged.
    check_model(
        "sine positions",
        vec![emb(true, 8), j(r#"{"type":"SinePositionEncoding","max_wavelength":100}"#), block("TransformerEncoder", 12, 2, 0.0, "gelu", false), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")],
        ids_post(),
        vec![1, 2, 0],
        Loss::CategoricalCrossentropy,
    );
}

#[test]
fn graph_layers_add_concatenate_and_multi_head_attention() {
    // An encoder block spelled out in a graph: self-attention under the
    // padding mask (dropout on its weights), residual Adds, LayerNormalization.
    // The normalisation sees token vectors of spread ~0.05, so, as for the
    // GPT above, a step of 2.5e-4 keeps the central difference's own error
    // under the tolerance.
    let mha = |json: &str| j(&format!(r#"{{"type":"MultiHeadAttention",{}}}"#, json));
    let add = || j(r#"{"type":"Add"}"#);
    let ln = || j(r#"{"type":"LayerNormalization","epsilon":1e-5}"#);
    check_graph(
        "residual self-attention",
        vec![emb(true, 6), mha(r#""num_heads":2,"key_dim":3,"dropout":0.2"#), add(), ln(), dense(6, "tanh"), add(), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")],
        Some(&[vec![0], vec![1, 1], vec![1, 2], vec![3], vec![4], vec![4, 5], vec![6], vec![7]]),
        &[7],
        ids_post(),
        vec![0, 2, 1],
        Loss::SparseCategoricalCrossentropy,
        2.5e-4,
    );
    // Cross-attention with a key of its own and a causal mask, value_dim and
    // output_shape; a Concatenate of two branches; a three-way Add.
    check_graph(
        "cross, causal attention over a concatenation",
        vec![
            emb(false, 5),
            dense(4, "tanh"),
            dense(3, "sigmoid"),
            j(r#"{"type":"Concatenate"}"#),
            mha(r#""num_heads":2,"key_dim":3,"value_dim":2,"output_shape":4,"use_causal_mask":true"#),
            add(),
            j(r#"{"type":"Add"}"#),
            j(r#"{"type":"Flatten"}"#),
            dense(3, "softmax"),
        ],
        Some(&[vec![0], vec![1], vec![1], vec![2, 3], vec![4, 1, 2], vec![5, 2], vec![6, 6, 2], vec![7], vec![8]]),
        &[7],
        ids_post(),
        vec![1, 0, 2],
        Loss::SparseCategoricalCrossentropy,
        STEP,
    );
    // Masks of their own: the query carries the padding mask and the value,
    // through a Conv1D (which drops it) shorter, none; then the other way.
    let conv = |k: usize| j(&format!(r#"{{"type":"Conv1D","filters":5,"kernel_size":{},"activation":"tanh"}}"#, k));
    check_graph(
        "attention from a padded query over an unmasked value",
        vec![emb(true, 5), conv(3), mha(r#""num_heads":2,"key_dim":3"#), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")],
        Some(&[vec![0], vec![1], vec![1, 2], vec![3], vec![4]]),
        &[7],
        ids_post(),
        vec![1, 0, 2],
        Loss::SparseCategoricalCrossentropy,
        STEP,
    );
    check_graph(
        "attention from an unmasked query over a padded value",
        vec![emb(true, 5), conv(2), mha(r#""num_heads":2,"key_dim":3"#), j(r#"{"type":"Flatten"}"#), dense(3, "softmax")],
        Some(&[vec![0], vec![1], vec![2, 1], vec![3], vec![4]]),
        &[7],
        ids_post(),
        vec![1, 0, 2],
        Loss::SparseCategoricalCrossentropy,
        STEP,
    );
}
