//! Type names between dialects (`crdb-dialect.md` §1.5 and §2.1).
//!
//! Types are carried as the text the source printed: PostgreSQL's `format_type` output
//! (`character varying(20)`, `timestamp(3) with time zone`, `integer[]`, `public.mood`) or
//! CockroachDB's `SHOW CREATE` spelling (`STRING(20)`, `TIMESTAMPTZ(3)`, `INT8[]`,
//! `db.public.mood`). A name is split into base, modifiers and array suffix, the base is
//! mapped, and the rest is put back.

/// A type name split into parts: `base(args) tail[]...`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts<'a> {
    base: &'a str,
    args: Option<&'a str>,
    tail: &'a str,
    arrays: usize,
}

fn split(ty: &str) -> Parts<'_> {
    let mut rest = ty.trim();
    let mut arrays = 0;
    while let Some(r) = rest.strip_suffix("[]") {
        rest = r.trim_end();
        arrays += 1;
    }
    match (rest.find('('), rest.find(')')) {
        (Some(open), Some(close)) if close > open && !rest.starts_with('"') => Parts {
            base: rest[..open].trim(),
            args: Some(&rest[open + 1..close]),
            tail: rest[close + 1..].trim(),
            arrays,
        },
        _ => Parts { base: rest, args: None, tail: "", arrays },
    }
}

fn join(base: &str, args: Option<&str>, tail: &str, arrays: usize) -> String {
    let mut out = base.to_owned();
    if let Some(a) = args {
        out.push('(');
        out.push_str(&a.replace(' ', ""));
        out.push(')');
    }
    if !tail.is_empty() {
        out.push(' ');
        out.push_str(tail);
    }
    out.push_str(&"[]".repeat(arrays));
    out
}

/// A CockroachDB type as PostgreSQL spells it.
pub fn crdb_to_pg(ty: &str) -> String {
    let mut p = split(ty);
    let zoned = time_zone(&mut p);
    let upper = p.base.to_ascii_uppercase();
    let (base, args): (String, Option<&str>) = match (upper.as_str(), zoned) {
        ("TIMESTAMP", Some(zone)) => return join("timestamp", p.args, zone, p.arrays),
        ("TIME", Some(zone @ "with time zone")) => return join("time", p.args, zone, p.arrays),
        _ => match upper.as_str() {
            "INT8" | "INT" | "INT64" | "BIGINT" | "INTEGER" => ("bigint".into(), None),
            "INT4" => ("integer".into(), None),
            "INT2" | "SMALLINT" => ("smallint".into(), None),
            "FLOAT8" | "FLOAT" | "DOUBLE PRECISION" => ("double precision".into(), None),
            "FLOAT4" | "REAL" => ("real".into(), None),
            "DECIMAL" | "NUMERIC" | "DEC" => ("numeric".into(), p.args),
            "STRING" | "TEXT" if p.args.is_some() => ("character varying".into(), p.args),
            "STRING" | "TEXT" => ("text".into(), None),
            "VARCHAR" | "CHARACTER VARYING" => ("character varying".into(), p.args),
            "CHAR" | "CHARACTER" => ("character".into(), p.args),
            "BYTES" | "BYTEA" | "BLOB" => ("bytea".into(), None),
            "BOOL" | "BOOLEAN" => ("boolean".into(), None),
            "TIMESTAMP" => return join("timestamp", p.args, "without time zone", p.arrays),
            "TIMESTAMPTZ" => return join("timestamp", p.args, "with time zone", p.arrays),
            "TIMETZ" => return join("time", p.args, "with time zone", p.arrays),
            "VARBIT" => ("bit varying".into(), p.args),
            "JSON" | "JSONB" => ("jsonb".into(), None),
            "GEOMETRY" | "GEOGRAPHY" => return spatial(&upper, p.args, p.arrays),
            _ if is_builtin_word(&upper) => (p.base.to_ascii_lowercase(), p.args),
            _ => (strip_database(p.base), p.args),
        },
    };
    join(&base, args, p.tail, p.arrays)
}

/// Take the SQL-standard `WITH[OUT] TIME ZONE` suffix off `p` (after the precision, or after
/// the base when there is none) and return PostgreSQL's spelling of it.
fn time_zone(p: &mut Parts<'_>) -> Option<&'static str> {
    for (suffix, zone) in
        [(" WITH TIME ZONE", "with time zone"), (" WITHOUT TIME ZONE", "without time zone")]
    {
        let tail = format!(" {}", p.tail);
        if tail.len() == suffix.len() && tail.eq_ignore_ascii_case(suffix) {
            p.tail = "";
            return Some(zone);
        }
        let base = p.base;
        if base.len() > suffix.len() && base.is_char_boundary(base.len() - suffix.len()) {
            let (head, end) = base.split_at(base.len() - suffix.len());
            if end.eq_ignore_ascii_case(suffix) {
                p.base = head.trim_end();
                return Some(zone);
            }
        }
    }
    None
}

/// CockroachDB `GEOMETRY(shape[,srid])` → PostGIS `geometry(Shape[,srid])`; the generic shape
/// with no SRID (`GEOMETRY(GEOMETRY)`, SRID 0) is plain `geometry`.
fn spatial(upper: &str, args: Option<&str>, arrays: usize) -> String {
    let base = upper.to_ascii_lowercase();
    let Some(args) = args else { return join(&base, None, "", arrays) };
    let mut parts = args.split(',').map(str::trim);
    let shape = parts.next().unwrap_or("");
    let srid = parts.next().filter(|s| *s != "0");
    if shape.eq_ignore_ascii_case("geometry") && srid.is_none() {
        return join(&base, None, "", arrays);
    }
    const SHAPES: &[&str] = &[
        "Point",
        "LineString",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
        "Geometry",
    ];
    let shape_name =
        SHAPES.iter().find(|n| n.eq_ignore_ascii_case(shape)).map_or(shape, |n| n).to_owned();
    let args = match srid {
        Some(srid) => format!("{shape_name},{srid}"),
        None => shape_name,
    };
    join(&base, Some(&args), "", arrays)
}

/// Built-in names both dialects spell alike (compared in upper case).
fn is_builtin_word(upper: &str) -> bool {
    const SAME: &[&str] = &[
        "DATE",
        "TIME",
        "INTERVAL",
        "UUID",
        "INET",
        "BIT",
        "OID",
        "NAME",
        "\"CHAR\"",
        "TSVECTOR",
        "TSQUERY",
        "JSONPATH",
        "GEOMETRY",
        "GEOGRAPHY",
        "BOX2D",
        "CITEXT",
        "LTREE",
        "VECTOR",
        "REGCLASS",
        "REGTYPE",
        "REGPROC",
    ];
    SAME.contains(&upper)
}

/// `db.schema.type` → `schema.type`; one- and two-part names are kept.
fn strip_database(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() == 3 { format!("{}.{}", parts[1], parts[2]) } else { name.to_owned() }
}

/// A PostgreSQL type as CockroachDB should receive it, or `None` when CockroachDB has no
/// equivalent (range, geometric and multi-dimensional types).
pub fn pg_to_crdb(ty: &str) -> Option<String> {
    let p = split(ty);
    if p.arrays > 1 {
        return None;
    }
    let mapped: String = match p.base {
        "integer" | "int" | "int4" => "INT4".into(),
        "bigint" | "int8" => "INT8".into(),
        "smallint" | "int2" => "INT2".into(),
        "money" => return Some(join("DECIMAL", Some("19,2"), "", p.arrays)),
        "cidr" => "INET".into(),
        "macaddr" | "macaddr8" | "xml" | "pg_lsn" | "txid_snapshot" | "pg_snapshot" | "tid"
        | "xid" | "xid8" | "cid" => "STRING".into(),
        "json" | "hstore" | "public.hstore" => "JSONB".into(),
        "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle" => return None,
        b if b.ends_with("range") || b.ends_with("multirange") => return None,
        _ => return Some(ty.trim().to_owned()),
    };
    Some(join(&mapped, None, "", p.arrays))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crdb_names_become_postgres_names() {
        let cases = [
            ("INT8", "bigint"),
            ("INT", "bigint"),
            ("INT4", "integer"),
            ("INT2", "smallint"),
            ("FLOAT8", "double precision"),
            ("FLOAT4", "real"),
            ("DECIMAL(10,2)", "numeric(10,2)"),
            ("DECIMAL", "numeric"),
            ("STRING", "text"),
            ("STRING(200)", "character varying(200)"),
            ("VARCHAR(20)", "character varying(20)"),
            ("BYTES", "bytea"),
            ("BOOL", "boolean"),
            ("TIMESTAMPTZ", "timestamp with time zone"),
            ("TIMESTAMP(3)", "timestamp(3) without time zone"),
            ("TIMESTAMP(3) WITH TIME ZONE", "timestamp(3) with time zone"),
            ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
            ("timestamp(6) without time zone", "timestamp(6) without time zone"),
            ("TIMESTAMP WITH TIME ZONE[]", "timestamp with time zone[]"),
            ("TIME(3) WITH TIME ZONE", "time(3) with time zone"),
            ("JSONB", "jsonb"),
            ("INT8[]", "bigint[]"),
            ("STRING[]", "text[]"),
            ("UUID", "uuid"),
            ("type_test.public.test", "public.test"),
            ("public.status", "public.status"),
            ("GEOMETRY(GEOMETRY)", "geometry"),
            ("GEOMETRY(POINT,4326)", "geometry(Point,4326)"),
            ("GEOGRAPHY(MULTILINESTRING)", "geography(MultiLineString)"),
            ("VARBIT(5)", "bit varying(5)"),
        ];
        for (crdb, pg) in cases {
            assert_eq!(crdb_to_pg(crdb), pg, "{crdb}");
        }
    }

    #[test]
    fn postgres_names_become_cockroach_names() {
        assert_eq!(pg_to_crdb("integer").as_deref(), Some("INT4"));
        assert_eq!(pg_to_crdb("integer[]").as_deref(), Some("INT4[]"));
        assert_eq!(pg_to_crdb("money").as_deref(), Some("DECIMAL(19,2)"));
        assert_eq!(pg_to_crdb("character varying(20)").as_deref(), Some("character varying(20)"));
        assert_eq!(
            pg_to_crdb("timestamp(3) with time zone").as_deref(),
            Some("timestamp(3) with time zone")
        );
        assert_eq!(pg_to_crdb("json").as_deref(), Some("JSONB"));
        assert_eq!(pg_to_crdb("int4range"), None);
        assert_eq!(pg_to_crdb("integer[][]"), None);
        assert_eq!(pg_to_crdb("point"), None);
        assert_eq!(pg_to_crdb("public.mood").as_deref(), Some("public.mood"));
    }
}
