//! Timestamps as the tools of the field write them, read into UTC.
//!
//! Accepted: RFC 3339 at any sub-second precision with `Z` or an offset (also with a space for
//! the `T`); epoch seconds, milliseconds, microseconds or nanoseconds as JSON integers or
//! digit strings (the unit told by magnitude, integers never passed through `f64`); fractional
//! epoch seconds. A timestamp with no zone (`2026-06-01T10:00:00`, as PagerDuty's analytics
//! export writes) is read in the configured zone and is an error when none is configured:
//! guessing UTC would shift every event by hours without a word.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// The zone for timestamps that carry none: a fixed offset or an IANA name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    /// A fixed offset such as `+02:00` or `UTC`.
    Fixed(FixedOffset),
    /// An IANA zone such as `Europe/Berlin` (daylight saving applied per instant).
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Parse `UTC`, `Z`, `+02:00`, `-0530` or an IANA name.
    pub fn parse(text: &str) -> Option<Zone> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return FixedOffset::east_opt(0).map(Zone::Fixed);
        }
        if let Some(offset) = parse_offset(t) {
            return Some(Zone::Fixed(offset));
        }
        t.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    fn resolve(&self, naive: &NaiveDateTime) -> Option<DateTime<Utc>> {
        let pick = |r: LocalResult<DateTime<Utc>>| match r {
            LocalResult::Single(t) => Some(t),
            // In a repeated hour, the earlier instant; a skipped hour does not exist.
            LocalResult::Ambiguous(a, _) => Some(a),
            LocalResult::None => None,
        };
        match self {
            Zone::Fixed(offset) => pick(offset.from_local_datetime(naive).map(|t| t.with_timezone(&Utc))),
            Zone::Named(tz) => pick(tz.from_local_datetime(naive).map(|t| t.with_timezone(&Utc))),
        }
    }
}

fn parse_offset(t: &str) -> Option<FixedOffset> {
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// What was wrong with a timestamp, in words for an error message.
pub type TimeError = String;

/// An epoch number in seconds, milliseconds, microseconds or nanoseconds, told by magnitude:
/// below 10^11 seconds (until the year 5138), below 10^14 milliseconds, below 10^17
/// microseconds, else nanoseconds.
pub fn from_epoch(n: i64) -> Result<DateTime<Utc>, TimeError> {
    let magnitude = n.unsigned_abs();
    let (secs, nanos) = if magnitude < 100_000_000_000 {
        (n, 0)
    } else if magnitude < 100_000_000_000_000 {
        (n.div_euclid(1_000), n.rem_euclid(1_000) * 1_000_000)
    } else if magnitude < 100_000_000_000_000_000 {
        (n.div_euclid(1_000_000), n.rem_euclid(1_000_000) * 1_000)
    } else {
        (n.div_euclid(1_000_000_000), n.rem_euclid(1_000_000_000))
    };
    DateTime::from_timestamp(secs, nanos as u32).ok_or_else(|| format!("epoch value {n} is out of range"))
}

/// Read a timestamp string.
pub fn parse_str(text: &str, zone: Option<Zone>) -> Result<DateTime<Utc>, TimeError> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty timestamp".into());
    }
    if t.bytes().all(|b| b.is_ascii_digit())
        || (t.starts_with('-') && t[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        let n: i64 = t.parse().map_err(|_| format!("{t:?} is too large for an epoch timestamp"))?;
        return from_epoch(n);
    }
    if let Some((whole, fraction)) = t.strip_prefix('-').unwrap_or(t).split_once('.') {
        if !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && !fraction.is_empty()
            && fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return from_fractional_epoch(t);
        }
    }
    let normalized = normalize(t);
    if let Ok(at) = DateTime::parse_from_rfc3339(&normalized) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f %z", "%Y-%m-%dT%H:%M:%S%.f %Z"] {
        if let Ok(at) = DateTime::<FixedOffset>::parse_from_str(&normalized, format) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    if let Some(stripped) = normalized.strip_suffix(" UTC").or_else(|| normalized.strip_suffix(" GMT")) {
        if let Ok(naive) = NaiveDateTime::parse_from_str(stripped, "%Y-%m-%dT%H:%M:%S%.f") {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f") {
        let zone = zone.ok_or_else(|| {
            format!("{t:?} has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")")
        })?;
        return zone
            .resolve(&naive)
            .ok_or_else(|| format!("{t:?} does not exist in the configured time zone"));
    }
    Err(format!(
        "{t:?} is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"
    ))
}

/// `2026-06-01 10:00:00Z` → `2026-06-01T10:00:00Z`; a lower-case `t`/`z` upper-cased.
fn normalize(t: &str) -> String {
    let mut s = t.to_string();
    if s.len() > 10 && matches!(s.as_bytes()[10], b' ' | b't') && s.as_bytes()[4] == b'-' {
        s.replace_range(10..11, "T");
    }
    if s.ends_with('z') {
        s.pop();
        s.push('Z');
    }
    s
}

/// A fractional epoch number (`1780308000.25`, `1780308000123.5`), its unit told by the
/// magnitude of the whole part as [`from_epoch`] tells it, computed in integer nanoseconds.
fn from_fractional_epoch(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let out_of_range = || format!("{text} is out of range for an epoch timestamp");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').ok_or_else(out_of_range)?;
    let whole_value: i128 = whole.parse().map_err(|_| out_of_range())?;
    // Nanoseconds per unit, and how many fraction digits that unit can hold.
    let (unit, places) = match whole_value {
        v if v < 100_000_000_000 => (1_000_000_000_i128, 9),
        v if v < 100_000_000_000_000 => (1_000_000, 6),
        v if v < 100_000_000_000_000_000 => (1_000, 3),
        _ => (1, 0),
    };
    let mut kept: String = fraction.chars().take(places).collect();
    while kept.len() < places {
        kept.push('0');
    }
    let fraction_value: i128 = if kept.is_empty() { 0 } else { kept.parse().map_err(|_| out_of_range())? };
    let magnitude =
        whole_value.checked_mul(unit).and_then(|n| n.checked_add(fraction_value)).ok_or_else(out_of_range)?;
    let nanos = if negative { -magnitude } else { magnitude };
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| out_of_range())?;
    let rest = u32::try_from(nanos.rem_euclid(1_000_000_000)).map_err(|_| out_of_range())?;
    DateTime::from_timestamp(secs, rest).ok_or_else(out_of_range)
}

/// Read a timestamp from a JSON value: a string, an integer or a fractional number of seconds.
pub fn parse_value(value: &Value, zone: Option<Zone>) -> Result<DateTime<Utc>, TimeError> {
    match value {
        Value::String(s) => parse_str(s, zone),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                from_epoch(i)
            } else if n.as_u64().is_some() {
                Err(format!("epoch value {n} is out of range"))
            } else {
                // A fraction, written as a JSON number by some exporters; serde_json keeps the
                // digits as written only up to f64's precision, so the unit is still told by
                // magnitude.
                let text = n.to_string();
                if text.contains('.') && !text.contains(['e', 'E']) {
                    from_fractional_epoch(&text)
                } else {
                    Err(format!("{text} is not an epoch timestamp"))
                }
            }
        }
        Value::Null => Err("null where a timestamp is required".into()),
        other => Err(format!("{other} is not a timestamp")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        parse_str(text, None).unwrap().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    #[test]
    fn rfc3339_at_every_precision_and_offset() {
        assert_eq!(at("2026-06-01T10:00:00Z"), "2026-06-01T10:00:00Z");
        assert_eq!(at("2026-06-01T10:00:00.123Z"), "2026-06-01T10:00:00.123Z");
        assert_eq!(at("2026-06-01T10:00:00.123456Z"), "2026-06-01T10:00:00.123456Z");
        assert_eq!(at("2026-06-01T12:00:00+02:00"), "2026-06-01T10:00:00Z");
        assert_eq!(at("2026-06-01T04:00:00-06:00"), "2026-06-01T10:00:00Z");
        assert_eq!(at("2026-06-01 10:00:00+00:00"), "2026-06-01T10:00:00Z");
        assert_eq!(at("2026-06-01T10:00:00+0000"), "2026-06-01T10:00:00Z");
        assert_eq!(at("2026-06-01 10:00:00 UTC"), "2026-06-01T10:00:00Z");
    }

    #[test]
    fn epoch_units_are_told_by_magnitude_without_floats() {
        assert_eq!(at("1780308000"), "2026-06-01T10:00:00Z");
        assert_eq!(at("1780308000123"), "2026-06-01T10:00:00.123Z");
        assert_eq!(at("1780308000123456"), "2026-06-01T10:00:00.123456Z");
        // Above 2^53: a float would lose the last digits.
        assert_eq!(at("1780308000123456789"), "2026-06-01T10:00:00.123456789Z");
        let v: Value = serde_json::from_str("1780308000123456789").unwrap();
        assert_eq!(parse_value(&v, None).unwrap().timestamp_subsec_nanos(), 123_456_789);
        let v: Value = serde_json::from_str("1780308000.25").unwrap();
        assert_eq!(parse_value(&v, None).unwrap().timestamp_millis(), 1_780_308_000_250);
        assert_eq!(at("1780308000.5"), "2026-06-01T10:00:00.500Z");
    }

    #[test]
    fn fractional_epochs_take_their_unit_from_the_whole_part() {
        assert_eq!(at("1780308000123.5"), "2026-06-01T10:00:00.123500Z");
        assert_eq!(at("1780308000123456.789"), "2026-06-01T10:00:00.123456789Z");
        assert_eq!(at("1780308000123456789.9"), "2026-06-01T10:00:00.123456789Z");
        // Before 1970 the fraction counts down from the whole second, not up.
        assert_eq!(at("-1.5"), "1969-12-31T23:59:58.500Z");
        let v: Value = serde_json::from_str("-1.5").unwrap();
        assert_eq!(parse_value(&v, None).unwrap().timestamp_millis(), -1_500);
        let v: Value = serde_json::from_str("1780308000123.5").unwrap();
        assert_eq!(parse_value(&v, None).unwrap().timestamp_micros(), 1_780_308_000_123_500);
        assert!(parse_str("99999999999999999999999999999999999999.5", None).is_err());
    }

    #[test]
    fn no_zone_is_an_error_unless_one_is_configured() {
        let err = parse_str("2026-06-01T10:00:00", None).unwrap_err();
        assert!(err.contains("has no time zone; set `time_zone`"), "{err}");
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            parse_str("2026-06-01T12:00:00", Some(berlin)).unwrap().to_rfc3339(),
            "2026-06-01T10:00:00+00:00"
        );
        let plus = Zone::parse("+05:30").unwrap();
        assert_eq!(
            parse_str("2026-06-01 15:30:00", Some(plus)).unwrap().to_rfc3339(),
            "2026-06-01T10:00:00+00:00"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_guess() {
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "99999999999999999999", "12:00"] {
            assert!(parse_str(bad, Some(Zone::parse("UTC").unwrap())).is_err(), "{bad}");
        }
        assert!(parse_value(&Value::Bool(true), None).is_err());
        assert!(parse_value(&Value::Null, None).is_err());
    }
}
