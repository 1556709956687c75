// views/index.js — the views in navigation order; the keys are the view
// names /api/auth/me lists for the signed-in role.  Each view's module is
// a chunk of its own, loaded when the view is first opened (import()):
// the navigation needs only the keys and labels here (they must equal the
// module's own key and label; load() checks the key).
const view = (key, label, load, extra = {}) => ({ key, label, load: once(key, load), ...extra });

function once(key, load) {
  let p = null;
  return () => (p ||= load().then((m) => {
    if (m.default.key !== key) throw new Error(`views/index.js: the module for "${key}" says its key is "${m.default.key}"`);
    return m.default;
  }, (e) => { p = null; throw e; }));
}

const executive = view('executive', 'Executive', () => import('./executive.js'));
const revenue = view('revenue', 'Revenue', () => import('./revenue.js'));
const customers = view('customers', 'Customers', () => import('./customers.js'));
const customer = view('customers', 'Customer', () => import('./customer.js'), { detail: true });
const movements = view('revenue', 'MRR movements', () => import('./movements.js'), { detail: true });
const sales = view('sales', 'Sales', () => import('./sales.js'));
const marketing = view('marketing', 'Marketing', () => import('./marketing.js'));
const product = view('product', 'Product', () => import('./product.js'));
const financial = view('financial', 'Financial', () => import('./financial.js'));
const forecast = view('forecast', 'Forecast', () => import('./forecast.js'));
const alerts = view('alerts', 'Alerts', () => import('./alerts.js'));
const operations = view('operations', 'Operations', () => import('./operations.js'));

export const VIEWS = [executive, revenue, customers, sales, marketing, product, financial, forecast, alerts, operations];

/** The view for path parts (['customers', '42'] → the customer page). */
export function viewFor(parts) {
  if (parts[0] === 'customers' && parts.length === 2) return customer;
  // /revenue/movements/YYYY-MM[?kind=…]: the MRR drill-down (movements.js)
  if (parts[0] === 'revenue' && parts[1] === 'movements' && parts.length === 3) return movements;
  if (parts.length !== 1) return null;
  return VIEWS.find((v) => v.key === parts[0]) || null;
}
