//! 2-D loss surfaces for the optimizer race: each optimizer of the engine
//! (the same `UpdateRule`s that train models) walks the same surface from the
//! same start, so a learner sees momentum overshoot a ravine, Adam's
//! per-coordinate scaling, and SGD crawl along a flat valley.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::backend::prelude::*;
use crate::backend::CpuBackend;
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// A long narrow valley: steep across, gentle along.
    Ravine,
    /// x² − y²: a flat point that is not a minimum.
    Saddle,
    /// Rosenbrock's banana valley, minimum at (1, 1).
    Rosenbrock,
    /// A round bowl whose gradient arrives with noise, as in mini-batches.
    NoisyBowl,
}

impl Surface {
    pub const ALL: [Surface; 4] = [Surface::Ravine, Surface::Saddle, Surface::Rosenbrock, Surface::NoisyBowl];

    pub fn value(self, x: f64, y: f64) -> f64 {
        match self {
            Surface::Ravine => 0.05 * x * x + 5.0 * y * y,
            Surface::Saddle => 0.5 * (x * x - y * y),
            Surface::Rosenbrock => (1.0 - x).powi(2) + 10.0 * (y - x * x).powi(2),
            Surface::NoisyBowl => 0.5 * (x * x + y * y),
        }
    }

    /// The exact gradient (the noisy bowl's noise is added by `race`).
    pub fn gradient(self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Surface::Ravine => (0.1 * x, 10.0 * y),
            Surface::Saddle => (x, -y),
            Surface::Rosenbrock => (-2.0 * (1.0 - x) - 40.0 * x * (y - x * x), 20.0 * (y - x * x)),
            Surface::NoisyBowl => (x, y),
        }
    }

    pub fn start(self) -> (f64, f64) {
        match self {
            Surface::Ravine => (-9.0, 1.0),
            Surface::Saddle => (-1.5, 0.01),
            Surface::Rosenbrock => (-1.5, 1.5),
            Surface::NoisyBowl => (-3.0, 2.5),
        }
    }

    /// The region to draw: (x range, y range).
    pub fn bounds(self) -> ((f64, f64), (f64, f64)) {
        match self {
            Surface::Ravine => ((-10.0, 10.0), (-2.0, 2.0)),
            Surface::Saddle => ((-2.0, 2.0), (-2.0, 2.0)),
            Surface::Rosenbrock => ((-2.0, 2.0), (-1.0, 3.0)),
            Surface::NoisyBowl => ((-4.0, 4.0), (-4.0, 4.0)),
        }
    }
}

/// One racer: an optimizer config and its path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// The racers' names and configs at learning rate `lr` with Adam's β's.
pub fn racers(lr: f32, beta1: f32, beta2: f32) -> Vec<(String, OptimizerConfig)> {
    let mut out = Vec::new();
    let mut sgd = OptimizerConfig::new(OptimizerKind::Sgd);
    sgd.learning_rate = lr;
    out.push(("SGD".to_string(), sgd.clone()));
    let mut momentum = sgd.clone();
    momentum.momentum = 0.9;
    out.push(("SGD + momentum".to_string(), momentum.clone()));
    let mut nesterov = momentum;
    nesterov.nesterov = true;
    out.push(("Nesterov".to_string(), nesterov));
    for (name, kind) in [("RMSprop", OptimizerKind::RmsProp), ("Adam", OptimizerKind::Adam), ("AdamW", OptimizerKind::AdamW)] {
        let mut c = OptimizerConfig::new(kind);
        c.learning_rate = lr;
        c.beta1 = beta1;
        c.beta2 = beta2;
        out.push((name.to_string(), c));
    }
    out
}

/// Run every racer `steps` updates on `surface`: the engine's `Optimizer`
/// on the CPU backend, with the two coordinates as one parameter tensor.
pub fn race(surface: Surface, racers: &[(String, OptimizerConfig)], steps: usize, seed: u64) -> Vec<Trajectory> {
    let be = CpuBackend;
    racers
        .iter()
        .map(|(name, config)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let noise = Normal::new(0.0, 1.0).unwrap();
            let mut opt = Optimizer::<CpuBackend>::new(config.clone());
            let (x0, y0) = surface.start();
            let mut p = be.upload(&[2], &[x0 as f32, y0 as f32]);
            let mut points = vec![(x0, y0)];
            for _ in 0..steps {
                let v = be.download(&p);
                let (mut gx, mut gy) = surface.gradient(v[0] as f64, v[1] as f64);
                if surface == Surface::NoisyBowl {
                    gx += noise.sample(&mut rng);
                    gy += noise.sample(&mut rng);
                }
                let g = be.upload(&[2], &[gx as f32, gy as f32]);
                opt.step(&be, &mut [&mut p], &[g], config.learning_rate, 0.0);
                let v = be.download(&p);
                if !(v[0].is_finite() && v[1].is_finite()) || v[0].abs() > 1e6 || v[1].abs() > 1e6 {
                    break; // diverged: the path ends where it left the map
                }
                points.push((v[0] as f64, v[1] as f64));
            }
            Trajectory { name: name.clone(), points }
        })
        .collect()
}
