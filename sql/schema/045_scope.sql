-- 045_scope.sql — the one row-scope rule: which customers a signed-in user may see in detail.
-- Every endpoint that lists or opens individual customers applies it (services/users, product,
-- forecast, the alerts' visibility), always from the customers' current owners at the time of
-- the request, so a change of owner is seen by the next request (docs/reliability.md, "Row scope,
-- webhooks, CSRF, input encoding").  Company-wide aggregates stay company-wide.

-- Has user p_user an opportunity on customer p_customer (the second rule for sales, below)?
CREATE OR REPLACE FUNCTION customer_has_opportunity_of(p_user int, p_customer int) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = p_customer AND o.owner_id = p_user)
$$;

-- Does role p_role see every customer (ceo)?  Also lets a list take a company-wide count from
-- stored totals instead of counting the rows it may see.
CREATE OR REPLACE FUNCTION scope_is_company(p_role text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_role = 'ceo' $$;

-- ceo sees every customer, cs those it owns (customers.cs_owner_id), sales those it owns
-- (customers.sales_owner_id) or has an opportunity on; anyone else none.  The owners are passed
-- in, so a query that already joined customers asks without a second lookup.  The body holds no
-- sub-select, so PostgreSQL inlines it into the caller's query: a list of thousands of customers
-- then costs a comparison per row for ceo and cs, not a function call per row (a sub-select
-- prevents inlining; the health list at SCALE=1 spent most of its time in those calls).  Only the
-- sales rule's opportunity lookup is a call, made when the owner is not the user.
CREATE OR REPLACE FUNCTION customer_in_scope(p_user int, p_role text, p_customer int, p_cs_owner int,
                                             p_sales_owner int) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN scope_is_company(p_role) THEN true
              WHEN p_role = 'cs' THEN p_cs_owner IS NOT DISTINCT FROM p_user
              WHEN p_role = 'sales' THEN p_sales_owner IS NOT DISTINCT FROM p_user
                                         OR customer_has_opportunity_of(p_user, p_customer)
              ELSE false END
$$;

-- The same for a customer id alone, its owners looked up now; an id that names no customer (or
-- NULL) is judged as a customer without owners (the ceo sees it, cs and sales do not).
CREATE OR REPLACE FUNCTION customer_visible(p_user int, p_role text, p_customer int) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id)
                     FROM customers c WHERE c.id = p_customer),
                  customer_in_scope(p_user, p_role, p_customer, NULL, NULL))
$$;
