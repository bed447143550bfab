//! Times as the viewer sees and types them: in their zone with its offset, or in UTC.
//!
//! The same words as the console (`2026-11-30 02:00 UTC+08:00`), and the same DST rule: a wall
//! time the zone skips or repeats is refused by the domain crate, never guessed.

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use vpn_console_domain::instant::parse_rfc3339;
use vpn_console_domain::time::{local_to_utc, parse_wall, zoned_text, InterruptionWords};

use crate::client::{Failure, Outcome};

#[derive(Debug, Clone, Copy)]
pub enum Zone {
    Utc,
    Named(Tz),
    /// The system's zone (`TZ`, or `/etc/localtime`), as chrono reads it.
    System,
}

impl Zone {
    /// `--utc` wins for showing; `--tz` names the zone; otherwise the system's.
    pub fn for_display(utc: bool, tz: Option<&str>) -> Outcome<Zone> {
        if utc {
            return Ok(Zone::Utc);
        }
        Zone::named_or_system(tz)
    }

    pub fn named_or_system(tz: Option<&str>) -> Outcome<Zone> {
        match tz {
            None => Ok(Zone::System),
            Some(name) => name.parse::<Tz>().map(Zone::Named).map_err(|_| {
                Failure::Usage(format!(
                    "unknown time zone '{name}': use an IANA name such as Asia/Shanghai or UTC"
                ))
            }),
        }
    }

    /// Seconds east of UTC at `t`.
    pub fn offset_at(self, t: DateTime<Utc>) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Named(tz) => tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
            Zone::System => chrono::Local
                .offset_from_utc_datetime(&t.naive_utc())
                .local_minus_utc(),
        }
    }

    /// `2026-11-30 02:00 UTC+08:00`, or `2026-11-29 18:00 UTC`: the zone always written out.
    pub fn show(self, t: DateTime<Utc>) -> String {
        match self {
            Zone::Utc => zoned_text(t, None),
            _ => zoned_text(t, Some(self.offset_at(t))),
        }
    }

    /// An RFC 3339 text shown in this zone; anything else as it came.
    pub fn show_text(self, text: &str) -> String {
        parse_rfc3339(text)
            .map(|t| self.show(t))
            .unwrap_or_else(|_| text.to_owned())
    }
}

/// Reads `--at`: RFC 3339 with any offset, or a wall time in `--tz`.
///
/// A malformed text, or a wall time without `--tz`, is a usage error (exit 2); a wall time the
/// zone skips or repeats is the domain's refusal (exit 1).
pub fn parse_at(text: &str, tz: Option<&str>) -> Outcome<DateTime<Utc>> {
    let text = text.trim();
    // The API's own strict reading: what it would refuse is refused here, before a request.
    if let Ok(t) = parse_rfc3339(text) {
        return Ok(t);
    }
    let Some(wall) = parse_wall(text) else {
        return Err(Failure::Usage(format!(
            "--at '{text}' is not a time: use RFC 3339 (2026-12-01T18:00:00Z, 2026-12-02T02:00:00+08:00) or a wall time (2026-12-02 02:00) with --tz"
        )));
    };
    let Some(name) = tz else {
        return Err(Failure::Usage(format!(
            "--at '{text}' has no offset: add one (Z, +08:00) or name its zone with --tz"
        )));
    };
    let zone = Zone::named_or_system(Some(name))?;
    local_to_utc(wall, |t| zone.offset_at(t)).map_err(Failure::Rule)
}

/// `none`, `under 1 minute`, `10 minutes`: the console's words.
pub fn duration(seconds: u64) -> String {
    match InterruptionWords::of(seconds) {
        InterruptionWords::None => "none".to_owned(),
        InterruptionWords::UnderAMinute => "under 1 minute".to_owned(),
        InterruptionWords::Minutes(m) => format!("{m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::ScheduleErrorCode;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rfc3339_with_any_offset_is_one_instant() {
        let z = parse_at("2026-12-01T18:00:00Z", None).unwrap();
        assert_eq!(parse_at("2026-12-02T02:00:00+08:00", None).unwrap(), z);
        assert_eq!(parse_at("2026-12-01T13:00:00-05:00", None).unwrap(), z);
    }

    #[test]
    fn a_wall_time_is_read_in_its_zone() {
        assert_eq!(
            parse_at("2026-12-02 02:00", Some("Asia/Shanghai")).unwrap(),
            utc("2026-12-01T18:00:00Z")
        );
        assert!(matches!(
            parse_at("2026-12-02 02:00", None),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(
            parse_at("2026-12-02 02:00", Some("Mars/Olympus")),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(parse_at("tomorrow", None), Err(Failure::Usage(_))));
    }

    #[test]
    fn dst_gaps_and_repeats_are_refused_not_guessed() {
        // New York: 2027-03-14 02:30 never happens, 2027-11-07 01:30 happens twice.
        let gap = parse_at("2027-03-14 02:30", Some("America/New_York"));
        let Err(Failure::Rule(e)) = gap else {
            panic!("{gap:?}")
        };
        assert_eq!(e.code, ScheduleErrorCode::NonexistentLocalTime);
        let twice = parse_at("2027-11-07T01:30", Some("America/New_York"));
        let Err(Failure::Rule(e)) = twice else {
            panic!("{twice:?}")
        };
        assert_eq!(e.code, ScheduleErrorCode::AmbiguousLocalTime);
        assert_eq!(
            parse_at("2027-11-07 03:30", Some("America/New_York")).unwrap(),
            utc("2027-11-07T08:30:00Z")
        );
    }

    #[test]
    fn shows_the_zone_and_its_offset() {
        let t = utc("2026-11-29T18:00:00Z");
        assert_eq!(Zone::Utc.show(t), "2026-11-29 18:00 UTC");
        let sh = Zone::named_or_system(Some("Asia/Shanghai")).unwrap();
        assert_eq!(sh.show(t), "2026-11-30 02:00 UTC+08:00");
        let ny = Zone::named_or_system(Some("America/New_York")).unwrap();
        assert_eq!(ny.show(t), "2026-11-29 13:00 UTC-05:00");
        assert_eq!(sh.show_text("not a time"), "not a time");
    }

    #[test]
    fn durations_in_the_consoles_words() {
        assert_eq!(duration(0), "none");
        assert_eq!(duration(60), "under 1 minute");
        assert_eq!(duration(300), "5 minutes");
        assert_eq!(duration(601), "11 minutes");
    }
}
