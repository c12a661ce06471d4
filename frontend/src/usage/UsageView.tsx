import { useEffect, useState, type ReactNode } from "react";
import { useApp } from "../context";
import { counted, formatCost, formatCount } from "./format";
import type { UsageDays, UsageReport } from "./types";
import { UsageChart } from "./UsageChart";

type Load = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; report: UsageReport };

/** Administrators' view of use: per person questions, documents, failures, tokens and the
 * estimated model cost over the last 7 or 30 days (UTC), with questions per day as a chart. */
export function UsageView(): ReactNode {
  const { rest } = useApp();
  const [days, setDays] = useState<UsageDays>(7);
  const [load, setLoad] = useState<Load>({ state: "loading" });
  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    rest.usage(days).then(
      (report) => live && setLoad({ state: "ready", report }),
      (err: Error) => live && setLoad({ state: "error", message: err.message }),
    );
    return () => {
      live = false;
    };
  }, [rest, days]);

  return (
    <section className="usage-view" aria-labelledby="usage-heading">
      <div className="usage-head">
        <h2 id="usage-heading">Usage</h2>
        <div role="group" aria-label="Period" className="usage-period">
          {([7, 30] as const).map((n) => (
            <button key={n} type="button" className="small-button" aria-pressed={days === n} onClick={() => setDays(n)}>
              Last {n} days
            </button>
          ))}
        </div>
      </div>
      {load.state === "loading" && <p role="status">Loading usage…</p>}
      {load.state === "error" && <p role="alert">Usage could not be loaded: {load.message}</p>}
      {load.state === "ready" && <Report report={load.report} />}
    </section>
  );
}

function Report({ report }: { report: UsageReport }): ReactNode {
  const { total } = report;
  return (
    <>
      <p className="muted">
        {report.since} to {report.until} (UTC): {counted(total.questions, "question")}, {counted(total.documents, "document")},{" "}
        {counted(total.failures, "failure")}, estimated cost {formatCost(total.cost_usd)}.
      </p>
      <UsageChart daily={report.daily} />
      {report.people.length === 0 ? (
        <p>Nobody used the service in this period.</p>
      ) : (
        <table className="usage-table">
          <caption className="visually-hidden">Usage per person</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Questions</th>
              <th scope="col">Documents</th>
              <th scope="col">Failures</th>
              <th scope="col">Tokens in / out</th>
              <th scope="col">Estimated cost</th>
            </tr>
          </thead>
          <tbody>
            {report.people.map((p) => (
              <tr key={p.user_id}>
                <th scope="row">{p.user_id}</th>
                <td>{formatCount(p.questions)}</td>
                <td>{formatCount(p.documents)}</td>
                <td>{formatCount(p.failures)}</td>
                <td>
                  {formatCount(p.input_tokens)} / {formatCount(p.output_tokens)}
                </td>
                <td>{formatCost(p.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
