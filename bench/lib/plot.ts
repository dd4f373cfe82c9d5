/**
 * Plots: a Vega-Lite spec compiled to Vega and rendered to SVG headless (`view.toSVG()`,
 * no browser, no canvas). Text widths are estimated by Vega without a canvas, which is
 * good enough for axis labels.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type PlotSpec = TopLevelSpec;

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};

export async function renderSvg(spec: PlotSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
