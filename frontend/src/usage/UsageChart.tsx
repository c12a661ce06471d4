import type { ReactNode } from "react";
import { formatCount, shortDay } from "./format";
import type { DayUsage } from "./types";

const HEIGHT = 120;
const BAR_GAP = 2;

/** Questions per day as inline SVG bars. The figure is named and described for screen readers,
 * and each bar carries its own title; the table beside it holds the same numbers. */
export function UsageChart({ daily }: { daily: DayUsage[] }): ReactNode {
  const max = Math.max(1, ...daily.map((d) => d.questions));
  const width = Math.max(daily.length * 12, 240);
  const bar = width / Math.max(daily.length, 1);
  const total = daily.reduce((sum, d) => sum + d.questions, 0);
  const busiest = daily.reduce<DayUsage | null>((best, d) => (!best || d.questions > best.questions ? d : best), null);
  const summary =
    total === 0
      ? `No questions from ${shortDay(daily[0]?.day ?? "")} to ${shortDay(daily.at(-1)?.day ?? "")}.`
      : `${formatCount(total)} questions over ${daily.length} days; the busiest day was ${shortDay(busiest!.day)} with ${formatCount(busiest!.questions)}.`;
  return (
    <figure className="usage-chart">
      <svg
        role="img"
        aria-labelledby="usage-chart-title usage-chart-desc"
        viewBox={`0 0 ${width} ${HEIGHT + 16}`}
        preserveAspectRatio="none"
        width="100%"
        height={HEIGHT + 16}
      >
        <title id="usage-chart-title">Questions per day</title>
        <desc id="usage-chart-desc">{summary}</desc>
        <line x1={0} y1={HEIGHT} x2={width} y2={HEIGHT} className="usage-axis" />
        {daily.map((d, i) => {
          const h = (d.questions / max) * (HEIGHT - 8);
          return (
            <rect
              key={d.day}
              data-day={d.day}
              x={i * bar + BAR_GAP / 2}
              y={HEIGHT - h}
              width={Math.max(bar - BAR_GAP, 1)}
              height={h}
              className="usage-bar"
            >
              <title>{`${shortDay(d.day)}: ${formatCount(d.questions)} questions`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted">{summary}</figcaption>
    </figure>
  );
}
