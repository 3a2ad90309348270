//! The optimizer race's surfaces and racers.

use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::optim::Optimizer;
use gradlab::surfaces::{race, racers, Surface};

#[test]
fn surface_gradients_match_finite_differences() {
    let h = 1e-5;
    for s in Surface::ALL {
        for &(x, y) in &[(-1.3, 0.7), (0.4, -1.1), (1.9, 2.2), (0.0, 0.0)] {
            let (gx, gy) = s.gradient(x, y);
            let nx = (s.value(x + h, y) - s.value(x - h, y)) / (2.0 * h);
            let ny = (s.value(x, y + h) - s.value(x, y - h)) / (2.0 * h);
            assert!((gx - nx).abs() < 1e-5 * (1.0 + nx.abs()) && (gy - ny).abs() < 1e-5 * (1.0 + ny.abs()), "{:?} at ({}, {}): ({}, {}) vs ({}, {})", s, x, y, gx, gy, nx, ny);
        }
    }
}

/// The race uses the engine's optimizers: the same steps through the
/// backend's `Optimizer` on a 2-element tensor land on the same points.
#[test]
fn race_positions_equal_the_engine_optimizer() {
    let be = CpuBackend;
    for (name, config) in racers(0.05, 0.9, 0.999) {
        let path = &race(Surface::Rosenbrock, &[(name.clone(), config.clone())], 40, 1)[0].points;
        let mut opt = Optimizer::<CpuBackend>::new(config.clone());
        let (x0, y0) = Surface::Rosenbrock.start();
        let mut p = be.upload(&[2], &[x0 as f32, y0 as f32]);
        for (step, want) in path.iter().enumerate().skip(1) {
            let v = be.download(&p);
            let (gx, gy) = Surface::Rosenbrock.gradient(v[0] as f64, v[1] as f64);
            let g = be.upload(&[2], &[gx as f32, gy as f32]);
            opt.step(&be, &mut [&mut p], &[g], config.learning_rate, 0.0);
            let got = be.download(&p);
            assert!((got[0] as f64 - want.0).abs() < 1e-6 && (got[1] as f64 - want.1).abs() < 1e-6, "{} step {}: {:?} vs {:?}", name, step, got, want);
        }
    }
}

#[test]
fn adam_beats_sgd_down_the_ravine() {
    let all = race(Surface::Ravine, &racers(0.05, 0.9, 0.999), 200, 1);
    let end = |n: &str| {
        let p = *all.iter().find(|t| t.name == n).unwrap().points.last().unwrap();
        Surface::Ravine.value(p.0, p.1)
    };
    assert!(end("Adam") < end("SGD"), "Adam {} vs SGD {}", end("Adam"), end("SGD"));
    assert!(end("SGD + momentum") < end("SGD"));
}
