//! The known set of differences: [`inject`] breaks an identical pair of matrix databases in
//! known ways (a change in every column of every matrix table, NULL vs empty string, `-0`
//! vs `0`, numeric trailing zeros, `json` key order, the last digit of a float, missing and
//! extra rows, a keyless table with a missing and a duplicated row) and returns what a
//! report must say; [`assert_report`] checks that a report says exactly that, whatever mode
//! produced it.

use std::collections::{BTreeMap, BTreeSet};

use godwit::verify::{Report, Severity};
use godwit_test_support::TestDb;

/// How a row differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Missing,
    Extraneous,
    Mismatched,
}

/// One differing row: its table (`schema.name`), key text (the whole row for a keyless
/// table; `None` is NULL) and, for a mismatch, the differing columns.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub table: &'static str,
    pub kind: Kind,
    pub key: Vec<Option<&'static str>>,
    pub columns: &'static [&'static str],
}

/// What the report must say.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub changes: Vec<Change>,
}

fn change(
    table: &'static str,
    kind: Kind,
    key: &[Option<&'static str>],
    columns: &'static [&'static str],
) -> Change {
    Change { table, kind, key: key.to_vec(), columns }
}

fn mismatch(table: &'static str, key: &'static str, columns: &'static [&'static str]) -> Change {
    change(table, Kind::Mismatched, &[Some(key)], columns)
}

/// Statements run on both sides before the breakage (values the breakage needs on the
/// source).
const BOTH: &str = r#"
update matrix.documents set j = '{"a":1,"b":2}' where id = 2;
update matrix.numbers set n = 1.5 where id = 5;
"#;

/// The breakage, on the target only.
const BREAK: &str = r#"
update matrix.numbers set i2 = 1, b = true where id = 1;
update matrix.numbers set i4 = -2147483647 where id = 2;
update matrix.numbers set i8 = 9223372036854775806, o = 5 where id = 3;
update matrix.numbers set f4 = 1.5 where id = 4;
update matrix.numbers set n = 1.50 where id = 5;
update matrix.numbers set n_small = -2 where id = 6;
update matrix.numbers set f8 = 0 where id = 7;
update matrix.numbers set n_scaled = 1 where id = 8;
update matrix.numbers set f8 = 0.3000000000000001 where id = 10;
update matrix.numbers set m = 1 where id = 11;
update matrix.texts set t = null where id = 1;
update matrix.texts set vc = 'x', c = 'x', ch = 'y' where id = 2;
update matrix.texts set nm = 'other', by = '\x01', bits = B'000000000001' where id = 3;
update matrix.texts set vb = B'1', vb_free = B'1', u = '00000000-0000-0000-0000-000000000001',
    lsn = '0/1' where id = 4;
update matrix.documents set jb = '{"a": 2}', x = '<b/>', tsv = 'x', tsq = 'y' where id = 1;
update matrix.documents set j = '{"b":2,"a":1}' where id = 2;
update matrix.times set d = '2000-01-01', t = '01:00', t0 = '01:00', ttz = '00:00:00+1558'
    where id = 1;
update matrix.times set ts = '2000-01-01', ts3 = '2000-01-01', tstz = '2000-01-01 00:00+00',
    iv = '1 day', iv_ym = '1 year' where id = 2;
update matrix.network_geometry set ip = '10.0.0.1', net = '11.0.0.0/8',
    mac = '08:00:2b:01:02:04', mac8 = '08:00:2b:01:02:03:04:06', pt = '(1,1)',
    ln = '{1,-1,1}' where id = 1;
update matrix.network_geometry set seg = '[(0,0),(2,2)]', bx = '(2,2),(0,0)',
    pth = '((0,0),(1,1),(2,1))', pg = '((0.5,0.6))', ci = '<(1,2),1>' where id = 2;
update matrix.ranges set r4 = '[1,11)', r8 = '[0,2)', rn = '(1.5,3.5]',
    rts = '[2020-01-02,infinity)', rtstz = '[2020-01-01 00:00+00,2020-01-03 00:00+00)',
    rd = '[2020-01-01,2020-03-01)' where id = 2;
update matrix.ranges set m4 = '{[1,4)}', mn = '{(1,2)}', md = '{[2020-01-01,2020-01-02)}',
    mtstz = '{}', rf = '[1,2)' where id = 3;
update matrix.arrays set a_int = '{1}', a_2d = '{{1,2},{3,5}}', a_3d = '{{{9}}}',
    a_text = '{x}', a_num = '{1.5}', a_f8 = '{0.5}', a_bool = '{f}' where id = 1;
update matrix.arrays set a_tstz = '{"2001-01-01 00:00+00"}', a_jsonb = '{"[1]"}',
    a_bytea = '{"\\x01"}', a_uuid = '{00000000-0000-0000-0000-000000000001}',
    a_inet = '{10.0.0.1}', a_char = '{abc}', a_range = '{"[1,2)"}' where id = 2;
update matrix.user_types set mood = 'ok', amount = 2, addr = row('Main St', 6, '12345', '(1,2)'),
    tag = row('happy', 1.5, '2020-01-01 00:00+00', row('x', 2, 'z', '(0,0)')),
    fr = '[1.5,3.5)' where id = 1;
update matrix.user_types set moods = '{sad}', amounts = '{2}',
    addrs = array[row('b', 1, 'z', '(1,1)')::matrix.address],
    tags = array[row('sad', 2, 'infinity', null)::matrix.tagged] where id = 3;
delete from matrix.composite_key where seq = 1;
update matrix.composite_key set v = 'changed' where seq = 2;
insert into matrix.text_key values ('zz extra', 1), ('B', 5);
delete from matrix.text_key where k = 'ä';
update matrix.text_key set v = 0 where k = '🦆';
delete from matrix.uuid_key where k = '00000000-0000-0000-0000-000000000000';
insert into matrix.uuid_key values ('12345678-1234-1234-1234-123456789abc', 'new');
delete from matrix.keyless
    where ctid = (select min(ctid) from matrix.keyless where a = 2 and b = '');
insert into matrix.keyless values (2, null, -0.0);
insert into matrix.empty values (1, 'x');
delete from matrix.one_row;
update "Select"."Order" set "WHERE" = false, "ümlaut" = 'x' where "From" = 1;
delete from "Select"."Big Table" where "Key Col" = -14997;
update "Select"."Big Table" set "select" = 0 where "Key Col" = 0;
"#;

/// Break `target` (loaded like `source`) and say what a report must show.
pub(crate) async fn inject(source: &TestDb, target: &TestDb) -> Expected {
    source.execute_script(BOTH).await;
    target.execute_script(BOTH).await;
    target.execute_script(BREAK).await;
    use Kind::{Extraneous, Missing};
    let n = "matrix.numbers";
    let changes = vec![
        mismatch(n, "1", &["i2", "b"]),
        mismatch(n, "2", &["i4"]),
        mismatch(n, "3", &["i8", "o"]),
        mismatch(n, "4", &["f4"]),
        mismatch(n, "5", &["n"]),
        mismatch(n, "6", &["n_small"]),
        mismatch(n, "7", &["f8"]),
        mismatch(n, "8", &["n_scaled"]),
        mismatch(n, "10", &["f8"]),
        mismatch(n, "11", &["m"]),
        mismatch("matrix.texts", "1", &["t"]),
        mismatch("matrix.texts", "2", &["vc", "c", "ch"]),
        mismatch("matrix.texts", "3", &["nm", "by", "bits"]),
        mismatch("matrix.texts", "4", &["vb", "vb_free", "u", "lsn"]),
        mismatch("matrix.documents", "1", &["jb", "x", "tsv", "tsq"]),
        mismatch("matrix.documents", "2", &["j"]),
        mismatch("matrix.times", "1", &["d", "t", "t0", "ttz"]),
        mismatch("matrix.times", "2", &["ts", "ts3", "tstz", "iv", "iv_ym"]),
        mismatch("matrix.network_geometry", "1", &["ip", "net", "mac", "mac8", "pt", "ln"]),
        mismatch("matrix.network_geometry", "2", &["seg", "bx", "pth", "pg", "ci"]),
        mismatch("matrix.ranges", "2", &["r4", "r8", "rn", "rts", "rtstz", "rd"]),
        mismatch("matrix.ranges", "3", &["m4", "mn", "md", "mtstz", "rf"]),
        mismatch(
            "matrix.arrays",
            "1",
            &["a_int", "a_2d", "a_3d", "a_text", "a_num", "a_f8", "a_bool"],
        ),
        mismatch(
            "matrix.arrays",
            "2",
            &["a_tstz", "a_jsonb", "a_bytea", "a_uuid", "a_inet", "a_char", "a_range"],
        ),
        mismatch("matrix.user_types", "1", &["mood", "amount", "addr", "tag", "fr"]),
        mismatch("matrix.user_types", "3", &["moods", "amounts", "addrs", "tags"]),
        change(
            "matrix.composite_key",
            Missing,
            &[Some("region 1"), Some("2020-01-02"), Some("1")],
            &[],
        ),
        change(
            "matrix.composite_key",
            Kind::Mismatched,
            &[Some("region 2"), Some("2020-01-03"), Some("2")],
            &["v"],
        ),
        change("matrix.text_key", Extraneous, &[Some("zz extra")], &[]),
        change("matrix.text_key", Extraneous, &[Some("B")], &[]),
        change("matrix.text_key", Missing, &[Some("ä")], &[]),
        mismatch("matrix.text_key", "🦆", &["v"]),
        change("matrix.uuid_key", Missing, &[Some("00000000-0000-0000-0000-000000000000")], &[]),
        change("matrix.uuid_key", Extraneous, &[Some("12345678-1234-1234-1234-123456789abc")], &[]),
        change("matrix.keyless", Missing, &[Some("2"), Some(""), Some("0")], &[]),
        change("matrix.keyless", Extraneous, &[Some("2"), None, Some("0.0")], &[]),
        change("matrix.empty", Extraneous, &[Some("1")], &[]),
        change("matrix.one_row", Missing, &[Some("-9223372036854775808")], &[]),
        mismatch("Select.Order", "1", &["WHERE", "ümlaut"]),
        change("Select.Big Table", Missing, &[Some("-14997")], &[]),
        mismatch("Select.Big Table", "0", &["select"]),
    ];
    Expected { changes }
}

type Keys = BTreeSet<Vec<Option<String>>>;

/// Per table: (missing keys, extraneous keys, mismatched keys, per-column mismatch counts).
type Tally = BTreeMap<String, (Keys, Keys, Keys, BTreeMap<String, u64>)>;

/// Assert that `report` shows exactly `expected`: counts, keys and columns, no more and no
/// fewer, on every table; nothing unchecked; no schema difference.
pub(crate) fn assert_report(report: &Report, expected: &Expected) {
    let schema: Vec<_> = report.schema.iter().filter(|d| d.severity >= Severity::Warning).collect();
    assert!(schema.is_empty(), "schema differences: {schema:#?}");
    let mut want = Tally::new();
    for c in &expected.changes {
        let entry = want.entry(c.table.to_owned()).or_default();
        let key: Vec<_> = c.key.iter().map(|k| k.map(str::to_owned)).collect();
        match c.kind {
            Kind::Missing => entry.0.insert(key),
            Kind::Extraneous => entry.1.insert(key),
            Kind::Mismatched => entry.2.insert(key),
        };
        for col in c.columns {
            *entry.3.entry((*col).to_owned()).or_default() += 1;
        }
    }
    let mut got = Tally::new();
    let mut problems = Vec::new();
    for t in &report.tables {
        let name = format!("{}.{}", t.schema, t.name);
        if let Some(e) = &t.error {
            problems.push(format!("{name}: not checked: {e}"));
        }
        let counted = (t.missing, t.extraneous, t.mismatched);
        let sampled =
            (t.samples.missing.len(), t.samples.extraneous.len(), t.samples.mismatched.len());
        if counted != (sampled.0 as u64, sampled.1 as u64, sampled.2 as u64) {
            problems.push(format!("{name}: counts {counted:?} but samples {sampled:?}"));
        }
        if t.matched + t.missing + t.mismatched != t.source_rows
            || t.matched + t.extraneous + t.mismatched != t.target_rows
        {
            problems.push(format!("{name}: counts do not add up: {t:?}"));
        }
        let set = |v: &Vec<Vec<Option<String>>>| v.iter().cloned().collect::<Keys>();
        let entry = (
            set(&t.samples.missing),
            set(&t.samples.extraneous),
            set(&t.samples.mismatched),
            t.mismatched_columns.clone(),
        );
        if entry != Default::default() {
            got.insert(name, entry);
        }
    }
    let names: BTreeSet<_> = want.keys().chain(got.keys()).cloned().collect();
    for name in names {
        let (w, g) = (want.get(&name), got.get(&name));
        if w != g {
            problems.push(format!("{name}:\n  expected {w:?}\n  reported {g:?}"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
