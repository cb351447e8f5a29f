// The emotion ribbon: the seven probabilities stacked over audio time (each update a half-second column), time without
// speech hatched grey, alert markers, a hover tooltip with the exact values and a keyboard readout (the plot is a
// slider: arrow keys, Home/End move through the updates). One component for the call page, the live cards and the
// Live & files page.
import { COLOURS, LABELS, NO_SPEECH_COLOUR, escapeHtml, legendHtml, type EmotionUpdate } from '../emotions';
import { describePoint, nearestIndex, smooth, toPoint, toPoints, type RibbonPoint } from '../console/series';

/** An alert to mark: its rule, when its episode began (audio s) and how long it had lasted when raised. */
export interface RibbonAlert {
  rule: string;
  label: string;
  startTime: number;
  sustainedSeconds: number;
}

export interface RibbonOptions {
  title: string;
  /** CSS pixels (default 150). */
  height?: number;
  /** Show only the last <seconds> of audio (a live view); default: everything. */
  windowSeconds?: number;
  /** No title, legend or readout line (live cards: the page shows one legend). */
  compact?: boolean;
}

const UPDATE_SECONDS = 0.5;
const AXIS_LEFT = 34;
const AXIS_BOTTOM = 16;

export class Ribbon {
  readonly element: HTMLElement;
  private readonly plot: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLElement;
  private readonly readout: HTMLElement | null;
  private readonly markers: HTMLElement;
  private raw: RibbonPoint[] = [];
  private points: RibbonPoint[] = [];
  private alerts: RibbonAlert[] = [];
  private smoothing = 1;
  private index = -1;
  private frame = 0;

  constructor(host: HTMLElement, private readonly options: RibbonOptions) {
    const figure = document.createElement('figure');
    figure.className = options.compact ? 'ribbon compact' : 'ribbon';
    figure.dataset.testid = 'ribbon';
    const height = options.height ?? 150;
    figure.innerHTML = `${options.compact ? '' : `<figcaption>${escapeHtml(options.title)}</figcaption>`}
      <div class="ribbon-plot" tabindex="0" role="slider" aria-label="${escapeHtml(options.title)}: emotion over time (arrow keys move)" aria-valuemin="0" aria-valuemax="0" aria-valuenow="0" aria-valuetext="no updates yet" style="height:${height}px">
        <canvas aria-hidden="true"></canvas><div class="ribbon-markers"></div><div class="ribbon-tip" role="tooltip" data-testid="ribbon-tip" hidden></div>
      </div>
      ${options.compact ? '' : `<p class="ribbon-readout small" data-testid="ribbon-readout" aria-live="polite">Hover or focus the ribbon for exact values.</p>${legendHtml()}`}`;
    host.append(figure);
    this.element = figure;
    this.plot = figure.querySelector('.ribbon-plot')!;
    this.canvas = figure.querySelector('canvas')!;
    this.tip = figure.querySelector('.ribbon-tip')!;
    this.markers = figure.querySelector('.ribbon-markers')!;
    this.readout = figure.querySelector('.ribbon-readout');
    this.plot.addEventListener('mousemove', (e) => this.pointAt(e.clientX));
    this.plot.addEventListener('mouseleave', () => { this.tip.hidden = true; });
    this.plot.addEventListener('blur', () => { this.tip.hidden = true; });
    this.plot.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.draw()).observe(this.plot);
  }

  /** The whole series (sorted by seq) and its alerts. */
  setData(updates: readonly EmotionUpdate[], alerts: readonly RibbonAlert[] = []): void {
    this.raw = toPoints(updates);
    this.alerts = alerts.slice();
    this.refresh();
  }

  /** One more live update (and its alerts so far). */
  add(update: EmotionUpdate): void {
    this.raw.push(toPoint(update));
    if (this.options.windowSeconds) {
      const from = update.audioTime - this.options.windowSeconds - 5;
      while (this.raw.length > 0 && this.raw[0].time < from) this.raw.shift();
    }
    this.refresh();
  }

  addAlert(alert: RibbonAlert): void {
    this.alerts.push(alert);
    this.schedule();
  }

  clear(): void {
    this.raw = [];
    this.alerts = [];
    this.index = -1;
    this.refresh();
  }

  /** Moving average over <n> updates (1: none). */
  setSmoothing(n: number): void {
    this.smoothing = n;
    this.refresh();
  }

  get length(): number {
    return this.points.length;
  }

  private refresh() {
    this.points = smooth(this.raw, this.smoothing);
    if (this.index >= this.points.length) this.index = this.points.length - 1;
    this.plot.setAttribute('aria-valuemax', String(Math.max(0, this.points.length - 1)));
    if (this.index >= 0) this.show(this.index, !this.tip.hidden);
    this.schedule();
  }

  private schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  private domain(): [number, number] {
    const last = this.points.length ? this.points[this.points.length - 1].time : 0;
    const first = this.points.length ? this.points[0].time - UPDATE_SECONDS : 0;
    const start = this.options.windowSeconds ? Math.max(0, last - this.options.windowSeconds) : Math.max(0, first);
    return [start, Math.max(last, start + (this.options.windowSeconds ?? 1))];
  }

  private x(time: number, width: number): number {
    const [a, b] = this.domain();
    return AXIS_LEFT + ((time - a) / (b - a)) * (width - AXIS_LEFT - 4);
  }

  private draw() {
    const width = this.plot.clientWidth;
    const height = this.plot.clientHeight;
    if (width === 0 || height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const g = this.canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const top = 4, bottom = height - AXIS_BOTTOM, h = bottom - top;
    const [a, b] = this.domain();
    const visible = this.points.filter((p) => p.time > a);
    // Each update fills the half second before its time: one path per emotion, stacked in LABELS order.
    const hatch = hatchPattern(g);
    g.fillStyle = hatch ?? NO_SPEECH_COLOUR;
    for (const p of visible) if (!p.speech) g.fillRect(this.x(Math.max(a, p.time - UPDATE_SECONDS), width), top, Math.max(1, this.x(p.time, width) - this.x(Math.max(a, p.time - UPDATE_SECONDS), width)), h);
    LABELS.forEach((label, k) => {
      g.beginPath();
      for (const p of visible) {
        if (!p.speech) continue;
        let below = 0;
        for (let j = 0; j < k; j++) below += p.values[j];
        const x0 = this.x(Math.max(a, p.time - UPDATE_SECONDS), width), x1 = this.x(p.time, width);
        const y1 = bottom - below * h, y0 = bottom - (below + p.values[k]) * h;
        g.rect(x0, y0, x1 - x0 + 0.5, y1 - y0);
      }
      g.fillStyle = COLOURS[label];
      g.fill();
    });
    // Axes: probability on the left, audio seconds below.
    g.fillStyle = '#444';
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right';
    for (const [v, base] of [[0, 'bottom'], [0.5, 'middle'], [1, 'top']] as const) {
      g.textBaseline = base;
      g.fillText(`${v * 100} %`, AXIS_LEFT - 4, bottom - v * h);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const step = niceStep((b - a) / Math.max(2, Math.floor(width / 80)));
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) g.fillText(`${+t.toFixed(1)} s`, Math.min(width - 14, Math.max(AXIS_LEFT + 10, this.x(t, width))), bottom + 3);
    if (this.index >= 0 && this.index < this.points.length) {
      const x = this.x(this.points[this.index].time - UPDATE_SECONDS / 2, width);
      g.strokeStyle = '#000';
      g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(x, top); g.lineTo(x, bottom); g.stroke();
    }
    // Alert markers are elements (named, focusable with the ribbon's text), drawn where each alert was raised.
    this.markers.innerHTML = this.alerts.filter((al) => al.startTime + al.sustainedSeconds >= a).map((al) => {
      const raised = al.startTime + al.sustainedSeconds;
      const left = this.x(Math.max(a, al.startTime), width), right = this.x(Math.min(b, raised), width);
      return `<span class="ribbon-alert" data-testid="ribbon-alert" style="left:${left}px;width:${Math.max(2, right - left)}px" title="alert ${escapeHtml(al.rule)}: ${escapeHtml(al.label)} from ${al.startTime.toFixed(1)} s for ${al.sustainedSeconds.toFixed(1)} s">⚠ ${escapeHtml(al.rule)}</span>`;
    }).join('');
  }

  private pointAt(clientX: number) {
    if (this.points.length === 0) return;
    const rect = this.plot.getBoundingClientRect();
    const [a, b] = this.domain();
    const time = a + ((clientX - rect.left - AXIS_LEFT) / (rect.width - AXIS_LEFT - 4)) * (b - a) + UPDATE_SECONDS / 2;
    this.show(nearestIndex(this.points, time), true);
  }

  private key(e: KeyboardEvent) {
    if (this.points.length === 0) return;
    const last = this.points.length - 1;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
    let next: number;
    if (e.key in moves) next = (this.index < 0 ? (moves[e.key] > 0 ? -1 : last + 1) : this.index) + moves[e.key];
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    else if (e.key === 'Escape') { this.tip.hidden = true; return; }
    else return;
    e.preventDefault();
    this.show(Math.min(last, Math.max(0, next)), true);
  }

  private show(index: number, tip: boolean) {
    if (index < 0) return;
    this.index = index;
    const p = this.points[index];
    const text = describePoint(p) + (this.smoothing > 1 ? ` (average of up to ${this.smoothing} updates)` : '');
    this.plot.setAttribute('aria-valuenow', String(index));
    this.plot.setAttribute('aria-valuetext', text);
    if (this.readout) this.readout.textContent = text;
    if (tip) {
      const [a, b] = this.domain();
      this.tip.hidden = false;
      this.tip.innerHTML = `<strong>${p.time.toFixed(1)} s</strong> ${p.speech ? LABELS.map((l, k) => [l, p.values[k]] as const).sort((x, y) => y[1] - x[1])
        .map(([l, v]) => `<span><i class="small-swatch" style="background:${COLOURS[l]}"></i>${l} ${(v * 100).toFixed(1)} %</span>`).join('') : '<span>no speech</span>'}`;
      const x = this.x(p.time, this.plot.clientWidth);
      const flip = p.time > (a + b) / 2;
      this.tip.style.left = flip ? '' : `${x + 8}px`;
      this.tip.style.right = flip ? `${this.plot.clientWidth - x + 8}px` : '';
    }
    this.schedule();
  }
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 0.5)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

let pattern: CanvasPattern | null | undefined;
function hatchPattern(g: CanvasRenderingContext2D): CanvasPattern | null {
  if (pattern !== undefined) return pattern;
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const t = tile.getContext('2d');
  if (!t) return (pattern = null);
  t.fillStyle = '#e4e4e4';
  t.fillRect(0, 0, 8, 8);
  t.strokeStyle = NO_SPEECH_COLOUR;
  t.lineWidth = 2;
  t.beginPath(); t.moveTo(0, 8); t.lineTo(8, 0); t.stroke();
  return (pattern = g.createPattern(tile, 'repeat'));
}

/** A "Smoothing" select (off, 3, 5, 9, 15 updates) calling <onChange> with the window. */
export function smoothingControl(host: HTMLElement, onChange: (n: number) => void, initial = 1): HTMLSelectElement {
  const label = document.createElement('label');
  label.className = 'smoothing';
  label.innerHTML = `Smoothing <select data-testid="smoothing">${[1, 3, 5, 9, 15].map((n) => `<option value="${n}"${n === initial ? ' selected' : ''}>${n === 1 ? 'off' : `${n} updates (${n / 2} s)`}</option>`).join('')}</select>`;
  host.append(label);
  const select = label.querySelector('select')!;
  select.addEventListener('change', () => onChange(Number(select.value)));
  return select;
}
