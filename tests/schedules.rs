//! Learning-rate schedules against Keras, step by step. The fixture comes
//! from `tests/reference/make_schedule_goldens.py` (Keras 3.15.1), which
//! says which Keras object each gradlab `--schedule` spec stands for.

mod common;

use common::{assert_all_close, f64s};
use gradlab::optim::schedule::{Schedule, ScheduleState};
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/schedule_goldens.json")).unwrap()
}

/// The schedule a `--schedule` spec gives (as `gradlab train` parses it:
/// plateau's floor is 1e-7, cosine decays to 0).
fn from_spec(spec: &str) -> Schedule {
    let p: Vec<&str> = spec.split(':').collect();
    match p[0] {
        "exponential" => Schedule::Exponential { decay_steps: p[1].parse().unwrap(), rate: p[2].parse().unwrap() },
        "cosine" => Schedule::Cosine { warmup: p[1].parse().unwrap(), decay_steps: p[2].parse().unwrap(), alpha: 0.0 },
        "plateau" => Schedule::ReduceOnPlateau { factor: p[1].parse().unwrap(), patience: p[2].parse().unwrap(), min_lr: 1e-7 },
        _ => panic!("{}", spec),
    }
}

/// Keras computes in float32; gradlab too, so the rates agree to a few ulps.
const RTOL: f64 = 1e-5;
/// Near the end of a cosine, 1 + cos(πt) cancels: one ulp of the cosine
/// (6e-8) is the absolute error there, scaled by the base rate.
const ATOL: f64 = 1e-7;

fn per_step(kind: &str) -> usize {
    let f = fixtures();
    let cases = f[kind].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let spec = case["spec"].as_str().unwrap();
        let lr = case["lr"].as_f64().unwrap() as f32;
        let want = f64s(spec, &case["rates"]);
        let state = ScheduleState::new(from_spec(spec));
        let got: Vec<f32> = (0..want.len() as u64).map(|step| state.lr(lr, step)).collect();
        assert_all_close(format!("{} (Keras {})", spec, case["keras"]), &got, &want, RTOL, ATOL * lr as f64);
    }
    cases.len()
}

#[test]
fn exponential_matches_keras_exponential_decay() {
    assert_eq!(per_step("exponential"), 4);
}

/// gradlab's warm-up starts at 0 for the first update, as Keras's
/// `CosineDecay(0.0, STEPS, warmup_target=lr, warmup_steps=WARMUP)`.
#[test]
fn cosine_with_warmup_matches_keras_cosine_decay() {
    assert_eq!(per_step("cosine"), 4);
}

/// Reduce-on-plateau with the losses of the fixture (ties are not an
/// improvement; gradlab has no min_delta or cooldown, so Keras runs with 0).
#[test]
fn plateau_matches_keras_reduce_lr_on_plateau() {
    let f = fixtures();
    let cases = f["plateau"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let spec = case["spec"].as_str().unwrap();
        let lr = case["lr"].as_f64().unwrap() as f32;
        let losses = f64s(spec, &case["val_losses"]);
        let want = f64s(spec, &case["rates"]);
        let mut state = ScheduleState::new(from_spec(spec));
        let got: Vec<f32> = losses
            .iter()
            .map(|&l| {
                state.on_epoch_end(l as f32);
                state.lr(lr, 0)
            })
            .collect();
        assert_all_close(format!("{} (Keras {})", spec, case["keras"]), &got, &want, RTOL, ATOL * lr as f64);
        // The rate must move at all for the comparison to mean something.
        assert!(want.iter().any(|&w| w < lr as f64 * 0.99), "{}: the fixture never reduces the rate", spec);
    }
}
