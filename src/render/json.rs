//! JSON output: pretty-printed, with a trailing newline, keys in declaration order.

use serde::Serialize;

/// Serialize `value` as pretty JSON followed by a newline.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("faultline's own types always serialize");
    text.push('\n');
    text
}
