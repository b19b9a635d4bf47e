-- The type matrix: one table per family of built-in PostgreSQL types, user-defined types
-- (enum, domain, composite, range) and the key/identifier shapes a copy must survive.
-- Every table is created empty; `data.sql` fills it. Loaded unchanged on both sides.
create schema matrix;

create type matrix.mood as enum ('sad', 'ok', 'happy', 'with space', 'Quote''s "q"', 'ünï');
create domain matrix.amount as numeric(14, 4) check (value > 0);
create type matrix.address as (street text, number int, zip varchar(10), geo point);
create type matrix.tagged as (label matrix.mood, amount matrix.amount, at timestamptz,
    home matrix.address);
create type matrix.floatrange as range (subtype = float8);

create table matrix.numbers (
    id int primary key,
    i2 smallint, i4 integer, i8 bigint,
    f4 real, f8 double precision,
    n numeric, n_scaled numeric(40, 20), n_small numeric(3, 1),
    m money, o oid, b boolean
);

create table matrix.texts (
    id int primary key,
    t text, vc varchar(20), c char(8), ch "char", nm name,
    by bytea, bits bit(12), vb varbit(40), vb_free varbit,
    u uuid, lsn pg_lsn
);

create table matrix.documents (
    id int primary key,
    j json, jb jsonb, x xml, tsv tsvector, tsq tsquery
);

create table matrix.times (
    id int primary key,
    d date, t time, t0 time(0), ttz timetz,
    ts timestamp, ts3 timestamp(3), tstz timestamptz,
    iv interval, iv_ym interval year to month
);

create table matrix.network_geometry (
    id int primary key,
    ip inet, net cidr, mac macaddr, mac8 macaddr8,
    pt point, ln line, seg lseg, bx box, pth path, pg polygon, ci circle
);

create table matrix.ranges (
    id int primary key,
    r4 int4range, r8 int8range, rn numrange, rts tsrange, rtstz tstzrange, rd daterange,
    m4 int4multirange, mn nummultirange, md datemultirange, mtstz tstzmultirange,
    rf matrix.floatrange
);

create table matrix.arrays (
    id int primary key,
    a_int int[], a_2d int[][], a_3d smallint[][][], a_text text[], a_num numeric[],
    a_f8 float8[], a_bool bool[], a_tstz timestamptz[], a_jsonb jsonb[], a_bytea bytea[],
    a_uuid uuid[], a_inet inet[], a_char char(3)[], a_range int4range[]
);

create table matrix.user_types (
    id int primary key,
    mood matrix.mood, amount matrix.amount, addr matrix.address, tag matrix.tagged,
    fr matrix.floatrange,
    moods matrix.mood[], amounts matrix.amount[], addrs matrix.address[], tags matrix.tagged[]
);

-- Key shapes and identifiers.
create table matrix.composite_key (
    region text, day date, seq int, v text,
    primary key (region, day, seq)
);
create table matrix.text_key (k text primary key, v int);
create table matrix.uuid_key (k uuid primary key, v text);
create table matrix.keyless (a int, b text, c numeric);
create table matrix.empty (id int primary key, v text);
create table matrix.one_row (id bigint primary key, v text);

create schema "Select";
create table "Select"."Order" (
    "From" int primary key, "user" text, "Mixed Case" text, "group" int, "WHERE" bool,
    "column with ""quotes""" text, "ümlaut" text
);
-- Enough rows with a quoted single integer key to be split into several shards.
create table "Select"."Big Table" (
    "Key Col" bigint primary key, "Value" text, "select" int
);
