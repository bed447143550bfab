//! Times as the viewer sees them: in their own zone with its offset, or in UTC.
//!
//! The formatting is plain Rust over an offset function, so it is tested natively; in the
//! browser the offset comes from the browser's zone (`Date.getTimezoneOffset`).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use vpn_console_domain::schedule::{format_offset, local_to_utc};
use vpn_console_domain::ScheduleError;

/// Which zone the console shows times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    Utc,
}

/// The browser's UTC offset at an instant, in seconds east of UTC.
pub fn browser_offset_at(t: DateTime<Utc>) -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
        // getTimezoneOffset is minutes *west* of UTC.
        -(date.get_timezone_offset() as i32) * 60
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = t;
        0
    }
}

/// `2026-11-30 02:00 UTC+08:00` or `2026-11-29 18:00 UTC`.
pub fn format_in(t: DateTime<Utc>, zone: Zone, offset_at: impl Fn(DateTime<Utc>) -> i32) -> String {
    match zone {
        Zone::Utc => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        Zone::Local => {
            let off = offset_at(t);
            let local = t.naive_utc() + Duration::seconds(i64::from(off));
            format!(
                "{} UTC{}",
                local.format("%Y-%m-%d %H:%M"),
                format_offset(off)
            )
        }
    }
}

pub fn format_time(t: DateTime<Utc>, zone: Zone) -> String {
    format_in(t, zone, browser_offset_at)
}

/// The label of the zone for inputs, e.g. `UTC+08:00` (local) or `UTC`.
pub fn zone_label(zone: Zone, at: DateTime<Utc>) -> String {
    match zone {
        Zone::Utc => "UTC".to_owned(),
        Zone::Local => format!(
            "UTC{} (your time zone)",
            format_offset(browser_offset_at(at))
        ),
    }
}

/// The value of an `<input type="datetime-local">` for an instant.
pub fn input_value(
    t: DateTime<Utc>,
    zone: Zone,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> String {
    let off = match zone {
        Zone::Utc => 0,
        Zone::Local => offset_at(t),
    };
    (t.naive_utc() + Duration::seconds(i64::from(off)))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Why an input value is not a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    Empty,
    Malformed,
    Zone(ScheduleError),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Empty => f.write_str("Choose a date and time."),
            InputError::Malformed => f.write_str("Enter the time as YYYY-MM-DD HH:MM."),
            InputError::Zone(e) => f.write_str(&e.message),
        }
    }
}

/// Reads an `<input type="datetime-local">` value in the chosen zone; DST gaps and overlaps are
/// refused by the domain, never guessed.
pub fn parse_input(
    value: &str,
    zone: Zone,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> Result<DateTime<Utc>, InputError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InputError::Empty);
    }
    let wall = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| InputError::Malformed)?;
    match zone {
        Zone::Utc => Ok(wall.and_utc()),
        Zone::Local => local_to_utc(wall, offset_at).map_err(InputError::Zone),
    }
}

/// `under 1 minute`, `10 minutes`, `none`.
pub fn duration_text(seconds: u32) -> String {
    match seconds {
        0 => "none".to_owned(),
        1..=60 => "under 1 minute".to_owned(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{} min {} s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shanghai(_: DateTime<Utc>) -> i32 {
        8 * 3600
    }

    #[test]
    fn formats_with_the_offset() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 18, 0, 0).unwrap();
        assert_eq!(
            format_in(t, Zone::Local, shanghai),
            "2026-11-30 02:00 UTC+08:00"
        );
        assert_eq!(format_in(t, Zone::Utc, shanghai), "2026-11-29 18:00 UTC");
        assert_eq!(input_value(t, Zone::Local, shanghai), "2026-11-30T02:00");
    }

    #[test]
    fn input_round_trips() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 18, 0, 0).unwrap();
        let v = input_value(t, Zone::Local, shanghai);
        assert_eq!(parse_input(&v, Zone::Local, shanghai), Ok(t));
        assert_eq!(parse_input("2026-11-29T18:00", Zone::Utc, shanghai), Ok(t));
        assert_eq!(parse_input("", Zone::Utc, shanghai), Err(InputError::Empty));
        assert_eq!(
            parse_input("tomorrow", Zone::Utc, shanghai),
            Err(InputError::Malformed)
        );
    }

    #[test]
    fn refuses_a_nonexistent_local_time() {
        // New York: clocks jump from 02:00 to 03:00 on 2026-03-08 (07:00 UTC).
        let ny = |t: DateTime<Utc>| {
            let change = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
            if t < change {
                -5 * 3600
            } else {
                -4 * 3600
            }
        };
        assert!(matches!(
            parse_input("2026-03-08T02:30", Zone::Local, ny),
            Err(InputError::Zone(_))
        ));
        assert!(parse_input("2026-03-08T03:30", Zone::Local, ny).is_ok());
    }

    #[test]
    fn durations_read_like_the_source() {
        assert_eq!(duration_text(60), "under 1 minute");
        assert_eq!(duration_text(600), "10 minutes");
        assert_eq!(duration_text(0), "none");
    }
}
