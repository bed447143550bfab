//! Times as the viewer sees them: in their own zone with its offset, or in UTC.
//!
//! The formatting is plain Rust over an offset function, so it is tested natively; in the
//! browser the offset comes from the browser's zone (`Date.getTimezoneOffset`).

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use vpn_console_domain::time::{format_offset, local_to_utc, parse_wall, wall_text, zoned_wall};
use vpn_console_domain::{ScheduleError, ScheduleErrorCode};

use crate::i18n::{Lang, Msg};

/// Which zone the console shows times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    Utc,
}

/// A UTC offset at each instant, in seconds east of UTC.
#[cfg(not(target_arch = "wasm32"))]
pub type OffsetAt = Box<dyn Fn(DateTime<Utc>) -> i32>;

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    /// The viewer's zone while the server draws the first page (src/first_page.rs); UTC when
    /// there is none.
    pub static SERVER_ZONE: std::cell::RefCell<Option<OffsetAt>> = const { std::cell::RefCell::new(None) };
}

/// The browser's UTC offset at an instant, in seconds east of UTC.
pub fn browser_offset_at(t: DateTime<Utc>) -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
        // getTimezoneOffset is minutes *west* of UTC.
        -(date.get_timezone_offset() as i32) * 60
    }
    // Drawn by the server: the viewer's zone, from the view cookie.
    #[cfg(not(target_arch = "wasm32"))]
    {
        SERVER_ZONE.with(|zone| zone.borrow().as_ref().map_or(0, |offset_at| offset_at(t)))
    }
}

/// `2026-11-30 02:00 UTC+08:00` or `2026-11-29 18:00 UTC`; in Chinese `2026年11月30日 02:00 UTC+08:00`.
/// The zone is always written out.
pub fn format_in(
    t: DateTime<Utc>,
    zone: Zone,
    lang: Lang,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> String {
    let offset = match zone {
        Zone::Utc => None,
        Zone::Local => Some(offset_at(t)),
    };
    let (local, suffix) = zoned_wall(t, offset);
    match lang {
        Lang::En => format!("{} {suffix}", wall_text(local)),
        Lang::Zh => format!(
            "{:04}年{:02}月{:02}日 {:02}:{:02} {suffix}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute()
        ),
    }
}

pub fn format_time(t: DateTime<Utc>, zone: Zone, lang: Lang) -> String {
    format_in(t, zone, lang, browser_offset_at)
}

/// The label of the zone for inputs, e.g. `UTC+08:00 (your time zone)` or `UTC`.
pub fn zone_label(zone: Zone, lang: Lang, at: DateTime<Utc>) -> String {
    match zone {
        Zone::Utc => "UTC".to_owned(),
        Zone::Local => format!(
            "UTC{} ({})",
            format_offset(browser_offset_at(at)),
            lang.text(Msg::YourTimeZone)
        ),
    }
}

pub fn input_value(
    t: DateTime<Utc>,
    zone: Zone,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> String {
    let off = match zone {
        Zone::Utc => 0,
        Zone::Local => offset_at(t),
    };
    let local = t.naive_utc() + Duration::seconds(i64::from(off));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// Why an input value is not a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    Empty,
    Malformed,
    Zone(ScheduleError),
}

impl InputError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            InputError::Empty => lang.text(Msg::ErrEmptyTime).to_owned(),
            InputError::Malformed => lang.text(Msg::ErrMalformedTime).to_owned(),
            InputError::Zone(e) => schedule_error(lang, e, None, Zone::Local),
        }
    }
}

/// A refusal of the domain's rules, in the viewer's language and zone.
pub fn schedule_error(
    lang: Lang,
    e: &ScheduleError,
    default_at: Option<DateTime<Utc>>,
    zone: Zone,
) -> String {
    let t = |m| lang.text(m);
    match e.code {
        ScheduleErrorCode::NotPending => t(Msg::ErrNotPending).to_owned(),
        ScheduleErrorCode::AfterDefaultExecutionTime => match default_at {
            Some(d) => format!(
                "{} ({}).",
                t(Msg::ErrAfterDefault),
                format_time(d, zone, lang)
            ),
            None => format!("{}.", t(Msg::ErrAfterDefault)),
        },
        ScheduleErrorCode::InThePast => format!("{}.", t(Msg::ErrInThePast)),
        ScheduleErrorCode::NonexistentLocalTime => t(Msg::ErrNonexistent).to_owned(),
        ScheduleErrorCode::AmbiguousLocalTime => t(Msg::ErrAmbiguous).to_owned(),
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
    let wall = parse_wall(value).ok_or(InputError::Malformed)?;
    match zone {
        Zone::Utc => Ok(wall.and_utc()),
        Zone::Local => local_to_utc(wall, offset_at).map_err(InputError::Zone),
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
            format_in(t, Zone::Local, Lang::En, shanghai),
            "2026-11-30 02:00 UTC+08:00"
        );
        assert_eq!(
            format_in(t, Zone::Utc, Lang::En, shanghai),
            "2026-11-29 18:00 UTC"
        );
        assert_eq!(
            format_in(t, Zone::Local, Lang::Zh, shanghai),
            "2026年11月30日 02:00 UTC+08:00"
        );
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
        assert_eq!(
            parse_input("2026-11-29T18:00:30", Zone::Utc, shanghai),
            Ok(t + Duration::seconds(30))
        );
        // One reading of wall times for the console and omctl: a space for the `T` too.
        assert_eq!(parse_input("2026-11-29 18:00", Zone::Utc, shanghai), Ok(t));
        for bad in [
            "2026-13-29T18:00",
            "2026-02-30T18:00",
            "2026-11-29T24:00",
            "2026-11-29T18:0",
            "2026-11-29T18:00:",
            "2026-11-29T18:00:60x",
            "+026-11-29T18:00",
        ] {
            assert_eq!(
                parse_input(bad, Zone::Utc, shanghai),
                Err(InputError::Malformed),
                "{bad}"
            );
        }
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
}
