-- Values arrive in the text output of the source's walsender session, which replicate pins to
-- the same settings (see stream.rs): read them back under exactly these.
set datestyle = 'ISO, YMD';
set intervalstyle = 'postgres';
set extra_float_digits = 3;
set bytea_output = 'hex';
set timezone = 'UTC';
-- The source is told a group's position right after its commit returns, and forgets the
-- changes before it: the commit must be on disk by then, whatever the server's default
-- (with synchronous_commit = off a target crash loses confirmed groups for good).
set synchronous_commit = on
