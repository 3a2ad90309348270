//! Classification metrics: accuracy, per-class precision/recall/F1/support,
//! macro and weighted F1, and the confusion matrix (rows: true class).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    pub classes: Vec<String>,
    pub per_class: Vec<ClassReport>,
    pub confusion_matrix: Vec<Vec<usize>>,
}

/// The class a row of outputs predicts: a lone sigmoid's above one half,
/// else the first of the largest.
pub fn predicted_class(p: &[f32]) -> usize {
    if p.len() == 1 {
        usize::from(p[0] > 0.5)
    } else {
        argmax(p)
    }
}

/// Index of the largest value (the first when tied, as argmax).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

pub fn report(labels: &[String], truth: &[usize], predicted: &[usize]) -> Report {
    let k = labels.len();
    let mut cm = vec![vec![0usize; k]; k];
    for (&t, &p) in truth.iter().zip(predicted) {
        cm[t][p] += 1;
    }
    let n = truth.len();
    let correct: usize = (0..k).map(|i| cm[i][i]).sum();
    // A class never predicted has precision 0, as scikit-learn's default.
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassReport> = (0..k)
        .map(|c| {
            let tp = cm[c][c];
            let predicted_c: usize = (0..k).map(|r| cm[r][c]).sum();
            let support: usize = cm[c].iter().sum();
            let precision = ratio(tp, predicted_c);
            let recall = ratio(tp, support);
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            ClassReport { label: labels[c].clone(), precision, recall, f1, support }
        })
        .collect();
    let macro_f1 = if k == 0 { 0.0 } else { per_class.iter().map(|c| c.f1).sum::<f64>() / k as f64 };
    let weighted_f1 = per_class.iter().map(|c| c.f1 * c.support as f64).sum::<f64>() / (n.max(1) as f64);
    Report { accuracy: ratio(correct, n), macro_f1, weighted_f1, classes: labels.to_vec(), per_class, confusion_matrix: cm }
}
