//! The one time module: wall times as people type and read them, in a zone given as its UTC
//! offset at any instant (the browser's, an IANA zone's on the server and in `omctl`), with
//! DST gaps and overlaps refused, never guessed; and the texts every side writes times and
//! interruptions in. Request instants are read by [`crate::instant`]'s strict parser.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};

use crate::schedule::{ScheduleError, ScheduleErrorCode};

// Written field by field rather than with chrono's format strings: those are interpreted at run
// time, and their machinery was a measurable part of the console's wasm, which uses these rules.

/// `2026-12-01 18:30:00 UTC`: the time the rules' messages name.
pub fn utc_text(t: DateTime<Utc>) -> String {
    format!("{}:{:02} UTC", wall_text(t.naive_utc()), t.second())
}

/// `2026-03-08 02:30`.
pub fn wall_text(t: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `2026-11-30 02:00 UTC+08:00` (at `offset_s` seconds east of UTC), or `2026-11-29 18:00 UTC`
/// for `None`: the zone always written out, as the console (in English) and `omctl` show times.
pub fn zoned_text(t: DateTime<Utc>, offset_s: Option<i32>) -> String {
    let (wall, suffix) = zoned_wall(t, offset_s);
    format!("{} {suffix}", wall_text(wall))
}

/// The wall time at `offset_s` (`None`: UTC) and the zone's name: `UTC` or `UTC+08:00`.
pub fn zoned_wall(t: DateTime<Utc>, offset_s: Option<i32>) -> (NaiveDateTime, String) {
    match offset_s {
        None => (t.naive_utc(), "UTC".to_owned()),
        Some(off) => (
            t.naive_utc() + Duration::seconds(i64::from(off)),
            format!("UTC{}", format_offset(off)),
        ),
    }
}

/// Reads a wall time as people type it and as `<input type="datetime-local">` writes it:
/// `2026-12-02T02:00` or `2026-12-02 02:00`, optionally with `:SS`.
pub fn parse_wall(value: &str) -> Option<NaiveDateTime> {
    let b = value.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && (at(10, b'T') || at(10, b' ')) && at(13, b':')) {
        return None;
    }
    let second = match b.len() {
        16 => 0,
        19 if at(16, b':') => num(17, 2)?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?.and_hms_opt(
        num(11, 2)?,
        num(14, 2)?,
        second,
    )
}

/// How long at most an item is interrupted, in the words every side uses: none, under a
/// minute (failover), or whole minutes rounded up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterruptionWords {
    None,
    UnderAMinute,
    Minutes(u64),
}

impl InterruptionWords {
    pub fn of(seconds: u64) -> Self {
        match seconds {
            0 => InterruptionWords::None,
            1..=60 => InterruptionWords::UnderAMinute,
            s => InterruptionWords::Minutes(s.div_ceil(60)),
        }
    }

    /// The console's English words: `none`, `under 1 minute`, `10 minutes`.
    pub fn english(self) -> String {
        match self {
            InterruptionWords::None => "none".to_owned(),
            InterruptionWords::UnderAMinute => "under 1 minute".to_owned(),
            InterruptionWords::Minutes(m) => format!("{m} minutes"),
        }
    }

    /// The console's Chinese words: `无`, `不到 1 分钟`, `10 分钟`.
    pub fn chinese(self) -> String {
        match self {
            InterruptionWords::None => "无".to_owned(),
            InterruptionWords::UnderAMinute => "不到 1 分钟".to_owned(),
            InterruptionWords::Minutes(m) => format!("{m} 分钟"),
        }
    }
}

/// `2026-12-01 02:00 (UTC+08:00)`: a time at `offset_s` seconds east of UTC, as messages that
/// leave the console (chat, mail, pager) write it, the offset always spelt out.
pub fn zoned_text_parenthesized(t: DateTime<Utc>, offset_s: i32) -> String {
    let (wall, suffix) = zoned_wall(t, Some(offset_s));
    format!("{} ({suffix})", wall_text(wall))
}

/// What a wall-clock time in the viewer's time zone means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    Unique(DateTime<Utc>),
    /// The clocks went back: the wall time happened twice.
    Ambiguous {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// The clocks went forward: the wall time never happened.
    Nonexistent,
}

/// Resolves a wall-clock time given the zone's UTC offset (in seconds east of UTC) at any
/// instant. The browser passes its own zone; tests pass a table. Offsets are probed a day either
/// side, which covers every real transition.
pub fn resolve_local(wall: NaiveDateTime, offset_at: impl Fn(DateTime<Utc>) -> i32) -> LocalTime {
    let as_utc = Utc.from_utc_datetime(&wall);
    // Saturating at the ends of the calendar, where there is no day before or after to probe.
    let day = Duration::days(1);
    let mut offsets = [
        offset_at(as_utc.checked_sub_signed(day).unwrap_or(as_utc)),
        offset_at(as_utc),
        offset_at(as_utc.checked_add_signed(day).unwrap_or(as_utc)),
    ];
    offsets.sort_unstable();
    let mut instants: Vec<DateTime<Utc>> = Vec::new();
    for (i, off) in offsets.iter().enumerate() {
        if i > 0 && offsets[i - 1] == *off {
            continue;
        }
        let Some(candidate) = as_utc.checked_sub_signed(Duration::seconds(i64::from(*off))) else {
            continue;
        };
        if offset_at(candidate) == *off && !instants.contains(&candidate) {
            instants.push(candidate);
        }
    }
    instants.sort_unstable();
    match instants.as_slice() {
        [] => LocalTime::Nonexistent,
        [one] => LocalTime::Unique(*one),
        [earlier, .., later] => LocalTime::Ambiguous {
            earlier: *earlier,
            later: *later,
        },
    }
}

/// Turns a local wall time into a UTC instant, refusing times that DST makes ambiguous or
/// nonexistent instead of guessing.
pub fn local_to_utc(
    wall: NaiveDateTime,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> Result<DateTime<Utc>, ScheduleError> {
    match resolve_local(wall, offset_at) {
        LocalTime::Unique(t) => Ok(t),
        LocalTime::Nonexistent => Err(ScheduleError {
            code: ScheduleErrorCode::NonexistentLocalTime,
            message: format!(
                "{} does not exist in your time zone (the clocks skip it for daylight saving time). Choose another time.",
                wall_text(wall)
            ),
        }),
        LocalTime::Ambiguous { earlier, later } => Err(ScheduleError {
            code: ScheduleErrorCode::AmbiguousLocalTime,
            message: format!(
                "{} happens twice in your time zone (at {} and at {}) because the clocks go back. Choose another time or enter it in UTC.",
                wall_text(wall),
                utc_text(earlier),
                utc_text(later)
            ),
        }),
    }
}

/// Formats an offset such as `+08:00` or `-05:30`.
pub fn format_offset(offset_s: i32) -> String {
    FixedOffset::east_opt(offset_s)
        .map(|o| o.to_string())
        .unwrap_or_else(|| "+00:00".to_owned())
}

#[cfg(test)]
mod words_tests {
    use super::*;

    #[test]
    fn interruptions_read_as_the_console_words_them() {
        for (s, en, zh) in [
            (0, "none", "无"),
            (1, "under 1 minute", "不到 1 分钟"),
            (60, "under 1 minute", "不到 1 分钟"),
            (61, "2 minutes", "2 分钟"),
            (600, "10 minutes", "10 分钟"),
        ] {
            assert_eq!(InterruptionWords::of(s).english(), en);
            assert_eq!(InterruptionWords::of(s).chinese(), zh);
        }
    }

    #[test]
    fn message_times_spell_out_their_offset() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            zoned_text_parenthesized(t, 8 * 3600),
            "2026-12-01 02:00 (UTC+08:00)"
        );
        assert_eq!(
            zoned_text_parenthesized(t, 0),
            "2026-11-30 18:00 (UTC+00:00)"
        );
        assert_eq!(
            zoned_text_parenthesized(t, -(5 * 3600 + 1800)),
            "2026-11-30 12:30 (UTC-05:30)"
        );
    }
}
