import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { COLOURS, LABELS } from '../emotions';

/** A line chart of the seven probabilities over audio time; each series named in the legend. */
export function probabilityChart(host: HTMLElement, title: string): uPlot {
  const width = Math.max(280, host.clientWidth || 600);
  const options: uPlot.Options = {
    title,
    width,
    height: 260,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: 'audio time (s)' }, { label: 'probability' }],
    series: [{ label: 's' }, ...LABELS.map((l) => ({ label: l, stroke: COLOURS[l], width: 2, points: { show: false } }))],
    legend: { live: false },
  };
  const chart = new uPlot(options, [[], ...LABELS.map(() => [])], host);
  new ResizeObserver(() => chart.setSize({ width: Math.max(280, host.clientWidth), height: 260 })).observe(host);
  return chart;
}

/** Keeps the last <seconds> of points (x = audio time). */
export class RollingSeries {
  private x: number[] = [];
  private y: number[][] = LABELS.map(() => []);

  constructor(private readonly chart: uPlot, private readonly seconds = 60) {}

  add(time: number, values: (number | null)[]) {
    this.x.push(time);
    values.forEach((v, i) => this.y[i].push(v as number));
    while (this.x.length > 0 && this.x[0] < time - this.seconds) {
      this.x.shift();
      this.y.forEach((s) => s.shift());
    }
    this.chart.setData([this.x, ...this.y] as uPlot.AlignedData);
  }

  clear() {
    this.x = [];
    this.y = LABELS.map(() => []);
    this.chart.setData([this.x, ...this.y] as uPlot.AlignedData);
  }
}
