-- The demo's write workload, first statement of each transaction: an order is paid.
update shop.orders set status = 'paid', total = total + 1 where id = $1
