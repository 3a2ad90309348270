//! serde_json's syntax errors as messages. serde_json says what went wrong
//! in fixed English phrases ("EOF while parsing a list at line 3 column 7");
//! each phrase a model file can meet gets a code, so the Chinese page can
//! say it too. Anything else keeps serde_json's words.

use super::Message;
use crate::msg;

/// serde_json's phrase → code.
const PHRASES: &[(&str, &str)] = &[
    ("EOF while parsing a list", "json.eof_list"),
    ("EOF while parsing an object", "json.eof_object"),
    ("EOF while parsing a string", "json.eof_string"),
    ("EOF while parsing a value", "json.eof_value"),
    ("expected `:`", "json.expected_colon"),
    ("expected `,` or `]`", "json.expected_comma_bracket"),
    ("expected `,` or `}`", "json.expected_comma_brace"),
    ("expected `\"`", "json.expected_quote"),
    ("expected ident", "json.expected_ident"),
    ("expected value", "json.expected_value"),
    ("invalid escape", "json.invalid_escape"),
    ("invalid number", "json.invalid_number"),
    ("number out of range", "json.number_out_of_range"),
    ("invalid unicode code point", "json.invalid_unicode"),
    ("control character (\\u0000-\\u001F) found while parsing a string", "json.control_character"),
    ("key must be a string", "json.key_not_string"),
    ("trailing comma", "json.trailing_comma"),
    ("trailing characters", "json.trailing_characters"),
    ("recursion limit exceeded", "json.recursion_limit"),
];

/// Why `e` happened, with its line and column when it has them.
pub fn json_reason(e: &serde_json::Error) -> Message {
    let text = e.to_string();
    let phrase = match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => &text[..i],
        _ => text.as_str(),
    };
    let what = match PHRASES.iter().find(|(p, _)| *p == phrase) {
        Some((_, code)) => Message { code, params: Vec::new() },
        None => msg!("json.other", detail = phrase),
    };
    if e.line() > 0 {
        msg!("json.at", what = what, line = e.line(), column = e.column())
    } else {
        what
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_phrases_get_codes_and_keep_their_place() {
        let e = serde_json::from_str::<serde_json::Value>("[1, 2").unwrap_err();
        let m = json_reason(&e);
        assert_eq!(m.code, "json.at");
        assert_eq!(m.english(), "EOF while parsing a list at line 1 column 5");
        let e = serde_json::from_str::<serde_json::Value>("{\"a\" 1}").unwrap_err();
        assert_eq!(json_reason(&e).english(), e.to_string());
    }
}
