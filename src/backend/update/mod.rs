//! The optimizers' element-wise update rules, one file each (as Keras
//! computes them), and `UpdateRule`: one step's rule with its constants
//! resolved, which a backend applies to whole tensors. The optimizers
//! (`crate::optim`) choose the rule and its step size; the arithmetic lives
//! here, beside the backends that run it.

pub mod adagrad;
pub mod adam;
pub mod rmsprop;
pub mod sgd;

/// One step's element-wise update, with every constant resolved. Backends
/// apply it to whole tensors (the CPU loops; a GPU runs one kernel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UpdateRule {
    Sgd { lr: f32, momentum: f32, nesterov: bool },
    Adam { alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32 },
    RmsProp { lr: f32, rho: f32, eps: f32 },
    Adagrad { lr: f32, eps: f32 },
}

impl UpdateRule {
    /// Update a whole tensor `p` with its gradient `g` and the rule's slots
    /// (state tensors, as many as `slot_count`). One loop per rule: each
    /// compiles to a tight loop the compiler vectorises (sqrt and divide
    /// several at a time), which a rule matched per element does not; an
    /// Embedding's 640k weights are updated every step.
    ///
    /// `g2`, when given, replaces g² in the rules that square the gradient
    /// (Adam's v, RMSprop's and Adagrad's accumulators). Keras hands an
    /// Embedding's gradient to its optimizer as one slice per token
    /// (`IndexedSlices`) and squares the slices before adding them up, so a
    /// word seen k times in a batch adds Σ gᵢ², not (Σ gᵢ)², to the second
    /// moment. Matching that is what makes the same model learn as fast as
    /// in Keras.
    pub fn apply(&self, p: &mut [f32], g: &[f32], g2: Option<&[f32]>, slots: &mut [&mut [f32]]) {
        assert_eq!(p.len(), g.len());
        if let Some(s) = g2 {
            assert_eq!(s.len(), g.len());
        }
        match (*self, slots, g2) {
            (UpdateRule::Sgd { lr, momentum, nesterov }, [], _) => {
                for (p, &g) in p.iter_mut().zip(g) {
                    sgd::update(p, g, &mut 0.0, lr, momentum, nesterov);
                }
            }
            (UpdateRule::Sgd { lr, momentum, nesterov }, [m], _) => {
                for ((p, &g), m) in p.iter_mut().zip(g).zip(m.iter_mut()) {
                    sgd::update(p, g, m, lr, momentum, nesterov);
                }
            }
            (UpdateRule::Adam { alpha, beta1, beta2, eps, decay }, [m, v], None) => {
                for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    adam::update(p, g, g * g, m, v, alpha, beta1, beta2, eps, decay);
                }
            }
            (UpdateRule::Adam { alpha, beta1, beta2, eps, decay }, [m, v], Some(g2)) => {
                for ((((p, &g), &g2), m), v) in p.iter_mut().zip(g).zip(g2).zip(m.iter_mut()).zip(v.iter_mut()) {
                    adam::update(p, g, g2, m, v, alpha, beta1, beta2, eps, decay);
                }
            }
            (UpdateRule::RmsProp { lr, rho, eps }, [v], None) => {
                for ((p, &g), v) in p.iter_mut().zip(g).zip(v.iter_mut()) {
                    rmsprop::update(p, g, g * g, v, lr, rho, eps);
                }
            }
            (UpdateRule::RmsProp { lr, rho, eps }, [v], Some(g2)) => {
                for (((p, &g), &g2), v) in p.iter_mut().zip(g).zip(g2).zip(v.iter_mut()) {
                    rmsprop::update(p, g, g2, v, lr, rho, eps);
                }
            }
            (UpdateRule::Adagrad { lr, eps }, [a], None) => {
                for ((p, &g), a) in p.iter_mut().zip(g).zip(a.iter_mut()) {
                    adagrad::update(p, g, g * g, a, lr, eps);
                }
            }
            (UpdateRule::Adagrad { lr, eps }, [a], Some(g2)) => {
                for (((p, &g), &g2), a) in p.iter_mut().zip(g).zip(g2).zip(a.iter_mut()) {
                    adagrad::update(p, g, g2, a, lr, eps);
                }
            }
            (rule, slots, _) => panic!("{:?} does not keep {} state tensors", rule, slots.len()),
        }
    }

    /// Whether the rule uses the squared gradient (and so wants an
    /// Embedding's per-token squares).
    pub fn squares_gradient(&self) -> bool {
        !matches!(self, UpdateRule::Sgd { .. })
    }
}
