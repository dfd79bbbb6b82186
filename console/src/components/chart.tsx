// A time-series chart (uPlot on a canvas) with its data as a table beside it: the table is what a
// screen reader or keyboard reaches, and each bucket's row links to the records behind it.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { when } from '../format.js';
import { navigate } from '../router.js';

export interface ChartLine {
  label: string;
  values: (number | null)[];
}

interface ChartProps {
  /** What the chart shows, read out for the canvas. */
  label: string;
  buckets: string[];
  bucket: 'hour' | 'day';
  lines: ChartLine[];
  format: (value: number | null) => string;
  /** The explorer link of a bucket's records (line index given for grouped charts). */
  linkFor?: (index: number) => string | null;
  height?: number;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function useColorScheme(): string {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const update = () => setDark(query.matches);
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, [query]);
  return dark ? 'dark' : 'light';
}

export function Chart({ label, buckets, bucket, lines, format, linkFor, height = 200 }: ChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  // The callbacks change identity on each render; the chart is rebuilt only when its data does.
  const callbacks = useRef({ format, linkFor });
  callbacks.current = { format, linkFor };
  const dataKey = JSON.stringify([buckets, lines]);
  useEffect(() => {
    const { format, linkFor } = callbacks.current;
    const element = holder.current;
    if (!element) return;
    const axis = cssVar('--muted');
    const grid = cssVar('--grid');
    const palette = [1, 2, 3, 4, 5, 6, 7].map((n) => cssVar(`--chart-${n}`));
    const xs = buckets.map((iso) => Date.parse(iso) / 1000);
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: lines.length > 1, live: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          size: 64,
          values: (_u, splits) => splits.map((value) => format(value)),
        },
      ],
      series: [
        { value: (_u, ts) => (ts === null ? '' : when(new Date(ts * 1000).toISOString(), bucket)) },
        ...lines.map((line, index) => {
          const color = palette[index % palette.length] ?? '#2f5bd3';
          return {
            label: line.label,
            stroke: color,
            width: 2,
            fill: lines.length === 1 ? `${color}22` : undefined,
            points: { show: buckets.length <= 48 },
            value: (_u: uPlot, v: number | null) => format(v),
            spanGaps: false,
          };
        }),
      ],
    };
    const plot = new uPlot(options, [xs, ...lines.map((line) => line.values)] as uPlot.AlignedData, element);
    // A click on the plot opens the records of the bucket under the cursor.
    const onClick = () => {
      const index = plot.cursor.idx;
      if (index === null || index === undefined || !linkFor) return;
      const to = linkFor(index);
      if (to) navigate(to);
    };
    plot.over.addEventListener('click', onClick);
    if (linkFor) plot.over.classList.add('linked');
    const observer = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (Math.abs(width - plot.width) > 1) plot.setSize({ width, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [dataKey, bucket, height, scheme]);

  return (
    <figure class="chart">
      <div
        ref={holder}
        class="chart-canvas"
        role="img"
        aria-label={`${label}: chart; the table below has every value`}
      />
      <details class="chart-table">
        <summary>Table of values</summary>
        <div class="scroll">
          <table>
            <caption class="sr-only">{label}</caption>
            <thead>
              <tr>
                <th scope="col">Bucket (UTC)</th>
                {lines.map((line) => (
                  <th scope="col" key={line.label}>
                    {line.label}
                  </th>
                ))}
                {linkFor && <th scope="col">Records</th>}
              </tr>
            </thead>
            <tbody>
              {buckets.map((start, index) => {
                const to = linkFor?.(index);
                return (
                  <tr key={start} data-bucket={start}>
                    <th scope="row">{when(start, bucket)}</th>
                    {lines.map((line) => (
                      <td key={line.label} class="num" data-value={line.values[index] ?? ''}>
                        {format(line.values[index] ?? null)}
                      </td>
                    ))}
                    {linkFor && <td>{to ? <a href={to}>records</a> : null}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
