// What the public pages share: a tracking code as it is read out (XXXX-XXXX-XX).
export function formatCode(code) {
  const c = (code || '').replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return c.length === 10 ? c.slice(0, 4) + '-' + c.slice(4, 8) + '-' + c.slice(8) : c;
}
