//! A [`chrono::TimeZone`] known only by its UTC offset at each instant, so that the console can
//! place events with the browser's zone data (`Intl`) instead of shipping a zone database. The
//! server uses `chrono_tz::Tz` directly; both satisfy the same generic placement functions.

use std::fmt;
use std::rc::Rc;

use chrono::{
    DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};

use crate::time::{resolve_local, LocalTime};

/// A zone given by `offset_at(t)`: seconds east of UTC at instant `t`.
#[derive(Clone)]
pub struct OffsetZone {
    offset_at: Rc<dyn Fn(DateTime<Utc>) -> i32>,
}

impl OffsetZone {
    pub fn new(offset_at: impl Fn(DateTime<Utc>) -> i32 + 'static) -> Self {
        OffsetZone {
            offset_at: Rc::new(offset_at),
        }
    }

    fn at(&self, t: DateTime<Utc>) -> ZoneOffset {
        // An offset beyond a day is no real zone's; it is read as UTC rather than panicking.
        let fixed = FixedOffset::east_opt((self.offset_at)(t)).unwrap_or(Utc.fix());
        ZoneOffset {
            zone: self.clone(),
            fixed,
        }
    }
}

impl fmt::Debug for OffsetZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OffsetZone")
    }
}

/// The offset of an [`OffsetZone`] at one instant; it keeps the zone, as chrono requires.
#[derive(Clone)]
pub struct ZoneOffset {
    zone: OffsetZone,
    fixed: FixedOffset,
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.fixed, f)
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.fixed, f)
    }
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl TimeZone for OffsetZone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        let offset_at = |t: DateTime<Utc>| self.at(t).fixed.local_minus_utc();
        match resolve_local(*local, offset_at) {
            LocalTime::Unique(t) => MappedLocalTime::Single(self.at(t)),
            LocalTime::Ambiguous { earlier, later } => {
                MappedLocalTime::Ambiguous(self.at(earlier), self.at(later))
            }
            LocalTime::Nonexistent => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.at(Utc.from_utc_datetime(utc))
    }
}
