import { ApiError, errorFromBody } from "./errors";
import type { UploadTarget } from "./types";

export type Progress = (loaded: number, total: number) => void;

/** Minimal XMLHttpRequest surface used here (lets tests pass a recorder). */
export type XhrFactory = () => XMLHttpRequest;

/**
 * Send a file to exactly the target `POST /documents` returned, and nothing else: no bearer
 * header ever goes to the upload URL (on AWS it is S3). PUT sends the raw body; POST sends a
 * multipart form with the given fields first and the file last, as S3's POST policy requires.
 */
export function uploadToTarget(
  target: UploadTarget,
  file: Blob,
  onProgress?: Progress,
  signal?: AbortSignal,
  makeXhr: XhrFactory = () => new XMLHttpRequest(),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = makeXhr();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
        return;
      }
      reject(uploadError(xhr));
    };
    xhr.onerror = () => reject(new ApiError(0, "unavailable", "The upload failed: network error."));
    xhr.onabort = () => reject(new ApiError(0, "cancelled", "The upload was cancelled."));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(target.method === "POST" ? formBody(target, file) : file);
  });
}

function formBody(target: UploadTarget, file: Blob): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(target.fields ?? {})) form.append(name, value);
  form.append("file", file);
  return form;
}

function uploadError(xhr: XMLHttpRequest): ApiError {
  if (xhr.status === 413) return new ApiError(413, "too_large", "The file is larger than the upload limit.");
  let body: unknown = null;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    // S3 answers in XML; its message is not for end users.
  }
  return errorFromBody(xhr.status, body, `The upload failed (${xhr.status}).`);
}
