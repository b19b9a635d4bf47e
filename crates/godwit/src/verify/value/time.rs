//! Dates, times and intervals from their ISO text (`DateStyle='ISO, MDY'`,
//! `IntervalStyle='postgres'`, `TimeZone='UTC'`), as both dialects print them, and back.
//!
//! Values are counted the way PostgreSQL stores them: days and microseconds since
//! 2000-01-01, `±infinity` as the extreme integers (`i32::MIN/MAX` for dates,
//! `i64::MIN/MAX` for timestamps) so the binary and text forms of a key meet. Years before 1
//! are written with ` BC` (year 1 BC is astronomical year 0); the calendar is proleptic
//! Gregorian.

/// Microseconds per second, minute, hour and day.
const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Days from 0000-03-01 to 2000-01-01 in `days_from_civil`'s count.
const EPOCH_2000: i64 = 730_425;

/// An interval as PostgreSQL stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Interval {
    /// Years times 12 plus months.
    pub months: i64,
    /// Days.
    pub days: i64,
    /// Time part in microseconds.
    pub micros: i64,
}

type Res<T> = Result<T, &'static str>;

/// Days since 0000-03-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses a run of ASCII digits as a non-negative integer.
fn number(text: &[u8]) -> Res<i64> {
    if text.is_empty() || text.len() > 18 || !text.iter().all(u8::is_ascii_digit) {
        return Err("bad number");
    }
    Ok(text.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Removes a trailing ` BC`.
fn strip_bc(text: &[u8]) -> (&[u8], bool) {
    match text.strip_suffix(b" BC") {
        Some(rest) => (rest, true),
        None => (text, false),
    }
}

/// `YYYY-MM-DD` (any number of year digits) to days since 2000-01-01.
fn date_days(text: &[u8], bc: bool) -> Res<i64> {
    let mut parts = text.splitn(3, |c| *c == b'-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected YYYY-MM-DD");
    };
    let (year, month, day) = (number(y)?, number(m)?, number(d)?);
    if year == 0 || year > 10_000_000 || !(1..=12).contains(&month) {
        return Err("date out of range");
    }
    let year = if bc { 1 - year } else { year };
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    if day < 1 || day > next - days_from_civil(year, month, 1) {
        return Err("day out of range");
    }
    Ok(days_from_civil(year, month, day) - EPOCH_2000)
}

/// A `date`: days since 2000-01-01, `infinity` as `i32::MAX`, `-infinity` as `i32::MIN`.
pub(super) fn parse_date(text: &[u8]) -> Res<i32> {
    match text.trim_ascii() {
        b"infinity" => Ok(i32::MAX),
        b"-infinity" => Ok(i32::MIN),
        text => {
            let (text, bc) = strip_bc(text);
            let days = i32::try_from(date_days(text, bc)?).map_err(|_| "date out of range")?;
            if days == i32::MAX || days == i32::MIN {
                return Err("date out of range");
            }
            Ok(days)
        }
    }
}

/// `HH:MM[:SS[.ffffff]]` to microseconds; hour 24 only as `24:00:00`.
pub(super) fn parse_time(text: &[u8]) -> Res<i64> {
    let (clock, frac) = match text.iter().position(|c| *c == b'.') {
        Some(at) => (&text[..at], fraction(&text[at + 1..])?),
        None => (text, 0),
    };
    let mut parts = clock.split(|c| *c == b':');
    let hour = number(parts.next().ok_or("no hour")?)?;
    let minute = number(parts.next().ok_or("no minute")?)?;
    let second = parts.next().map_or(Ok(0), number)?;
    if parts.next().is_some() || hour > 24 || minute > 59 || second > 59 {
        return Err("time out of range");
    }
    let micros = hour * HOUR + minute * MIN + second * SEC + frac;
    if micros > DAY {
        return Err("time out of range");
    }
    Ok(micros)
}

/// Up to six fraction digits to microseconds.
fn fraction(digits: &[u8]) -> Res<i64> {
    if digits.len() > 6 {
        return Err("more than microsecond precision");
    }
    Ok(number(digits)? * 10i64.pow(6 - digits.len() as u32))
}

/// Splits `time+hh[:mm[:ss]]` into the time and the offset in seconds east of UTC.
fn split_offset(text: &[u8]) -> Res<(&[u8], i64)> {
    let at = text.iter().rposition(|c| *c == b'+' || *c == b'-').ok_or("no UTC offset")?;
    let (time, zone) = (&text[..at], &text[at + 1..]);
    if zone.len() == 4 && !zone.contains(&b':') {
        // `+hhmm`, as input accepts it.
        let offset = number(&zone[..2])? * 3600 + number(&zone[2..])? * 60;
        return Ok((time, if text[at] == b'-' { -offset } else { offset }));
    }
    let mut parts = zone.split(|c| *c == b':');
    let hours = number(parts.next().ok_or("no offset")?)?;
    let minutes = parts.next().map_or(Ok(0), number)?;
    let seconds = parts.next().map_or(Ok(0), number)?;
    if parts.next().is_some() || hours > 15 || minutes > 59 || seconds > 59 {
        return Err("offset out of range");
    }
    let offset = hours * 3600 + minutes * 60 + seconds;
    Ok((time, if text[at] == b'-' { -offset } else { offset }))
}

/// A `timetz`: (microseconds of the local time, offset in seconds east of UTC).
pub(super) fn parse_timetz(text: &[u8]) -> Res<(i64, i64)> {
    let (time, offset) = split_offset(text.trim_ascii())?;
    Ok((parse_time(time)?, offset))
}

/// A `timestamp` (`with_zone`: `timestamptz`, converted to UTC) in microseconds since
/// 2000-01-01; `infinity`/`-infinity` as `i64::MAX`/`i64::MIN`.
pub(super) fn parse_timestamp(text: &[u8], with_zone: bool) -> Res<i64> {
    let (text, bc) = match text.trim_ascii() {
        b"infinity" => return Ok(i64::MAX),
        b"-infinity" => return Ok(i64::MIN),
        text => strip_bc(text),
    };
    let at = text.iter().position(|c| *c == b' ' || *c == b'T').ok_or("no time part")?;
    let days = date_days(&text[..at], bc)?;
    let (time, offset) =
        if with_zone { split_offset(&text[at + 1..])? } else { (&text[at + 1..], 0) };
    let micros = parse_time(time)?;
    // In i128: the day part alone may pass i64's range where the sum does not.
    let total = i128::from(days) * i128::from(DAY) + i128::from(micros - offset * SEC);
    let total = i64::try_from(total).map_err(|_| "timestamp out of range")?;
    if total == i64::MAX || total == i64::MIN {
        return Err("timestamp out of range");
    }
    Ok(total)
}

/// An interval in `IntervalStyle='postgres'`: `1 year 2 mons 3 days 04:05:06.5`,
/// `-1 days +02:00:00`, `00:00:00`.
pub(super) fn parse_interval(text: &[u8]) -> Res<Interval> {
    let mut iv = Interval { months: 0, days: 0, micros: 0 };
    let mut words = text.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
    let mut any = false;
    while let Some(word) = words.next() {
        any = true;
        if word.contains(&b':') {
            let (neg, clock) = signed(word);
            let micros = interval_time(clock)?;
            iv.micros =
                iv.micros.checked_add(if neg { -micros } else { micros }).ok_or("overflow")?;
            continue;
        }
        let (neg, digits) = signed(word);
        let n = if neg { -number(digits)? } else { number(digits)? };
        let unit = words.next().ok_or("number without unit")?;
        let (field, factor) = match unit {
            b"year" | b"years" => (&mut iv.months, 12),
            b"mon" | b"mons" => (&mut iv.months, 1),
            b"day" | b"days" => (&mut iv.days, 1),
            _ => return Err("unknown unit"),
        };
        *field = n.checked_mul(factor).and_then(|v| field.checked_add(v)).ok_or("overflow")?;
    }
    if any { Ok(iv) } else { Err("empty") }
}

/// A leading sign.
fn signed(word: &[u8]) -> (bool, &[u8]) {
    match word.first() {
        Some(b'-') => (true, &word[1..]),
        Some(b'+') => (false, &word[1..]),
        _ => (false, word),
    }
}

/// `H+:MM:SS[.ffffff]` of an interval (hours unbounded) to microseconds.
fn interval_time(text: &[u8]) -> Res<i64> {
    let (clock, frac) = match text.iter().position(|c| *c == b'.') {
        Some(at) => (&text[..at], fraction(&text[at + 1..])?),
        None => (text, 0),
    };
    let mut parts = clock.split(|c| *c == b':');
    let hours = number(parts.next().ok_or("no hours")?)?;
    let minutes = number(parts.next().ok_or("no minutes")?)?;
    let seconds = parts.next().map_or(Ok(0), number)?;
    if parts.next().is_some() || minutes > 59 || seconds > 59 {
        return Err("bad interval time");
    }
    hours
        .checked_mul(HOUR)
        .and_then(|h| h.checked_add(minutes * MIN + seconds * SEC + frac))
        .ok_or("overflow")
}

/// PostgreSQL's ISO text of a date (days since 2000-01-01 or the infinities).
pub(super) fn date_text(days: i32) -> String {
    match days {
        i32::MAX => "infinity".to_owned(),
        i32::MIN => "-infinity".to_owned(),
        days => ymd_text(i64::from(days)).0,
    }
}

/// `YYYY-MM-DD` and whether ` BC` must follow.
fn ymd_text(days: i64) -> (String, bool) {
    let (year, month, day) = civil_from_days(days + EPOCH_2000);
    let bc = year <= 0;
    let year = if bc { 1 - year } else { year };
    let text = format!("{year:04}-{month:02}-{day:02}");
    if bc { (text + " BC", true) } else { (text, false) }
}

/// PostgreSQL's ISO text of a timestamp (`zone`: append `+00`, as for `timestamptz` in UTC).
pub(super) fn timestamp_text(micros: i64, zone: bool) -> String {
    match micros {
        i64::MAX => return "infinity".to_owned(),
        i64::MIN => return "-infinity".to_owned(),
        _ => {}
    }
    let (date, bc) = ymd_text(micros.div_euclid(DAY));
    let date = date.trim_end_matches(" BC");
    let mut text = format!("{date} {}", time_text(micros.rem_euclid(DAY)));
    if zone {
        text.push_str("+00");
    }
    if bc {
        text.push_str(" BC");
    }
    text
}

/// `HH:MM:SS[.ffffff]` with trailing fraction zeros removed, as PostgreSQL prints.
fn time_text(micros: i64) -> String {
    let (h, m, s, f) = (micros / HOUR, micros / MIN % 60, micros / SEC % 60, micros % SEC);
    let mut text = format!("{h:02}:{m:02}:{s:02}");
    if f != 0 {
        let frac = format!("{f:06}");
        text.push('.');
        text.push_str(frac.trim_end_matches('0'));
    }
    text
}
