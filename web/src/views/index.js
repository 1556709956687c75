// views/index.js — the views in navigation order; the keys are the view
// names /api/auth/me lists for the signed-in role.
import executive from './executive.js';
import revenue from './revenue.js';
import customers from './customers.js';
import customer from './customer.js';
import movements from './movements.js';
import sales from './sales.js';
import marketing from './marketing.js';
import product from './product.js';
import financial from './financial.js';
import forecast from './forecast.js';
import alerts from './alerts.js';
import operations from './operations.js';

export const VIEWS = [executive, revenue, customers, sales, marketing, product, financial, forecast, alerts, operations];

/** The view for path parts (['customers', '42'] → the customer page). */
export function viewFor(parts) {
  if (parts[0] === 'customers' && parts.length === 2) return customer;
  // /revenue/movements/YYYY-MM[?kind=…]: the MRR drill-down (movements.js)
  if (parts[0] === 'revenue' && parts[1] === 'movements' && parts.length === 3) return movements;
  if (parts.length !== 1) return null;
  return VIEWS.find((v) => v.key === parts[0]) || null;
}
