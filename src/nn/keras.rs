//! Reading and writing a layer's `config` in Keras's model format (the
//! TensorFlow.js layers-model and Keras's own `model.json`). Each layer's
//! `from_keras` reads its keys through a `KerasConfig`, so every message
//! about a bad file names the layer the same way: "layer NAME (Class): why".

use serde_json::{json, Value};

use super::{Activation, Pair};
use crate::backend::Padding;
use crate::error::{Error, Message, Result};
use crate::msg;

/// One layer's `config` object, with the names that errors need.
pub struct KerasConfig<'a> {
    pub config: &'a Value,
    /// The class name as written (which may be an alias, "MaxPool2D").
    pub class: &'a str,
    /// The layer's name, or its class when it has none.
    pub name: String,
    /// The model file, for messages.
    pub file: &'a str,
}

impl<'a> KerasConfig<'a> {
    pub fn new(class: &'a str, config: &'a Value, file: &'a str) -> Self {
        let name = config.get("name").and_then(|n| n.as_str()).unwrap_or(class).to_string();
        KerasConfig { config, class, name, file }
    }

    /// "layer NAME (Class): why", as an error about the model file.
    pub fn bad(&self, why: Message) -> Error {
        Error::model_file(self.file, msg!("file.layer", name = &self.name, class = self.class, reason = why))
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.config.get(key)
    }

    /// A whole number, also when Keras writes it as a one-element list.
    pub fn usize(&self, key: &str) -> Option<usize> {
        match self.get(key)? {
            Value::Array(a) => a.first()?.as_u64().map(|v| v as usize),
            v => v.as_u64().map(|v| v as usize),
        }
    }

    /// A whole number the layer cannot do without.
    pub fn need(&self, key: &str) -> Result<usize> {
        self.usize(key).ok_or_else(|| self.bad(msg!("file.missing_key", key = key)))
    }

    /// A flag, false when absent.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
    }

    /// Whether the key holds exactly `false` (absent reads as Keras's default).
    pub fn is_false(&self, key: &str) -> bool {
        self.get(key).and_then(|v| v.as_bool()) == Some(false)
    }

    pub fn f32_or(&self, key: &str, default: f32) -> f32 {
        self.get(key).and_then(|v| v.as_f64()).map(|v| v as f32).unwrap_or(default)
    }

    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|v| v.as_str())
    }

    /// An activation by Keras's name (absent or null: linear).
    pub fn activation(&self, key: &str) -> Result<Activation> {
        let name = match self.get(key) {
            None | Some(Value::Null) => "linear".to_string(),
            Some(Value::String(s)) => s.clone(),
            // Keras 3 may serialise an activation as {"class_name": …, "config": {"name": …}}.
            Some(v) => v.pointer("/config/name").or_else(|| v.get("class_name")).and_then(|n| n.as_str()).unwrap_or("?").to_string(),
        };
        Activation::from_name(&name).ok_or_else(|| Error::model_file(self.file, msg!("file.layer_activation", name = &self.name, activation = crate::error::printable(&name, 40))))
    }

    /// A (height, width) pair written as one number or two.
    pub fn pair(&self, key: &str) -> Option<Pair> {
        match self.get(key)? {
            Value::Array(a) if a.len() == 2 => Some(Pair([a[0].as_u64()? as usize, a[1].as_u64()? as usize])),
            v => v.as_u64().map(|n| Pair([n as usize, n as usize])),
        }
    }

    /// 'valid' (also when absent) or 'same'.
    pub fn padding(&self) -> Result<Padding> {
        match self.str("padding").unwrap_or("valid") {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            other => Err(self.bad(msg!("file.padding_valid_same", padding = crate::error::printable(other, 40)))),
        }
    }

    /// What gradlab's recurrent layers support: forward, stateless, with a
    /// bias, tanh, and one of `gates` for the gates.
    pub fn check_recurrent(&self, gates: &[&str]) -> Result<()> {
        for key in ["go_backwards", "stateful", "return_state"] {
            if self.flag(key) {
                return Err(self.bad(msg!("file.unsupported_flag", flag = key)));
            }
        }
        if self.is_false("use_bias") {
            return Err(self.bad(msg!("file.recurrent_no_bias")));
        }
        if let Some(v) = self.str("activation") {
            if v != "tanh" {
                return Err(self.bad(msg!("file.recurrent_activation_tanh", activation = crate::error::printable(v, 40))));
            }
        }
        if let Some(v) = self.str("recurrent_activation") {
            if !gates.contains(&v) {
                return Err(self.bad(msg!("file.gate_activation", activation = crate::error::printable(v, 40), only = gates.join(", "))));
            }
        }
        Ok(())
    }
}

/// An initializer as Keras writes it.
pub fn initializer(class: &str) -> Value {
    match class {
        "RandomUniform" => json!({"class_name": class, "config": {"minval": -0.05, "maxval": 0.05, "seed": null}}),
        "Zeros" | "Ones" => json!({"class_name": class, "config": {}}),
        "Orthogonal" => json!({"class_name": class, "config": {"gain": 1.0, "seed": null}}),
        _ => json!({"class_name": class, "config": {"seed": null}}),
    }
}

/// 'same' or 'valid', as Keras writes padding.
pub fn padding_name(p: Padding) -> &'static str {
    if p == Padding::Same {
        "same"
    } else {
        "valid"
    }
}
