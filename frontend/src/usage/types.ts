// Usage report types, generated from the server's schema snapshot (openapi.json -> schema.d.ts).
import type { components } from "../api/schema";

type S = components["schemas"];

export type UsageReport = S["UsageReport"];
export type PersonUsage = S["PersonUsage"];
export type DayUsage = S["DayUsage"];
export type UsageDays = 7 | 30;
