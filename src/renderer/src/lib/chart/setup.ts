/**
 * chart.js, registered once with only what the workbench draws (line charts on linear or log
 * axes, with decimation, tooltips, legends and filled bands).
 */
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  Legend,
  Filler,
  Decimation,
);

export { Chart };
