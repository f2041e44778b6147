import type { Point } from '../metrics';

/** One line of a chart. Points must be sorted by x; they are shared, never copied or mutated. */
export interface ChartSeries {
  label: string;
  points: Point[];
  color: string;
  /** Line width in px (default 1.5). */
  width?: number;
  dashed?: boolean;
  /** Draw each point (for sparse series such as validation loss). */
  showPoints?: boolean;
  /** Left out of the legend and tooltip (raw curves behind a smoothed one, band edges). */
  quiet?: boolean;
  /** Fill the area down to the series at this index (a min/max band). */
  fillTo?: number;
  fillColor?: string;
}

export type AxisFormat = 'step' | 'count' | 'minutes' | 'number';

/** A labelled vertical line at an x value: an event on the axis (a switch, a fork). */
export interface ChartMarker {
  x: number;
  label: string;
}
