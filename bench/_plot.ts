/**
 * A two-panel SVG chart written as text (no plotting library): memory and CPU against the number
 * of runs followed, one line per tool, both axes logarithmic.
 *
 * @module
 */

/** One tool's points. */
export interface PlotSeries {
  /** Legend text. */
  label: string;
  /** One point per N. */
  points: { n: number; memoryMb: number; cpuMsPerS: number }[];
}

/** A horizontal dashed line: a goal to compare with. */
export interface PlotTarget {
  /** Where the line is, in the panel's unit. */
  value: number;
  /** Text above the line. */
  label: string;
}

/** Options of {@linkcode renderSvg}. */
export interface PlotOptions {
  /** Title above both panels. */
  title: string;
  /** The tools. */
  series: PlotSeries[];
  /** Goal line of the memory panel. */
  memoryTarget?: PlotTarget;
  /** Goal line of the CPU panel. */
  cpuTarget?: PlotTarget;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
const PANEL_W = 360;
const PANEL_H = 240;
const MARGIN = { left: 60, right: 20, top: 50, bottom: 45 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Powers of ten (and 2×, 5×) covering [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

function panel(opts: {
  x0: number;
  title: string;
  unit: string;
  series: PlotSeries[];
  value: (p: PlotSeries["points"][number]) => number;
  xs: number[];
  target?: PlotTarget;
}): string {
  const values = opts.series.flatMap((s) => s.points.map(opts.value)).filter((v) => v > 0);
  const all = opts.target === undefined ? values : [...values, opts.target.value];
  const ylo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const yhi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xlo = Math.min(...opts.xs) / 1.5;
  const xhi = Math.max(...opts.xs) * 1.5;
  const px = (n: number) =>
    opts.x0 + MARGIN.left +
    ((Math.log10(n) - Math.log10(xlo)) / (Math.log10(xhi) - Math.log10(xlo))) * PANEL_W;
  const py = (v: number) =>
    MARGIN.top + PANEL_H -
    ((Math.log10(Math.max(v, ylo)) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo))) *
      PANEL_H;
  const out: string[] = [];
  const left = opts.x0 + MARGIN.left;
  out.push(
    `<text x="${left + PANEL_W / 2}" y="${
      MARGIN.top - 12
    }" text-anchor="middle" font-weight="bold">${escapeXml(opts.title)}</text>`,
    `<rect x="${left}" y="${MARGIN.top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#888"/>`,
  );
  for (const t of logTicks(ylo, yhi)) {
    out.push(
      `<line x1="${left}" x2="${left + PANEL_W}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  for (const n of opts.xs) {
    out.push(
      `<line x1="${px(n)}" x2="${px(n)}" y1="${MARGIN.top}" y2="${
        MARGIN.top + PANEL_H
      }" stroke="#eee"/>`,
      `<text x="${px(n)}" y="${MARGIN.top + PANEL_H + 16}" text-anchor="middle">${n}</text>`,
    );
  }
  out.push(
    `<text x="${left + PANEL_W / 2}" y="${
      MARGIN.top + PANEL_H + 36
    }" text-anchor="middle">runs followed (N, log scale)</text>`,
    `<text x="${opts.x0 + 14}" y="${
      MARGIN.top + PANEL_H / 2
    }" text-anchor="middle" transform="rotate(-90 ${opts.x0 + 14} ${MARGIN.top + PANEL_H / 2})">${
      escapeXml(opts.unit)
    } (log scale)</text>`,
  );
  if (opts.target) {
    const y = py(opts.target.value).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${
        left + PANEL_W
      }" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text x="${left + 4}" y="${Number(y) - 4}" fill="#555">${
        escapeXml(opts.target.label)
      }</text>`,
    );
  }
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => opts.value(p) > 0);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${
          pts.map((p) => `${px(p.n).toFixed(1)},${py(opts.value(p)).toFixed(1)}`).join(" ")
        }"/>`,
      );
    }
    for (const p of pts) {
      const v = opts.value(p);
      out.push(
        `<circle cx="${px(p.n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="4" fill="${color}"/>`,
        `<text x="${(px(p.n) + 7).toFixed(1)}" y="${(py(v) - 6).toFixed(1)}" fill="${color}">${
          v >= 10 ? v.toFixed(0) : v.toFixed(1)
        }</text>`,
      );
    }
  });
  return out.join("\n");
}

/**
 * The chart as SVG text.
 *
 * @example
 * ```ts
 * const svg = renderSvg({
 *   title: "Following N runs",
 *   series: [{ label: "kjo serve", points: [{ n: 50, memoryMb: 120, cpuMsPerS: 2 }] }],
 * });
 * ```
 */
export function renderSvg(options: PlotOptions): string {
  const xs = [...new Set(options.series.flatMap((s) => s.points.map((p) => p.n)))].sort((a, b) =>
    a - b
  );
  const width = 2 * (MARGIN.left + PANEL_W + MARGIN.right);
  const legendY = MARGIN.top + PANEL_H + MARGIN.bottom + 10;
  const height = legendY + 20 * options.series.length + 10;
  const body = [
    panel({
      x0: 0,
      title: "Summed Pss, peak (MB)",
      unit: "MB",
      series: options.series,
      value: (p) => p.memoryMb,
      xs,
      target: options.memoryTarget,
    }),
    panel({
      x0: MARGIN.left + PANEL_W + MARGIN.right,
      title: "CPU while every run waits (ms/s)",
      unit: "ms/s",
      series: options.series,
      value: (p) => p.cpuMsPerS,
      xs,
      target: options.cpuTarget,
    }),
    ...options.series.map((s, i) =>
      `<rect x="${MARGIN.left}" y="${legendY + 20 * i - 10}" width="14" height="4" fill="${
        COLORS[i % COLORS.length]
      }"/><text x="${MARGIN.left + 22}" y="${legendY + 20 * i - 4}">${escapeXml(s.label)}</text>`
    ),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${
      escapeXml(options.title)
    }</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
