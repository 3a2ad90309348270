//! A model: a list of layers, their weights on a backend, and the checks
//! that make a layer list a model (shapes fit, the output is a class
//! vector). The layers form a graph, Keras's functional model: each reads
//! the outputs of earlier layers or the model's input (the wiring), and
//! the last layer's output is the model's. A sequential model is the
//! wiring where each layer reads the one before. The weights are the only
//! state; layers are plain configs.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Error, Message, Result};
use crate::msg;
use crate::nn::{ForwardCtx, LayerConfig, TokenIds, WeightSpec};

/// A layer placed in a model: its name and the shapes it sees.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    pub name: String,
    pub config: LayerConfig,
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
    pub weights: Vec<WeightSpec>,
    /// Whether a padding mask reaches this layer (its first input).
    pub receives_mask: bool,
    /// Where its inputs come from: 0 is the model's input, k the output of
    /// layer k (counting from 1), always an earlier one.
    pub inputs: Vec<usize>,
    /// Every input's shape (`input_shape` is the first's).
    pub input_shapes: Vec<Vec<usize>>,
}

impl LayerInfo {
    pub fn param_count(&self) -> usize {
        self.weights.iter().map(|w| w.shape.iter().product::<usize>()).sum()
    }
}

/// Where each layer of a sequential model reads from: the layer before.
pub fn sequential_wiring(layers: usize) -> Vec<Vec<usize>> {
    (0..layers).map(|i| vec![i]).collect()
}

/// Check a layer list for inputs of one sample's shape (`[max_len]` token
/// ids, or `[height, width, channels]` pixels) and name its layers as Keras
/// would (dense, dense_1, …): a sequential model.
pub fn architecture(layers: &[LayerConfig], input_shape: &[usize]) -> Result<Vec<LayerInfo>> {
    architecture_wired(layers, None, input_shape)
}

/// `architecture` for a graph: `wiring[i]` lists where layer i reads from
/// (see `LayerInfo::inputs`); None is the sequential chain.
pub fn architecture_wired(layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize]) -> Result<Vec<LayerInfo>> {
    if layers.is_empty() {
        return Err(Error::InvalidModel { index: 0, layer: "-".into(), reason: msg!("model.no_layers") });
    }
    if input_shape.is_empty() || input_shape.contains(&0) {
        let field = if input_shape.len() == 1 { "max_len" } else { "image_shape" };
        return Err(Error::setting(field, msg!("model.sizes_at_least_1")));
    }
    let chain = sequential_wiring(layers.len());
    let wiring = wiring.unwrap_or(&chain);
    if wiring.len() != layers.len() {
        return Err(Error::InvalidModel { index: 0, layer: "-".into(), reason: msg!("model.wiring_count", layers = layers.len(), wiring = wiring.len()) });
    }
    let invalid = |i: usize, reason: Message| Error::InvalidModel { index: i + 1, layer: layers[i].describe(), reason };
    for (i, (layer, from)) in layers.iter().zip(wiring).enumerate() {
        if let Some(&j) = from.iter().find(|&&j| j > i) {
            return Err(invalid(i, msg!("model.wiring_later", from = j)));
        }
        if from.contains(&0) {
            if input_shape.len() > 1 && layer.token_ids() == TokenIds::Reads {
                return Err(invalid(i, msg!("model.embedding_on_images", shape = format!("{:?}", input_shape))));
            }
            if input_shape.len() == 1 && layer.token_ids() == TokenIds::Refuses {
                return Err(invalid(i, msg!("model.text_needs_embedding")));
            }
        }
    }
    // Every layer's output but the last feeds a later layer.
    if let Some(i) = (0..layers.len() - 1).find(|&i| !wiring.iter().any(|from| from.contains(&(i + 1)))) {
        return Err(invalid(i, msg!("model.wiring_unused")));
    }
    // Per node (the input, then each layer's output): shape and mask.
    let mut shapes: Vec<Vec<usize>> = vec![input_shape.to_vec()];
    let mut masks = vec![false];
    let mut counts = std::collections::HashMap::new();
    let mut infos = Vec::with_capacity(layers.len());
    let mut params = 0usize;
    for (i, (layer, from)) in layers.iter().zip(wiring).enumerate() {
        let class = layer.class_name();
        let ins: Vec<&[usize]> = from.iter().map(|&j| shapes[j].as_slice()).collect();
        let out = layer.output_shapes(&ins).map_err(|reason| invalid(i, reason))?;
        if out.iter().any(|&d| d == 0) {
            return Err(invalid(i, msg!("model.empty_output", shape = format!("{:?}", out))));
        }
        let in_masks: Vec<bool> = from.iter().map(|&j| masks[j]).collect();
        let n = counts.entry(class).or_insert(0usize);
        let base = to_snake(class);
        let name = if *n == 0 { base } else { format!("{}_{}", base, n) };
        *n += 1;
        let weights = layer.weights_for(&ins);
        check_budget(i + 1, layer, &out, &weights, &mut params)?;
        let input_shapes: Vec<Vec<usize>> = ins.iter().map(|s| s.to_vec()).collect();
        infos.push(LayerInfo { name, config: layer.clone(), input_shape: input_shapes[0].clone(), weights, output_shape: out.clone(), receives_mask: in_masks[0], inputs: from.clone(), input_shapes });
        masks.push(layer.mask_out_of(&in_masks));
        shapes.push(out);
    }
    // A vector of class scores, or one per position (a language model's
    // next-token logits, [time, vocabulary]).
    let shape = shapes.last().unwrap();
    if shape.is_empty() || shape.len() > 2 {
        let last = layers.len();
        return Err(Error::InvalidModel {
            index: last,
            layer: layers[last - 1].describe(),
            reason: msg!("model.end_in_vector", shape = format!("{:?}", shape)),
        });
    }
    Ok(infos)
}

/// Whether layers read each other in a chain (a Sequential model).
pub fn is_sequential(layers: &[LayerInfo]) -> bool {
    layers.iter().enumerate().all(|(i, l)| l.inputs == [i])
}

/// `architecture` for a classifier, which must end in one vector of class
/// scores (a model that scores every position is a language model's).
pub fn classifier_architecture(layers: &[LayerConfig], input_shape: &[usize]) -> Result<Vec<LayerInfo>> {
    classifier_architecture_wired(layers, None, input_shape)
}

/// `classifier_architecture` for a graph.
pub fn classifier_architecture_wired(layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize]) -> Result<Vec<LayerInfo>> {
    let infos = architecture_wired(layers, wiring, input_shape)?;
    let last = infos.last().expect("architecture refuses an empty model");
    if last.output_shape.len() != 1 {
        return Err(Error::InvalidModel { index: infos.len(), layer: last.config.describe(), reason: msg!("model.end_in_vector", shape = format!("{:?}", last.output_shape)) });
    }
    Ok(infos)
}

/// The most parameters a model may have: 100 million f32s are 400 MB, and
/// training keeps three or four copies (gradients, optimizer moments), which
/// is what a browser tab's 4 GB WebAssembly memory can hold.
pub const MAX_PARAMS: usize = 100_000_000;
/// The most values one layer may output for one sample (a batch holds
/// `batch size` times as many).
pub const MAX_LAYER_OUTPUT: usize = 32_000_000;

/// Refuse a layer whose weights or output are absurdly large before
/// anything is allocated (sizes are multiplied with overflow checks).
fn check_budget(index: usize, layer: &LayerConfig, out: &[usize], weights: &[WeightSpec], params: &mut usize) -> Result<()> {
    let product = |dims: &[usize]| dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let too_big = |reason: Message| Error::InvalidModel { index, layer: layer.describe(), reason };
    match product(out) {
        Some(n) if n <= MAX_LAYER_OUTPUT => {}
        _ => return Err(too_big(msg!("model.output_too_big", shape = format!("{:?}", out), max = MAX_LAYER_OUTPUT))),
    }
    let own = weights.iter().try_fold(0usize, |acc, w| product(&w.shape).and_then(|n| acc.checked_add(n)));
    match own.and_then(|n| params.checked_add(n)) {
        Some(total) if total <= MAX_PARAMS => *params = total,
        _ => {
            return Err(too_big(match own {
                Some(n) => msg!("model.too_many_params", count = n, max = MAX_PARAMS),
                None => msg!("model.uncountable_params", max = MAX_PARAMS),
            }));
        }
    }
    Ok(())
}

/// Keras's layer names: its `to_snake_case` of the class name ("Conv2D"
/// → "conv2d", "GlobalMaxPooling1D" → "global_max_pooling1d", "LSTM" →
/// "lstm"): an underscore before each capital that starts a lower-case run
/// or follows a lower-case letter.
fn to_snake(class: &str) -> String {
    let c: Vec<char> = class.chars().filter(|c| c.is_alphanumeric() || *c == '_').collect();
    let mut out = String::new();
    for (i, &ch) in c.iter().enumerate() {
        let starts_word = ch.is_ascii_uppercase() && i > 0 && (c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()) || c[i - 1].is_ascii_lowercase());
        if starts_word && !out.ends_with('_') {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// One layer's output in a trace: its shape (batch first), values, and the
/// mask [batch, time] it received, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTrace {
    pub shape: Vec<usize>,
    pub output: Vec<f32>,
    pub mask_in: Option<Vec<f32>>,
}

pub struct Model<B: Backend> {
    pub backend: B,
    /// One sample's shape: [max_len] token ids or [height, width, channels].
    pub input_shape: Vec<usize>,
    /// Values in one sample (the product of `input_shape`).
    pub input_len: usize,
    pub layers: Vec<LayerInfo>,
    /// Per layer, its weights in Keras's order.
    pub weights: Vec<Vec<B::Tensor>>,
}

impl<B: Backend> Model<B> {
    /// Build and initialise with Keras's default initialisers from `seed`.
    pub fn new(backend: B, layers: &[LayerConfig], input_shape: &[usize], seed: u64) -> Result<Self> {
        Self::new_wired(backend, layers, None, input_shape, seed)
    }

    /// `new` for a graph (see `architecture_wired`).
    pub fn new_wired(backend: B, layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize], seed: u64) -> Result<Self> {
        let layers = architecture_wired(layers, wiring, input_shape)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let weights = layers
            .iter()
            .map(|l| {
                let ins: Vec<&[usize]> = l.input_shapes.iter().map(|s| s.as_slice()).collect();
                let values = l.config.init_for(&ins, &mut rng);
                l.weights.iter().zip(values).map(|(spec, v)| backend.upload(&spec.shape, &v)).collect()
            })
            .collect();
        Ok(Model { backend, input_shape: input_shape.to_vec(), input_len: input_shape.iter().product(), layers, weights })
    }

    /// Build with given weights (per layer, Keras order and layout).
    pub fn with_weights(backend: B, layers: &[LayerConfig], input_shape: &[usize], values: Vec<Vec<Vec<f32>>>) -> Result<Self> {
        Self::with_weights_wired(backend, layers, None, input_shape, values)
    }

    /// `with_weights` for a graph (see `architecture_wired`).
    pub fn with_weights_wired(backend: B, layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize], values: Vec<Vec<Vec<f32>>>) -> Result<Self> {
        let mut model = Model::new_wired(backend, layers, wiring, input_shape, 0)?;
        model.set_weights(values)?;
        Ok(model)
    }

    /// Where each layer reads from, or None for a sequential model.
    pub fn wiring(&self) -> Option<Vec<Vec<usize>>> {
        (!is_sequential(&self.layers)).then(|| self.layers.iter().map(|l| l.inputs.clone()).collect())
    }

    /// Whether the layers from `start` on read nothing before layer
    /// `start`'s output (0-based: the input of layer `start`), so
    /// `forward_from(start)` needs only that.
    pub fn cuts_at(&self, start: usize) -> bool {
        self.layers[start..].iter().all(|l| l.inputs.iter().all(|&j| j >= start))
    }

    /// Classes (or vocabulary) the last layer scores.
    pub fn output_classes(&self) -> usize {
        self.layers.last().and_then(|l| l.output_shape.last().copied()).unwrap_or(0)
    }
    /// Predictions per sample: 1, or every position for a model whose
    /// output is a sequence (a language model's next-token logits).
    pub fn positions(&self) -> usize {
        match self.layers.last().map(|l| l.output_shape.as_slice()) {
            Some([t, _]) => *t,
            _ => 1,
        }
    }
    pub fn param_count(&self) -> usize {
        self.layers.iter().map(|l| l.param_count()).sum()
    }
    pub fn configs(&self) -> Vec<LayerConfig> {
        self.layers.iter().map(|l| l.config.clone()).collect()
    }

    /// Token ids must index the Embedding's table: a tokenizer with more
    /// words than the model was built for is an error, not a crash.
    pub fn check_ids(&self, ids: &[Vec<f32>]) -> Result<()> {
        if let Some(rows) = self.layers.iter().filter(|l| l.inputs.contains(&0)).filter_map(|l| l.config.vocabulary()).min() {
            if let Some(&max) = ids.iter().flatten().max_by(|a, b| a.total_cmp(b)) {
                if max as usize >= rows || max < 0.0 {
                    return Err(Error::setting("num_words", msg!("model.token_id_rows", id = max, rows = rows)));
                }
            }
        }
        if let Some(row) = ids.iter().find(|r| r.len() != self.input_len) {
            return Err(Error::shape("model_input", msg!("model.row_length", got = row.len(), want = self.input_len, shape = format!("{:?}", self.input_shape))));
        }
        Ok(())
    }

    /// Whether the last layer is a softmax that the loss can take logits of.
    pub fn ends_in_softmax(&self) -> bool {
        self.layers.last().is_some_and(|l| l.config.without_softmax().is_some())
    }

    /// The weights as tape values, in layer order: trainable ones receive
    /// gradients, state (moving statistics) does not.
    pub fn weight_vars(&self, g: &mut Graph<B>) -> Vec<Vec<Var>> {
        self.layers
            .iter()
            .zip(&self.weights)
            .map(|(l, ws)| l.weights.iter().zip(ws).map(|(spec, w)| if spec.trainable { g.param(w.clone()) } else { g.constant(w.clone()) }).collect())
            .collect()
    }

    /// Whether each weight, flattened in layer order, is trainable.
    pub fn trainable_mask(&self) -> Vec<bool> {
        self.layers.iter().flat_map(|l| l.weights.iter().map(|w| w.trainable)).collect()
    }

    /// Store the new values of non-trainable weights that a training pass
    /// recorded on the tape (`Graph::assign`), given the weights' tape vars.
    pub fn apply_updates(&mut self, vars: &[Vec<Var>], updates: Vec<(Var, B::Tensor)>) {
        for (var, value) in updates {
            for (li, ws) in vars.iter().enumerate() {
                if let Some(wi) = ws.iter().position(|v| *v == var) {
                    self.weights[li][wi] = value;
                    break;
                }
            }
        }
    }

    /// The batch shape of `n` samples: [n, ..input_shape].
    pub fn batch_shape(&self, n: usize) -> Vec<usize> {
        std::iter::once(n).chain(self.input_shape.iter().copied()).collect()
    }

    /// The forward pass over token ids [batch, input_len]. With `logits`
    /// a final softmax is left out (the loss applies it). Returns the output.
    pub fn forward(&self, g: &mut Graph<B>, vars: &[Vec<Var>], ids: Var, ctx: &mut ForwardCtx, logits: bool) -> Var {
        self.forward_seen(g, vars, 0, ids, None, ctx, logits, |_, _, _| {})
    }

    /// The forward pass from layer `start` on, given what layer `start - 1`
    /// put out and its mask: attributions feed interpolated embeddings
    /// this way.
    pub fn forward_from(&self, g: &mut Graph<B>, vars: &[Vec<Var>], start: usize, x: Var, mask: Option<Var>, ctx: &mut ForwardCtx, logits: bool) -> Var {
        self.forward_seen(g, vars, start, x, mask, ctx, logits, |_, _, _| {})
    }

    /// `forward_from`, calling `seen(graph, layer output, mask the layer
    /// got)` after every layer. Layers run in order, each reading the
    /// outputs (and masks) its wiring names.
    #[allow(clippy::too_many_arguments)]
    fn forward_seen(&self, g: &mut Graph<B>, vars: &[Vec<Var>], start: usize, x: Var, mask: Option<Var>, ctx: &mut ForwardCtx, logits: bool, mut seen: impl FnMut(&Graph<B>, Var, Option<Var>)) -> Var {
        assert!(self.cuts_at(start), "forward_from({start}): a later layer reads an earlier output");
        // Per node: the model's input (0) and each layer's output.
        let mut nodes: Vec<Option<(Var, Option<Var>)>> = vec![None; self.layers.len() + 1];
        nodes[start] = Some((x, mask));
        let last = self.layers.len() - 1;
        let mut y = x;
        for (i, (layer, w)) in self.layers.iter().zip(vars).enumerate().skip(start) {
            let (xs, masks): (Vec<Var>, Vec<Option<Var>>) = layer.inputs.iter().map(|&j| nodes[j].expect("wiring reads earlier layers")).unzip();
            let (out, m) = match layer.config.without_softmax() {
                Some(logits_layer) if i == last && logits => logits_layer.forward_many(g, w, &xs, &masks, ctx),
                _ => layer.config.forward_many(g, w, &xs, &masks, ctx),
            };
            seen(g, out, masks[0]);
            nodes[i + 1] = Some((out, m));
            y = out;
        }
        y
    }

    /// Every layer's output (and the mask it received) for rows of token
    /// ids, in inference mode: what the page's "inside the model" view shows.
    pub fn trace(&self, ids: &[Vec<f32>]) -> Vec<LayerTrace> {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let flat: Vec<f32> = ids.iter().flat_map(|r| r.iter().copied()).collect();
        let mut g = Graph::new(&self.backend);
        let vars: Vec<Vec<Var>> = self.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect();
        let x = g.constant(self.backend.upload(&self.batch_shape(ids.len()), &flat));
        let mut out = Vec::with_capacity(self.layers.len());
        let be = &self.backend;
        self.forward_seen(&mut g, &vars, 0, x, None, &mut ForwardCtx { training: false, rng: &mut rng }, false, |g, y, mask_in| {
            out.push(LayerTrace { shape: g.shape(y), output: be.download(g.value(y)), mask_in: mask_in.map(|m| be.download(g.value(m))) });
        });
        out
    }

    /// Class probabilities for rows of token ids, in batches.
    pub fn predict(&self, ids: &[Vec<f32>], batch_size: usize) -> Vec<Vec<f32>> {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(batch_size.max(1)) {
            let flat: Vec<f32> = chunk.iter().flat_map(|r| r.iter().copied()).collect();
            let mut g = Graph::new(&self.backend);
            let vars: Vec<Vec<Var>> = self.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect();
            let x = g.constant(self.backend.upload(&self.batch_shape(chunk.len()), &flat));
            let y = self.forward(&mut g, &vars, x, &mut ForwardCtx { training: false, rng: &mut rng }, false);
            let n = self.output_classes();
            out.extend(self.backend.download(g.value(y)).chunks(n).map(|r| r.to_vec()));
        }
        out
    }

    /// All weights, downloaded.
    pub fn get_weights(&self) -> Vec<Vec<Vec<f32>>> {
        self.weights.iter().map(|ws| ws.iter().map(|w| self.backend.download(w)).collect()).collect()
    }

    pub fn set_weights(&mut self, values: Vec<Vec<Vec<f32>>>) -> Result<()> {
        if values.len() != self.layers.len() {
            return Err(Error::shape("set_weights", msg!("model.weight_layers", got = values.len(), want = self.layers.len())));
        }
        for (li, (layer, vals)) in self.layers.iter().zip(values).enumerate() {
            if vals.len() != layer.weights.len() {
                return Err(Error::shape("set_weights", msg!("model.weight_count", index = li + 1, layer = &layer.name, want = layer.weights.len(), got = vals.len())));
            }
            for (wi, (spec, v)) in layer.weights.iter().zip(vals).enumerate() {
                let n: usize = spec.shape.iter().product();
                if v.len() != n {
                    return Err(Error::shape("set_weights", msg!("model.weight_size", layer = &layer.name, weight = &spec.name, shape = format!("{:?}", spec.shape), want = n, got = v.len())));
                }
                self.weights[li][wi] = self.backend.upload(&spec.shape, &v);
            }
        }
        Ok(())
    }

    /// A Keras-style summary table.
    pub fn summary(&self) -> String {
        summary(&self.layers)
    }
}

/// A Keras-style summary of checked layers; a graph's lists each layer's
/// inputs ("Connected to"), as Keras's summary of a functional model.
pub fn summary(layers: &[LayerInfo]) -> String {
    let mut s = String::new();
    let graph = !is_sequential(layers);
    let source = |j: usize| if j == 0 { "input".to_string() } else { layers[j - 1].name.clone() };
    let names: Vec<String> = layers.iter().map(|l| format!("{} ({})", l.name, l.config.class_name())).collect();
    // Columns as wide as their longest entry, as Keras's table.
    let first = names.iter().map(|n| n.chars().count() + 2).max().unwrap_or(0).max(34);
    let width = first + 24 + 14 + if graph { 2 + layers.iter().map(|l| l.inputs.iter().map(|&j| source(j).len() + 2).sum::<usize>()).max().unwrap_or(0).max(12) } else { 0 };
    let line = "─".repeat(width);
    s.push_str(&format!("{:<first$}{:<24}{:>14}", "Layer (type)", "Output Shape", "Param #"));
    if graph {
        s.push_str("  Connected to");
    }
    s.push_str(&format!("\n{}\n", line));
    for (l, name) in layers.iter().zip(&names) {
        let shape = format!("(None, {})", l.output_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "));
        s.push_str(&format!("{:<first$}{:<24}{:>14}", name, shape, l.param_count()));
        if graph {
            s.push_str(&format!("  {}", l.inputs.iter().map(|&j| source(j)).collect::<Vec<_>>().join(", ")));
        }
        s.push('\n');
    }
    let total: usize = layers.iter().map(|l| l.param_count()).sum();
    s.push_str(&format!("{}\nTotal params: {} ({:.2} KB)\n", line, total, total as f64 * 4.0 / 1024.0));
    s
}
