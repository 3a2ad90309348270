//! Reverse-mode automatic differentiation over any backend, in the manner of
//! micrograd: each operation records itself on a tape with its inputs, and
//! `backward` walks the tape from the end, each op adding its share of the
//! gradient into its inputs. Layers are written only in terms of these ops.
//!
//! The ops are the backend's primitives; their gradient rules are all here,
//! one match arm each, so the backends need no autodiff code.

use crate::backend::{Backend, PoolKind, Window2d};
use crate::backend::loss::Loss;
use crate::backend::activation::{Activation, GateActivation};

/// A value on the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Var(usize);

#[derive(Debug, Clone)]
enum Op {
    /// A parameter or input; `trainable` leaves receive gradients.
    Leaf,
    MatMul(Var, Var),
    MatMulBias(Var, Var, Var),
    Add(Var, Var),
    Mul(Var, Var),
    AddBias(Var, Var),
    Activation(Var, Activation),
    Reshape(Var),
    Gather { table: Var, ids: Var },
    TimeSlice(Var, usize),
    TimeStack(Vec<Var>),
    ColsSlice(Var, usize),
    /// Inputs [rows, dᵢ] side by side; holds each one's first column.
    ConcatCols(Vec<(Var, usize)>),
    LstmCell { z: Var, hc_prev: Var, mask: Option<(Var, usize)>, gate: GateActivation },
    GruCell { xz: Var, hz: Var, h_prev: Var, mask: Option<(Var, usize)> },
    Im2col { x: Var, kernel: usize, stride: usize },
    Im2col2d { x: Var, win: Window2d },
    Pool2d { x: Var, win: Window2d, kind: PoolKind },
    /// `batch_stats`: mean and var were computed from x (training).
    BatchNorm { x: Var, gamma: Var, beta: Var, mean: Var, var: Var, eps: f32, batch_stats: bool },
    LayerNorm { x: Var, gamma: Var, beta: Var, eps: f32 },
    /// Holds the attention probabilities as `saved`.
    Attention { q: Var, k: Var, v: Var, drop: Option<Var>, heads: usize },
    MaxOverTime(Var),
    MeanOverTime(Var, Option<Var>),
    Loss { loss: Loss, pred: Var, target: Var },
    /// Holds the probabilities as `saved`.
    SoftmaxCrossEntropy { logits: Var, target: Var, sparse: bool },
}

struct Node<B: Backend> {
    value: B::Tensor,
    op: Op,
    needs_grad: bool,
    saved: Option<B::Tensor>,
}

pub struct Graph<'b, B: Backend> {
    pub backend: &'b B,
    nodes: Vec<Node<B>>,
    /// New values for non-trainable weights (moving statistics) computed by
    /// the forward pass, applied by the trainer after the step.
    pub updates: Vec<(Var, B::Tensor)>,
    /// Also collect, for an Embedding's table, the sum of each token's
    /// squared gradient (what Keras's optimizers square; see
    /// `UpdateRule::apply`).
    pub token_squares: bool,
    /// Every attention of the forward pass in order, whose probabilities
    /// `saved` gives (the pictures of what each head attends to).
    pub attentions: Vec<Var>,
}

/// Gradients from one `backward` call, indexed by `Var`.
pub struct Gradients<B: Backend> {
    grads: Vec<Option<B::Tensor>>,
    /// Per value: Σ over tokens of each token's squared gradient, while all
    /// of its gradient came through gathers (an Embedding's table).
    squares: Vec<Option<B::Tensor>>,
}

impl<B: Backend> Gradients<B> {
    /// The per-token squares of `v`'s gradient, when `v` is a table whose
    /// whole gradient came from gathers and the graph was asked for them.
    pub fn take_token_squares(&mut self, v: Var) -> Option<B::Tensor> {
        self.squares[v.0].take()
    }
    pub fn get(&self, v: Var) -> Option<&B::Tensor> {
        self.grads[v.0].as_ref()
    }
    pub fn take(&mut self, v: Var) -> Option<B::Tensor> {
        self.grads[v.0].take()
    }
}

impl<'b, B: Backend> Graph<'b, B> {
    pub fn new(backend: &'b B) -> Self {
        Graph { backend, nodes: Vec::with_capacity(1024), updates: Vec::new(), token_squares: false, attentions: Vec::new() }
    }

    fn push(&mut self, value: B::Tensor, op: Op, inputs: &[Var]) -> Var {
        let needs_grad = inputs.iter().any(|v| self.nodes[v.0].needs_grad);
        self.nodes.push(Node { value, op, needs_grad, saved: None });
        Var(self.nodes.len() - 1)
    }

    /// A value that receives a gradient (a parameter).
    pub fn param(&mut self, t: B::Tensor) -> Var {
        self.nodes.push(Node { value: t, op: Op::Leaf, needs_grad: true, saved: None });
        Var(self.nodes.len() - 1)
    }
    /// A value that receives none (inputs, targets, masks).
    pub fn constant(&mut self, t: B::Tensor) -> Var {
        self.nodes.push(Node { value: t, op: Op::Leaf, needs_grad: false, saved: None });
        Var(self.nodes.len() - 1)
    }

    pub fn value(&self, v: Var) -> &B::Tensor {
        &self.nodes[v.0].value
    }
    pub fn shape(&self, v: Var) -> Vec<usize> {
        self.backend.shape(&self.nodes[v.0].value).to_vec()
    }
    /// The probabilities saved by a fused softmax cross-entropy or an
    /// attention.
    pub fn saved(&self, v: Var) -> Option<&B::Tensor> {
        self.nodes[v.0].saved.as_ref()
    }

    pub fn matmul(&mut self, a: Var, b: Var) -> Var {
        let y = self.backend.matmul(self.value(a), self.value(b), false, false);
        self.push(y, Op::MatMul(a, b), &[a, b])
    }
    /// a·w + bias in one backend op (the GPU adds the bias as it writes the
    /// product, saving a pass over the output).
    pub fn matmul_bias(&mut self, a: Var, w: Var, bias: Var) -> Var {
        let y = self.backend.matmul_bias(self.value(a), self.value(w), self.value(bias));
        self.push(y, Op::MatMulBias(a, w, bias), &[a, w, bias])
    }
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        let y = self.backend.add(self.value(a), self.value(b));
        self.push(y, Op::Add(a, b), &[a, b])
    }
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        let y = self.backend.mul(self.value(a), self.value(b));
        self.push(y, Op::Mul(a, b), &[a, b])
    }
    pub fn add_bias(&mut self, x: Var, bias: Var) -> Var {
        let y = self.backend.add_bias(self.value(x), self.value(bias));
        self.push(y, Op::AddBias(x, bias), &[x, bias])
    }
    pub fn activation(&mut self, x: Var, act: Activation) -> Var {
        if act == Activation::Linear {
            return x;
        }
        let y = self.backend.activation(act, self.value(x));
        self.push(y, Op::Activation(x, act), &[x])
    }
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Var {
        let y = self.backend.reshape(self.value(x), shape);
        self.push(y, Op::Reshape(x), &[x])
    }
    pub fn gather(&mut self, table: Var, ids: Var) -> Var {
        let y = self.backend.gather_rows(self.value(table), self.value(ids));
        self.push(y, Op::Gather { table, ids }, &[table])
    }
    pub fn time_slice(&mut self, x: Var, t: usize) -> Var {
        let y = self.backend.time_slice(self.value(x), t);
        self.push(y, Op::TimeSlice(x, t), &[x])
    }
    pub fn time_stack(&mut self, xs: &[Var]) -> Var {
        let vals: Vec<&B::Tensor> = xs.iter().map(|v| self.value(*v)).collect();
        let y = self.backend.time_stack(&vals);
        self.push(y, Op::TimeStack(xs.to_vec()), xs)
    }
    pub fn cols_slice(&mut self, x: Var, start: usize, len: usize) -> Var {
        let y = self.backend.cols_slice(self.value(x), start, len);
        self.push(y, Op::ColsSlice(x, start), &[x])
    }
    /// Matrices [rows, dᵢ] side by side as [rows, Σdᵢ] (a Concatenate on
    /// the last axis): each one added into its columns of zeros, so both
    /// backends do it with the ops a column slice's gradient uses.
    pub fn concat_cols(&mut self, xs: &[Var]) -> Var {
        let rows = self.shape(xs[0])[0];
        let total: usize = xs.iter().map(|&x| self.shape(x)[1]).sum();
        let mut y = self.backend.zeros(&[rows, total]);
        let mut parts = Vec::with_capacity(xs.len());
        let mut start = 0;
        for &x in xs {
            assert_eq!(self.shape(x)[0], rows, "concat_cols: rows differ");
            self.backend.cols_slice_add(&mut y, start, self.value(x));
            parts.push((x, start));
            start += self.shape(x)[1];
        }
        self.push(y, Op::ConcatCols(parts), xs)
    }
    pub fn lstm_cell(&mut self, z: Var, hc_prev: Var, mask: Option<(Var, usize)>, gate: GateActivation) -> Var {
        let y = self.backend.lstm_cell(self.value(z), self.value(hc_prev), mask.map(|(m, t)| (self.value(m), t)), gate);
        self.push(y, Op::LstmCell { z, hc_prev, mask, gate }, &[z, hc_prev])
    }
    pub fn gru_cell(&mut self, xz: Var, hz: Var, h_prev: Var, mask: Option<(Var, usize)>) -> Var {
        let y = self.backend.gru_cell(self.value(xz), self.value(hz), self.value(h_prev), mask.map(|(m, t)| (self.value(m), t)));
        self.push(y, Op::GruCell { xz, hz, h_prev, mask }, &[xz, hz, h_prev])
    }
    pub fn im2col(&mut self, x: Var, kernel: usize, stride: usize) -> Var {
        let y = self.backend.im2col_1d(self.value(x), kernel, stride);
        self.push(y, Op::Im2col { x, kernel, stride }, &[x])
    }
    pub fn im2col_2d(&mut self, x: Var, win: Window2d) -> Var {
        let y = self.backend.im2col_2d(self.value(x), &win);
        self.push(y, Op::Im2col2d { x, win }, &[x])
    }
    pub fn pool_2d(&mut self, x: Var, win: Window2d, kind: PoolKind) -> Var {
        let y = self.backend.pool_2d(self.value(x), &win, kind);
        self.push(y, Op::Pool2d { x, win, kind }, &[x])
    }
    /// Batch normalisation with the given statistics; `batch_stats` says they
    /// were computed from `x` itself, so gradients flow through them too.
    #[allow(clippy::too_many_arguments)]
    pub fn batch_norm(&mut self, x: Var, gamma: Var, beta: Var, mean: Var, var: Var, eps: f32, batch_stats: bool) -> Var {
        let y = self.backend.batch_norm(self.value(x), self.value(mean), self.value(var), self.value(gamma), self.value(beta), eps);
        self.push(y, Op::BatchNorm { x, gamma, beta, mean, var, eps, batch_stats }, &[x, gamma, beta])
    }
    /// Layer normalisation over the last axis (see `Backend::layer_norm`).
    pub fn layer_norm(&mut self, x: Var, gamma: Var, beta: Var, eps: f32) -> Var {
        let y = self.backend.layer_norm(self.value(x), self.value(gamma), self.value(beta), eps);
        self.push(y, Op::LayerNorm { x, gamma, beta, eps }, &[x, gamma, beta])
    }
    /// Scaled dot-product attention over `heads` (see
    /// `Backend::attention`); the probabilities stay on the tape, where
    /// `saved` reads them for pictures.
    #[allow(clippy::too_many_arguments)]
    pub fn attention(&mut self, q: Var, k: Var, v: Var, mask: Option<Var>, drop: Option<Var>, heads: usize, causal: bool) -> Var {
        let (y, probs) = self.backend.attention(self.value(q), self.value(k), self.value(v), mask.map(|m| self.value(m)), drop.map(|d| self.value(d)), heads, causal);
        let out = self.push(y, Op::Attention { q, k, v, drop, heads }, &[q, k, v]);
        self.nodes[out.0].saved = Some(probs);
        self.attentions.push(out);
        out
    }
    /// Record a new value for a non-trainable weight.
    pub fn assign(&mut self, weight: Var, value: B::Tensor) {
        self.updates.push((weight, value));
    }
    pub fn max_over_time(&mut self, x: Var) -> Var {
        let y = self.backend.max_over_time(self.value(x));
        self.push(y, Op::MaxOverTime(x), &[x])
    }
    pub fn mean_over_time(&mut self, x: Var, mask: Option<Var>) -> Var {
        let y = self.backend.mean_over_time(self.value(x), mask.map(|m| self.value(m)));
        self.push(y, Op::MeanOverTime(x, mask), &[x])
    }
    pub fn loss(&mut self, loss: Loss, pred: Var, target: Var) -> Var {
        let y = self.backend.loss(loss, self.value(pred), self.value(target));
        self.push(y, Op::Loss { loss, pred, target }, &[pred])
    }
    pub fn softmax_cross_entropy(&mut self, logits: Var, target: Var, sparse: bool) -> Var {
        let (probs, y) = self.backend.softmax_cross_entropy(self.value(logits), self.value(target), sparse);
        let v = self.push(y, Op::SoftmaxCrossEntropy { logits, target, sparse }, &[logits]);
        self.nodes[v.0].saved = Some(probs);
        v
    }

    /// Gradients of the scalar `root` (a loss) with respect to every value
    /// that needs one.
    pub fn backward(&self, root: Var) -> Gradients<B> {
        let be = self.backend;
        let mut grads: Vec<Option<B::Tensor>> = vec![None; self.nodes.len()];
        grads[root.0] = Some(be.full(&[1], 1.0));
        // Per-token squares of leaves fed only by gathers; `false` once any
        // other gradient reaches a leaf.
        let mut squares: Vec<Option<B::Tensor>> = vec![None; self.nodes.len()];
        let only_gathers: Vec<std::cell::Cell<bool>> = vec![std::cell::Cell::new(true); self.nodes.len()];
        for i in (0..=root.0).rev() {
            let node = &self.nodes[i];
            if !node.needs_grad {
                continue;
            }
            let Some(g) = grads[i].take() else { continue };
            // Leaves keep their gradient; everything else passes it on.
            if let Op::Leaf = node.op {
                grads[i] = Some(g);
                continue;
            }
            let val = |v: Var| &self.nodes[v.0].value;
            let accumulate = |slot: &mut Option<B::Tensor>, d: B::Tensor| match slot {
                Some(acc) => be.add_assign(acc, &d),
                slot => *slot = Some(d),
            };
            let send = |grads: &mut Vec<Option<B::Tensor>>, v: Var, d: B::Tensor| {
                if !self.nodes[v.0].needs_grad {
                    return;
                }
                only_gathers[v.0].set(false);
                accumulate(&mut grads[v.0], d);
            };
            // Ops that add into part of their input: start from zeros.
            let send_part = |grads: &mut Vec<Option<B::Tensor>>, v: Var, f: &dyn Fn(&mut B::Tensor)| {
                if !self.nodes[v.0].needs_grad {
                    return;
                }
                only_gathers[v.0].set(false);
                let acc = grads[v.0].get_or_insert_with(|| be.zeros(be.shape(val(v))));
                f(acc);
            };
            match &node.op {
                Op::Leaf => unreachable!(),
                Op::MatMul(a, b) => {
                    send(&mut grads, *a, be.matmul(&g, val(*b), false, true));
                    send(&mut grads, *b, be.matmul(val(*a), &g, true, false));
                }
                Op::MatMulBias(a, w, bias) => {
                    send(&mut grads, *bias, be.sum_rows(&g));
                    send(&mut grads, *a, be.matmul(&g, val(*w), false, true));
                    send(&mut grads, *w, be.matmul(val(*a), &g, true, false));
                }
                Op::Add(a, b) => {
                    send(&mut grads, *a, g.clone());
                    send(&mut grads, *b, g);
                }
                Op::Mul(a, b) => {
                    send(&mut grads, *a, be.mul(&g, val(*b)));
                    send(&mut grads, *b, be.mul(&g, val(*a)));
                }
                Op::AddBias(x, b) => {
                    send(&mut grads, *b, be.sum_rows(&g));
                    send(&mut grads, *x, g);
                }
                Op::Activation(x, act) => send(&mut grads, *x, be.activation_backward(*act, val(*x), &node.value, &g)),
                Op::Reshape(x) => send(&mut grads, *x, be.reshape(&g, be.shape(val(*x)))),
                Op::Gather { table, ids } => {
                    let rows = be.shape(val(*table))[0];
                    let t = &self.nodes[table.0];
                    if t.needs_grad {
                        // Not `send`: a gather keeps the table's squares.
                        if self.token_squares && matches!(t.op, Op::Leaf) {
                            accumulate(&mut squares[table.0], be.scatter_add_rows(val(*ids), &be.mul(&g, &g), rows));
                        }
                        accumulate(&mut grads[table.0], be.scatter_add_rows(val(*ids), &g, rows));
                    }
                }
                Op::TimeSlice(x, t) => send_part(&mut grads, *x, &|acc| be.time_slice_add(acc, *t, &g)),
                Op::TimeStack(xs) => {
                    for (t, x) in xs.iter().enumerate() {
                        send(&mut grads, *x, be.time_slice(&g, t));
                    }
                }
                Op::ColsSlice(x, start) => send_part(&mut grads, *x, &|acc| be.cols_slice_add(acc, *start, &g)),
                Op::ConcatCols(parts) => {
                    for &(x, start) in parts {
                        let len = be.shape(val(x))[1];
                        send(&mut grads, x, be.cols_slice(&g, start, len));
                    }
                }
                Op::LstmCell { z, hc_prev, mask, gate } => {
                    let m = mask.map(|(m, t)| (val(m), t));
                    let (dz, dprev) = be.lstm_cell_backward(val(*z), val(*hc_prev), m, *gate, &g);
                    send(&mut grads, *z, dz);
                    send(&mut grads, *hc_prev, dprev);
                }
                Op::GruCell { xz, hz, h_prev, mask } => {
                    let m = mask.map(|(m, t)| (val(m), t));
                    let (dx, dh, dprev) = be.gru_cell_backward(val(*xz), val(*hz), val(*h_prev), m, &g);
                    send(&mut grads, *xz, dx);
                    send(&mut grads, *hz, dh);
                    send(&mut grads, *h_prev, dprev);
                }
                Op::Im2col { x, kernel, stride } => {
                    let shape = be.shape(val(*x)).to_vec();
                    send(&mut grads, *x, be.col2im_1d(&g, &shape, *kernel, *stride));
                }
                Op::Im2col2d { x, win } => send(&mut grads, *x, be.col2im_2d(&g, win)),
                Op::Pool2d { x, win, kind } => send(&mut grads, *x, be.pool_2d_backward(val(*x), &g, win, *kind)),
                Op::BatchNorm { x, gamma, beta, mean, var, eps, batch_stats } => {
                    let (dx, dgamma, dbeta) = be.batch_norm_backward(val(*x), val(*mean), val(*var), val(*gamma), *eps, &g, *batch_stats);
                    send(&mut grads, *gamma, dgamma);
                    send(&mut grads, *beta, dbeta);
                    send(&mut grads, *x, dx);
                }
                Op::LayerNorm { x, gamma, beta, eps } => {
                    let (dx, dgamma, dbeta) = be.layer_norm_backward(val(*x), val(*gamma), *eps, &g);
                    send(&mut grads, *gamma, dgamma);
                    send(&mut grads, *beta, dbeta);
                    send(&mut grads, *x, dx);
                }
                Op::Attention { q, k, v, drop, heads } => {
                    let probs = node.saved.as_ref().expect("attention keeps its probabilities");
                    let (dq, dk, dv) = be.attention_backward(val(*q), val(*k), val(*v), probs, drop.map(val), *heads, &g);
                    send(&mut grads, *q, dq);
                    send(&mut grads, *k, dk);
                    send(&mut grads, *v, dv);
                }
                Op::MaxOverTime(x) => send(&mut grads, *x, be.max_over_time_backward(val(*x), &g)),
                Op::MeanOverTime(x, mask) => {
                    let shape = be.shape(val(*x)).to_vec();
                    send(&mut grads, *x, be.mean_over_time_backward(&g, &shape, mask.map(val)));
                }
                // Losses are the roots of the graphs we differentiate: their
                // upstream gradient is 1.
                Op::Loss { loss, pred, target } => send(&mut grads, *pred, be.loss_backward(*loss, val(*pred), val(*target))),
                Op::SoftmaxCrossEntropy { logits, target, sparse } => {
                    let probs = node.saved.as_ref().expect("softmax cross-entropy keeps its probabilities");
                    send(&mut grads, *logits, be.softmax_cross_entropy_backward(probs, val(*target), *sparse));
                }
            }
        }
        for (sq, only) in squares.iter_mut().zip(&only_gathers) {
            if !only.get() {
                *sq = None;
            }
        }
        Gradients { grads, squares }
    }
}
