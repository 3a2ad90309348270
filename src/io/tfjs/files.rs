//! A model's files on disk: `model.json` and the weight files its manifest
//! names (native only; the page reads and writes bytes).

use serde_json::Value;

use super::{from_json, to_files, Metadata, SavedModel, WEIGHTS_FILE};
use crate::error::{json_reason, Error, Result};
use crate::msg;
use crate::nn::LayerConfig;

/// Write `model.json` and the weights into `dir` (created if needed).
pub fn save_dir(dir: &std::path::Path, layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize], weights: &[Vec<Vec<f32>>], metadata: Option<&Metadata>) -> Result<()> {
    let io = |p: &std::path::Path, e: std::io::Error| Error::io(p.display(), &e);
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let (json, bytes) = to_files(layers, wiring, input_shape, weights, metadata)?;
    let mj = dir.join("model.json");
    std::fs::write(&mj, json).map_err(|e| io(&mj, e))?;
    let wb = dir.join(WEIGHTS_FILE);
    std::fs::write(&wb, bytes).map_err(|e| io(&wb, e))?;
    Ok(())
}

/// Read a `model.json` and the weight files its manifest names.
pub fn load(path: &std::path::Path) -> Result<SavedModel> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&file, &e))?;
    let root: Value = serde_json::from_str(&text).map_err(|e| Error::model_file(&file, msg!("file.not_json", reason = json_reason(&e))))?;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut bytes = Vec::new();
    let groups = root.get("weightsManifest").and_then(|m| m.as_array()).cloned().unwrap_or_default();
    for g in &groups {
        for p in g.get("paths").and_then(|p| p.as_array()).cloned().unwrap_or_default() {
            let p = dir.join(p.as_str().unwrap_or(""));
            let b = std::fs::read(&p).map_err(|e| Error::model_file(&file, msg!("file.weight_file", path = p.display().to_string(), detail = e.to_string())))?;
            bytes.extend(b);
        }
    }
    from_json(&text, if groups.is_empty() { None } else { Some(&bytes) }, &file)
}
