//! Instants as requests carry them and as the database keeps them.
//!
//! The server stores every time as whole epoch milliseconds, so the rules compare times at that
//! precision too ([`stored`]): a time the rules accept is then exactly the time stored, and the
//! database's own checks (`execute_at <= default_execute_at`) can never disagree with them.
//! Request times are parsed by one strict parser ([`parse_rfc3339`], [`RequestTime`]): chrono's
//! own parsers take a lower-case `t` or `z`, a space for `T` and leap seconds (`23:59:60`, which
//! chrono keeps as 23:59:59 plus a second of nanoseconds and the database as the next second).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// `t` at the precision the database keeps: milliseconds, rounded down (towards the past), as
/// `timestamp_millis` does.
pub fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Parses exactly RFC 3339's `date-time` as the API writes it: `2026-12-01T18:30:00Z`, with an
/// optional fraction of a second and `Z` or a `±hh:mm` offset; no lower-case `t`/`z`, no space,
/// no leap second. The result is at the stored precision.
pub fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    let refuse = || {
        format!(
            "'{}' is not an RFC 3339 time such as 2026-12-01T18:30:00Z",
            s.chars().take(40).collect::<String>()
        )
    };
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape || b[17] > b'5' {
        // b[17] > '5': second 60 or more, a leap second.
        return Err(refuse());
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(refuse());
        }
        rest = &fraction[n..];
    }
    let offset_ok = match rest {
        [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] => {
            (*sign == b'+' || *sign == b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    };
    if !offset_ok {
        return Err(refuse());
    }
    // The shape is right; chrono checks the calendar (no 31 April) and the ranges.
    DateTime::parse_from_rfc3339(s)
        .map(|t| stored(t.with_timezone(&Utc)))
        .map_err(|_| refuse())
}

/// A time in a request body: deserialized by [`parse_rfc3339`], so every request time the
/// server accepts passed the same parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTime(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for RequestTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_rfc3339(&s)
            .map(RequestTime)
            .map_err(serde::de::Error::custom)
    }
}

/// For a `DateTime<Utc>` field of a request body (`#[serde(deserialize_with = …)]`) whose type
/// other code builds directly: the same strict parser as [`RequestTime`].
pub fn deserialize_strict<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    RequestTime::deserialize(d).map(|t| t.0)
}
