//! Log sequence numbers: positions in PostgreSQL's write-ahead log.
//!
//! An LSN is a 64-bit byte position. PostgreSQL shows it as two upper-case hexadecimal halves,
//! `X/Y` (high and low 32 bits, no leading zeros), which is also what `pg_lsn` columns, the
//! replication commands (`START_REPLICATION ... LOGICAL X/Y`) and `_godwit.replication` hold.
//! On the wire (pgoutput, XLogData, standby status updates) it is a big-endian `u64`.

use std::fmt;
use std::str::FromStr;

/// A WAL position. Ordered like the WAL: a larger LSN is later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

/// A string that is not an LSN in PostgreSQL's `X/Y` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid LSN {0:?}: expected two hexadecimal numbers of at most 8 digits, as X/Y")]
pub struct ParseLsnError(pub String);

impl Lsn {
    /// The zero position (`0/0`): "no position".
    pub const ZERO: Lsn = Lsn(0);

    /// Parse PostgreSQL's `X/Y` text (upper or lower case hex, 1–8 digits each half).
    ///
    /// # Errors
    ///
    /// [`ParseLsnError`] for anything else (no `/`, empty or longer halves, non-hex digits).
    pub fn parse(s: &str) -> Result<Lsn, ParseLsnError> {
        let bad = || ParseLsnError(s.to_owned());
        let (hi, lo) = s.split_once('/').ok_or_else(bad)?;
        let half = |part: &str| {
            let digits_ok =
                !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_hexdigit());
            if digits_ok { u32::from_str_radix(part, 16).ok() } else { None }
        };
        match (half(hi), half(lo)) {
            (Some(hi), Some(lo)) => Ok(Lsn((u64::from(hi) << 32) | u64::from(lo))),
            _ => Err(bad()),
        }
    }

    /// The `X/Y` text PostgreSQL shows.
    pub fn to_pg_string(self) -> String {
        self.to_string()
    }

    /// Whether this is [`Lsn::ZERO`].
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The raw 64-bit position.
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The LSN at a raw 64-bit position.
    pub fn from_u64(value: u64) -> Self {
        Lsn(value)
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for Lsn {
    type Err = ParseLsnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lsn::parse(s)
    }
}

impl From<u64> for Lsn {
    fn from(value: u64) -> Self {
        Lsn(value)
    }
}

impl From<Lsn> for u64 {
    fn from(lsn: Lsn) -> Self {
        lsn.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_like_postgres_shows_it() {
        let lsn = Lsn::parse("16/B374D848").unwrap();
        assert_eq!(lsn, Lsn(0x16_B374_D848));
        assert_eq!(lsn.to_pg_string(), "16/B374D848");
        assert_eq!(Lsn::parse("0/0").unwrap(), Lsn::ZERO);
        assert_eq!(Lsn::ZERO.to_string(), "0/0");
        assert_eq!("a/1b".parse::<Lsn>().unwrap(), Lsn(0xA_0000_001B));
        assert_eq!(Lsn(u64::MAX).to_string(), "FFFFFFFF/FFFFFFFF");
        assert_eq!(Lsn::parse("FFFFFFFF/FFFFFFFF").unwrap(), Lsn(u64::MAX));
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in ["", "0", "/1", "1/", "1/2/3", "g/1", "1/-1", "123456789/0", " 1/2", "+1/2"] {
            assert!(Lsn::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Lsn::parse("x").unwrap_err().to_string().contains("\"x\""));
    }

    #[test]
    fn order_follows_the_wal() {
        assert!(Lsn::parse("1/0").unwrap() > Lsn::parse("0/FFFFFFFF").unwrap());
        assert!(Lsn::ZERO.is_zero());
        assert_eq!(u64::from(Lsn::from(7)), 7);
        assert_eq!(Lsn::from_u64(9).as_u64(), 9);
    }
}
