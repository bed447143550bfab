// The baseline of "time to first row" (tests/bench/first_row.mjs): a minimal hand-written page
// that fetches the same JSON as the console's VPN Gateways page and renders the same table with
// the console's stylesheet. scripts/bench.sh serves it from the console's origin.
const pad = (n) => String(n).padStart(2, '0');
function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
    pad(d.getMinutes()) + ' UTC' + sign + pad(Math.floor(Math.abs(off) / 60)) + ':' + pad(Math.abs(off) % 60);
}
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
const line = (label, value) => el('div', {}, el('span', { class: 'label' }, label), value);
fetch('/api/v1/regions/cn-hangzhou/vpn-gateways?page=1&page_size=20', { headers: { accept: 'application/json' } })
  .then((r) => r.json())
  .then((p) => {
    const head = el('tr', {}, ...['Instance ID/Name', 'Status', 'Tunnel mode', 'Gateway IP addresses', 'SSL clients', 'O&M Events', 'Actions']
      .map((h) => el('th', { scope: 'col' }, h)));
    const body = el('tbody');
    for (const g of p.items) {
      const a = g.addresses;
      const addresses = g.tunnel_mode === 'dual_tunnel'
        ? [line('IPsec Address 1: ', a.ipsec_address_1 ?? '—'), line('IPsec Address 2: ', a.ipsec_address_2 ?? '—'), line('SSL address: ', a.ssl_address ?? '—')]
        : [line('Gateway address: ', a.gateway_address ?? '—')];
      const e = g.om_events.current;
      const om = el('div', { class: 'om-cell' });
      if (e) {
        om.append(el('div', { class: 'om-id' }, e.id), line('Default: ', time(e.default_execute_at)));
        if (e.execute_at !== e.default_execute_at) om.append(line('Scheduled: ', time(e.execute_at)));
      } else {
        om.append(line('Current: ', '—'));
      }
      om.append(line('Previous: ', time(g.om_events.previous_executed_at)));
      const action = e
        ? el('button', { type: 'button', class: 'link-button om-action', 'aria-label': 'O&M Events of ' + g.id }, 'O&M Events')
        : el('span', {}, el('button', { type: 'button', class: 'link-button om-action', disabled: '' }, 'O&M Events'),
            el('span', { class: 'reason' }, 'No pending O&M event'));
      body.append(el('tr', { 'data-id': g.id },
        el('td', {}, el('div', { class: 'mono', elementtiming: 'row' }, g.id), el('div', {}, g.name)),
        el('td', {}, el('span', { class: 'badge ok' }, g.status)),
        el('td', {}, g.tunnel_mode === 'dual_tunnel' ? 'Dual-tunnel' : 'Single-tunnel'),
        el('td', { class: 'addresses' }, ...addresses),
        el('td', { class: 'num' }, String(g.ssl_clients)),
        el('td', {}, om),
        el('td', {}, action)));
    }
    const pages = Math.max(1, Math.ceil(p.total / p.page_size));
    document.getElementById('list').replaceChildren(
      el('table', { class: 'list', id: 'gateways-table' }, el('thead', {}, head), body),
      el('nav', { class: 'pager', 'aria-label': 'Pages' }, el('span', { role: 'status' }, p.total + ' VPN gateways · page ' + p.page + ' of ' + pages)));
    // The first row is in the document: the same mark and signal as the console's
    // (mark_first_row in src/pages/gateways.rs), read by tests/bench/first_row.mjs.
    if (p.items.length > 0) {
      performance.mark('first-row');
      console.debug('first-row');
    }
  });
