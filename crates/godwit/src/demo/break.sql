-- What the demo does to the target to show verify finding and repairing differences: one
-- missing row, two changed prices, an order whose status changed (its trigger also stamps
-- updated_at), and one row the source does not have.
begin;
delete from shop.order_items where order_id = 1 and line_no = 1;
update shop.products set price = price + 1 where id in (1, 2);
update shop.orders set status = 'cancelled' where id = 3;
insert into shop.page_views (id, viewed_at, customer_id, path)
values ('00000000-0000-4000-8000-000000000001', '2026-11-01 12:00:00+00', null, '/not-on-the-source');
commit;
