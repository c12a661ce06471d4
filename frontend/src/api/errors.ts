/** An error from the API, carrying the server's enumerated code when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Build an ApiError from a failed response body (`{"error": {"code", "message"}}` or anything else). */
export function errorFromBody(status: number, body: unknown, fallback: string): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (err && typeof err.code === "string" && typeof err.message === "string") {
    return new ApiError(status, err.code, err.message);
  }
  // FastAPI's own validation errors use {"detail": ...}.
  const detail = (body as { detail?: unknown } | null)?.detail;
  const message = typeof detail === "string" ? detail : fallback;
  return new ApiError(status, status === 401 ? "unauthorized" : "bad_request", message);
}
