//! A message for a person: a stable code and named parameters, never a
//! sentence. The sentences live in `www/lang/engine/<language>.js`, one
//! template per code (`"optim.learning_rate": "{value} is not a usable
//! learning rate …"`); the command line renders the English one, the page
//! renders whichever language it shows, from the same parameters. So the
//! engine never writes English the Chinese page would have to translate, and
//! a message's code stays the same when its wording changes.
//!
//! A parameter is text (user data, a number as Rust prints it) or another
//! message (a reason inside a reason). A text parameter named in [`LOOKUP`]
//! is a term of the engine's own (a field, an input, a file): its template
//! is looked up as `"<name>.<value>"` and the text kept when there is none,
//! so `field = "learning_rate"` reads "learning rate" and 学习率, while a file
//! path stays itself. `www/i18n.js` renders by the same rules.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Parameter names whose text values are looked up as `"<name>.<value>"`.
pub const LOOKUP: &[&str] = &["field", "action", "source", "file", "op", "what"];

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub code: &'static str,
    pub params: Vec<(&'static str, Param)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Message(Message),
}

/// `msg!("code", name = value, …)`: a [`Message`]. A value is anything with
/// a `Param::from` (text, numbers, another message).
#[macro_export]
macro_rules! msg {
    ($code:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::error::Message { code: $code, params: vec![$((stringify!($name), $crate::error::Param::from($value))),*] }
    };
}

impl Message {
    /// The message rendered from the English templates.
    pub fn english(&self) -> String {
        render(self, english())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

impl From<Message> for Param {
    fn from(m: Message) -> Self {
        Param::Message(m)
    }
}
impl From<&Message> for Param {
    fn from(m: &Message) -> Self {
        Param::Message(m.clone())
    }
}

macro_rules! text_param {
    ($($t:ty),*) => {$(
        impl From<$t> for Param {
            fn from(v: $t) -> Self { Param::Text(v.to_string()) }
        }
    )*};
}
text_param!(String, &str, &String, &&str, usize, u8, u16, u32, u64, i32, i64, f32, f64, char, bool);
text_param!(&usize, &u32, &u64, &f32, &f64);

/// A message's parameters as a JSON object: name → text or `{code, params}`.
pub struct ParamsMap<'a>(pub &'a [(&'static str, Param)]);

impl Serialize for ParamsMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, p) in self.0 {
            match p {
                Param::Text(t) => m.serialize_entry(name, t)?,
                Param::Message(msg) => m.serialize_entry(name, msg)?,
            }
        }
        m.end()
    }
}

/// `{"code": …, "params": {name: text or {code, params}}}` for the page.
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("code", self.code)?;
        m.serialize_entry("params", &ParamsMap(&self.params))?;
        m.end()
    }
}

/// A language's templates, code → template.
pub type Catalog = HashMap<String, String>;

/// The page's modules of templates, `export default {JSON object};`: one
/// file each language, read by the page as modules and here as JSON.
pub const ENGLISH_JS: &str = include_str!("../../www/lang/engine/en.js");
pub const CHINESE_JS: &str = include_str!("../../www/lang/engine/zh.js");

/// The templates of a `www/lang/engine/*.js` module.
pub fn parse_catalog(module: &str) -> Result<Catalog, String> {
    let start = module.find("export default ").ok_or("no `export default`")? + "export default ".len();
    let json = module[start..].trim_end().strip_suffix(';').ok_or("the object does not end with `};`")?;
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// The English templates (parsed once).
pub fn english() -> &'static Catalog {
    static EN: OnceLock<Catalog> = OnceLock::new();
    EN.get_or_init(|| parse_catalog(ENGLISH_JS).expect("www/lang/engine/en.js holds a JSON object of strings"))
}

/// `m` rendered from `catalog`. A code without a template renders as the
/// code and its parameters (never silently empty; tests/messages.rs fails
/// on any code the catalogs lack).
pub fn render(m: &Message, catalog: &Catalog) -> String {
    let Some(template) = catalog.get(m.code) else {
        let params: Vec<String> = m.params.iter().map(|(n, p)| format!("{n}={}", render_param(n, p, catalog))).collect();
        return format!("{}({})", m.code, params.join(", "));
    };
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && close > 0 => {
                let name = &after[..close];
                match m.params.iter().find(|(n, _)| *n == name) {
                    Some((n, p)) => out.push_str(&render_param(n, p, catalog)),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn render_param(name: &str, p: &Param, catalog: &Catalog) -> String {
    match p {
        Param::Message(m) => render(m, catalog),
        Param::Text(t) if LOOKUP.contains(&name) => catalog.get(&format!("{name}.{t}")).cloned().unwrap_or_else(|| t.clone()),
        Param::Text(t) => t.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(pairs: &[(&str, &str)]) -> Catalog {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn renders_parameters_nested_messages_and_looked_up_terms() {
        let c = catalog(&[("outer", "invalid value for {field}: {reason}"), ("inner", "{value} must be positive"), ("field.learning_rate", "learning rate")]);
        let m = crate::msg!("outer", field = "learning_rate", reason = crate::msg!("inner", value = -1.5f32));
        assert_eq!(render(&m, &c), "invalid value for learning rate: -1.5 must be positive");
        // An unknown term stays itself; a brace that is not a placeholder stays.
        let m = crate::msg!("outer", field = "data/x.tsv", reason = crate::msg!("inner", value = "{x}"));
        assert_eq!(render(&m, &c), "invalid value for data/x.tsv: {x} must be positive");
        assert_eq!(render(&crate::msg!("missing", a = 1usize), &c), "missing(a=1)");
    }

    #[test]
    fn serialises_as_code_and_params() {
        let m = crate::msg!("outer", field = "epochs", reason = crate::msg!("inner", value = 0usize));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"code":"outer","params":{"field":"epochs","reason":{"code":"inner","params":{"value":"0"}}}}"#
        );
    }
}
