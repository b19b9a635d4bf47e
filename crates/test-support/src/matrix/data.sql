-- Rows of the type matrix: ordinary values, edge values of every type and, per table, one
-- row with every column NULL (id 100). Session-independent: money and timestamptz literals
-- carry no locale or zone ambiguity (money from numeric, timestamptz with an explicit offset).
insert into matrix.numbers values
    (1, 0, 0, 0, 0, 0, 0, 0, 0, 0::numeric::money, 0, false),
    (2, -32768, -2147483648, -9223372036854775808, '-3.4028235e38', '-1.7976931348623157e308',
        '-123456789012345678901234567890.123456789012345678901234567890',
        '-99999999999999999999.99999999999999999999', -99.9,
        (-92233720368547758.08)::numeric::money, 0, false),
    (3, 32767, 2147483647, 9223372036854775807, '3.4028235e38', '1.7976931348623157e308',
        repeat('9', 1000)::numeric, '99999999999999999999.99999999999999999999', 99.9,
        92233720368547758.07::numeric::money, 4294967295, true),
    (4, 1, 1, 1, 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 0.01::numeric::money, 1, true),
    (5, -1, -1, -1, 'Infinity', 'Infinity', 'Infinity', 1, 1, 1::numeric::money, 2, true),
    (6, 2, 2, 2, '-Infinity', '-Infinity', '-Infinity', -1, -1, (-1)::numeric::money, 3, false),
    (7, 3, 3, 3, '-0', '-0', '-0', '-0.00000000000000000001', 0.1, 0::numeric::money, 4, false),
    (8, 4, 4, 4, '1.4e-45', '4.9e-324', ('0.' || repeat('0', 999) || '1')::numeric,
        '0.00000000000000000001', -0.1, 0::numeric::money, 5, true),
    (9, 5, 5, 5, '0.1', '0.1', 1.10, '3.14159265358979323846', 0.0, 0::numeric::money, 6, true),
    (10, 6, 6, 6, '3.1415927', '0.30000000000000004', '1e-300'::numeric * 1,
        '1.5', 1.5, 0::numeric::money, 7, false),
    (11, 7, 7, 7, '1.17549435e-38', '2.2250738585072014e-308', 1.000, 2.50, 2.5,
        0::numeric::money, 8, false),
    (100, null, null, null, null, null, null, null, null, null, null, null);

insert into matrix.texts values
    (1, '', '', '', 'a', 'name', '\x', B'101010101010', B'', B'', '00000000-0000-0000-0000-000000000000',
        '0/0'),
    (2, E'tab\there\nnewline\r\\backslash "quote" ''apostrophe''', 'exactly twenty chars',
        'abcdefgh', 'Z', repeat('n', 63), '\x00', B'000000000000', B'1',
        repeat('10', 500)::varbit, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF/FFFFFFFF'),
    (3, '日本語 🦆 ünïcödé', 'ünï 🦆', 'ab', '\377', 'ünïcödé', '\x00ff00', B'111111111111',
        repeat('1', 40)::varbit, B'0', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '16/B374D848'),
    (4, repeat('long text ', 20000), 'trail  ', 'a  ', '\001', '', null, B'100000000001',
        B'0000000001', repeat('0', 1000)::varbit, null, null),
    (5, 'trailing spaces   ', ' lead', ' ', '', 'Mixed Case', null, null, null, null, null, null),
    (100, null, null, null, null, null, null, null, null, null, null, null);
update matrix.texts
    set by = (select decode(string_agg(lpad(to_hex(i), 2, '0'), '' order by i), 'hex')
              from generate_series(0, 255) i)
    where id = 5;

insert into matrix.documents values
    (1, '{"a":1,  "a" : 2 , "b":[1, 2,{"c":null}]}', '{"a": 1, "b": {"c": [1, 2.50, "x"]}, "n": 1e-5}',
        '<a b="1">text &amp; more</a>', 'a fat cat sat on a mat and ate a fat rat',
        'fat & (rat | cat)'),
    (2, '  [ ]  ', '[]', 'plain text <b/> and more', 'a:1A fat:2B,4C cat:5D', 'a <-> b'),
    (3, '"\u0000 escaped \ud83e\udd86"', '{}', '<?xml version="1.0"?><doc/>',
        $$'with space':1 'quote''s':2$$, '!x & y:*'),
    (4, '123456789012345678901234567890.123e-5', '123456789012345678901234567890.5',
        '<!-- comment --><r xmlns="urn:x">ünï</r>', '', 'a <2> b'),
    (5, 'null', 'null', '', 'single', $$'quoted term'$$),
    (6, 'true', '"str\twith\\escapes"', '<e/>', 'dup dup dup', 'x'),
    (100, null, null, null, null, null);

insert into matrix.times values
    (1, '4713-01-01 BC', '00:00', '00:00', '00:00:00+1559', '4713-01-01 00:00:00 BC',
        '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '178000000 years', '1 year 2 mons'),
    (2, '5874897-12-31', '23:59:59.999999', '12:34:56.7', '24:00:00-1559',
        '294276-12-31 23:59:59.999999', '2020-01-01 12:34:56.7895',
        '294276-12-31 23:59:59.999999+00', '-178000000 years', '-5 years'),
    (3, 'infinity', '24:00:00', '23:59:59', '12:00-03:30', 'infinity', 'infinity', 'infinity',
        '1 mon -1 day 00:00:00.000001', '0'),
    (4, '-infinity', '12:00:00.5', '00:00:01', '00:00:00.000001+00', '-infinity', '-infinity',
        '-infinity', '-2 years 3 mons -4 days 05:06:07.891', '-1 mon'),
    (5, '2000-02-29', '13:14:15.161718', '13:14:15', '13:14:15.161718+05:45',
        '1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999',
        '2020-06-01 12:00:00.123456+05:30', '0', '3 years'),
    (6, '0001-01-01 BC', '00:00:00.000001', '00:00', '23:59:59.999999-00:01',
        '0001-01-01 00:00:00 BC', '0001-01-01 00:00:00', '1970-01-01 00:00:00+00',
        '-00:00:00.000001', '0'),
    (100, null, null, null, null, null, null, null, null, null);

insert into matrix.network_geometry values
    (1, '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
        '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]',
        '((0,0),(1,1),(1,0))', '<(0,0),1.5>'),
    (2, '192.168.0.1/24', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:ff:fe:00:00:00',
        '(0,-0)', '{0,1,-5.5}', '[(-1e308,1e-308),(0,-0)]', '(0,0),(0,0)',
        '((0,0),(1,1),(2,0))', '((0.5,0.5))', '<(1,2),0>'),
    (3, '::1', '192.168.1.0/24', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff:ff:ff',
        '(1e308,-1e-308)', '{1e-5,1e5,0}', '[(1,2),(1,2)]', '(1e308,1e308),(-1e308,-1e308)',
        '[(0,0)]', '((0,0),(0,1),(1,1),(1,0))', '<(-1.5,2.5),1e300>'),
    (4, '2001:db8::ff00:42:8329/64', '0.0.0.0/0', '01:23:45:67:89:ab', '01:23:45:67:89:ab:cd:ef',
        '(NaN,Infinity)', '{1,0,-Infinity}', '[(0,0),(0.1,0.2)]', '(0.1,0.2),(0.3,0.4)',
        '[(0.1,0.2),(0.3,0.4)]', '((0.1,0.2),(0.3,0.4),(0.5,0.6))', '<(0.1,0.2),0.3>'),
    (5, '::ffff:1.2.3.4', '::/0', null, null, '(-Infinity,0)', null, null, null, null, null, null),
    (6, '0.0.0.0/0', '255.255.255.255/32', null, null, null, null, null, null, null, null, null),
    (100, null, null, null, null, null, null, null, null, null, null, null);

insert into matrix.ranges values
    (1, 'empty', 'empty', 'empty', 'empty', 'empty', 'empty', '{}', '{}', '{}', '{}', 'empty'),
    (2, '[1,10)', '[-9223372036854775808,9223372036854775807)', '(1.5,2.5]',
        '[2020-01-01,infinity)', '[2020-01-01 00:00+00,2020-01-02 00:00+00)',
        '[2020-01-01,2020-02-01)', '{[1,3), [5,7)}', '{(1.5,2.5], [10,)}',
        '{[2020-01-01,2020-01-10), [2021-01-01,)}', '{[2020-01-01 00:00+00,2020-01-02 00:00+00)}',
        '[1.5,2.5)'),
    (3, '(,5]', '(,)', '(,)', '[-infinity,2020-01-01 00:00:00.000001]', '(,)',
        '[4713-01-01 BC,infinity]', '{[1,2), [2,3)}', '{(,)}', '{(,)}', '{(,)}', '(,Infinity)'),
    (4, '[3,)', '[0,1)', '[-Infinity,Infinity]', '(,)', '[-infinity,infinity]', '(,)',
        '{(,0), [10,20], [30,)}', '{[0.000001,0.000002)}', '{[-infinity,infinity)}', '{}',
        '[-0,0]'),
    (100, null, null, null, null, null, null, null, null, null, null, null);

insert into matrix.arrays values
    (1, '{}', '{{1,2},{3,NULL}}', '{{{1,2},{3,4}},{{5,6},{7,8}}}',
        array['', null, 'NULL', 'with, comma', 'quote"d', E'back\\slash', '{braces}', ' spaces ',
              E'tab\t', 'ünï'],
        array['NaN', 'Infinity', '-Infinity', 1.5, null, 0.00]::numeric[],
        array['NaN', '-0', 'Infinity', '-Infinity', '4.9e-324', 0.1]::float8[],
        '{t,f,NULL}',
        array['infinity', '-infinity', '2020-01-01 00:00:00.000001+00']::timestamptz[],
        array['{"a":[1,{"b":null}]}', 'null', null]::jsonb[],
        array['\x'::bytea, '\x00ff'::bytea, null],
        array['00000000-0000-0000-0000-000000000000'::uuid, null],
        '{192.168.0.1/24,::1}', '{"ab","a  ",NULL}', '{"[1,3)",empty,NULL}'),
    (2, '{1,NULL,3}', '[0:1][1:2]={{1,2},{3,4}}', '{{{NULL}}}', '{}', '{}', '{}', '{}', '{}',
        '{}', '{}', '{}', '{}', '{}', '{}'),
    (3, '{NULL}', '{}', '{}', array[null]::text[], array[null]::numeric[], '{NULL}', '{NULL}',
        '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}'),
    (4, '[0:2]={7,8,9}', '[-5:-4][3:3]={{1},{2}}', '[2:2][2:2][2:2]={{{-32768}}}', '[5:5]={x}',
        '{1e-300}', '{1.7976931348623157e308}', '{t}', '{2000-01-01 00:00+00}', '{"[]"}',
        '{"\\x0102"}', '{ffffffff-ffff-ffff-ffff-ffffffffffff}', '{0.0.0.0/0}', '{" "}',
        '{"(,)"}'),
    (5, array[-2147483648, 2147483647], null, null, null, null, null, null, null, null, null,
        null, null, null, null),
    (100, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

insert into matrix.user_types values
    (1, 'sad', 0.0001, row('Main St', 5, '12345', '(1,2)'),
        row('happy', 1.5, '2020-01-01 00:00+00', row('x', 1, 'z', '(0,0)')), '[1.5,2.5)',
        array['sad', 'Quote''s "q"', null]::matrix.mood[], array[1.5, null]::matrix.amount[],
        array[row('a', 1, 'z', '(1,1)')::matrix.address, null,
              row(null, null, null, null)::matrix.address],
        array[row('ok', 2, 'infinity', null)::matrix.tagged]),
    (2, 'with space', 9999999999.9999, row(null, null, null, null),
        row(null, null, null, null), 'empty', '{}', '{}', '{}', '{}'),
    (3, 'Quote''s "q"', 1, row('with "quotes", commas (and parens)', -1, '', '(NaN,-0)'),
        row('ünï', 0.5, '-infinity', row(E'back\\slash', null, null, null)), '(,)',
        array['ünï', 'with space']::matrix.mood[], '{}', array[null]::matrix.address[],
        array[null]::matrix.tagged[]),
    (4, 'ünï', 42, row('', 0, '', null), null, '[-0,0]', null, null, null, null),
    (5, 'ok', null, null, null, null, array['happy']::matrix.mood[], null, null, null),
    (100, null, null, null, null, null, null, null, null, null);

insert into matrix.composite_key
select 'region ' || (i % 7), date '2020-01-01' + (i % 365), i, 'v' || i
from generate_series(1, 2000) i;
insert into matrix.composite_key values ('', '-infinity', -1, null), ('', 'infinity', 0, '');

insert into matrix.text_key
select 'key ' || i, i from generate_series(1, 1000) i;
insert into matrix.text_key values
    ('', -1), (' ', -2), ('a', -3), ('A', -4), ('a ', -5), ('ä', -6), ('🦆', -7), (E'\t', -8),
    (repeat('long', 1000), -9), ('NULL', -10), (E'back\\slash', -11);

insert into matrix.uuid_key
select md5(i::text)::uuid, 'u' || i from generate_series(1, 1000) i;
insert into matrix.uuid_key values
    ('00000000-0000-0000-0000-000000000000', 'nil'), ('ffffffff-ffff-ffff-ffff-ffffffffffff', 'max');

-- Duplicates on purpose: a copy must keep the multiset, and 1.0 and 1.00 are different values.
insert into matrix.keyless values
    (1, 'x', 1.0), (1, 'x', 1.0), (1, 'x', 1.0), (1, 'x', 1.00), (null, null, null),
    (null, null, null), (2, '', 0), (2, null, -0.0);
insert into matrix.keyless select i % 10, 'k' || (i % 3), i / 3.0 from generate_series(1, 500) i;

insert into matrix.one_row values (-9223372036854775808, 'only');

insert into "Select"."Order" values
    (1, 'alice', 'Mixed', 1, true, 'q"q', 'ü'),
    (2, null, null, null, null, null, null),
    (-2147483648, 'select', 'FROM', 0, false, '', '');

insert into "Select"."Big Table"
select i * 3 - 15000, 'value ' || i, case when i % 4 = 0 then null else i end
from generate_series(1, 12000) i;

analyze;
