// movements.js — drill-down from MRR: one month's movements
// (/revenue/movements/YYYY-MM) and the customers in one of them
// (?kind=new|expansion|contraction|churn|reactivation), each linking to the
// customer.  (Issue 21; a placeholder until its page lands.)
import { stateBox } from '../panel.js';

export default {
  key: 'revenue', label: 'MRR movements', detail: true,
  mount(ctx, { params }) {
    ctx.header(`MRR movements ${params[1] || ''}`);
    ctx.root.append(stateBox('empty', 'Not built yet', 'The movement drill-down is coming.'));
  },
};
