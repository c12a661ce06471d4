import { describe, expect, it } from "vitest";
import { uploadToTarget } from "./upload";

/** Records what an XMLHttpRequest is asked to do; the test completes it. */
class RecordingXhr {
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  finish(status: number, text = "") {
    this.status = status;
    this.responseText = text;
    this.onload?.();
  }
}

function start(target: Parameters<typeof uploadToTarget>[0], file: Blob) {
  const xhr = new RecordingXhr();
  const progress: [number, number][] = [];
  const done = uploadToTarget(target, file, (l, t) => progress.push([l, t]), undefined, () => xhr as unknown as XMLHttpRequest);
  return { xhr, progress, done };
}

describe("uploadToTarget", () => {
  it("PUTs the raw file with exactly the given headers (never a bearer token)", async () => {
    const file = new Blob(["hello world"], { type: "text/plain" });
    const { xhr, progress, done } = start(
      { url: "http://local/uploads/d1?sig=x", method: "PUT", headers: { "Content-Type": "text/plain" }, fields: {} },
      file,
    );
    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 11 });
    xhr.finish(200);
    await done;
    expect(xhr.method).toBe("PUT");
    expect(xhr.url).toBe("http://local/uploads/d1?sig=x");
    expect(xhr.headers).toEqual({ "Content-Type": "text/plain" });
    expect(xhr.body).toBe(file);
    expect(progress).toEqual([
      [5, 11],
      [11, 11],
    ]);
  });

  it("POSTs a form with the policy fields first and the file last (S3 presigned POST)", async () => {
    const file = new Blob(["%PDF"]);
    const fields = { key: "u/alice/d1", policy: "p", "x-amz-signature": "s" };
    const { xhr, done } = start({ url: "https://bucket.s3/", method: "POST", headers: {}, fields }, file);
    xhr.finish(204);
    await done;
    const form = xhr.body as FormData;
    expect([...form.keys()]).toEqual(["key", "policy", "x-amz-signature", "file"]);
    expect(form.get("key")).toBe("u/alice/d1");
    expect(xhr.headers).toEqual({});
  });

  it("reports a 413 as too large and a JSON error by its code", async () => {
    const a = start({ url: "u", method: "PUT", headers: {}, fields: {} }, new Blob(["x"]));
    a.xhr.finish(413);
    await expect(a.done).rejects.toMatchObject({ code: "too_large" });
    const b = start({ url: "u", method: "PUT", headers: {}, fields: {} }, new Blob(["x"]));
    b.xhr.finish(403, JSON.stringify({ error: { code: "forbidden", message: "the upload URL has already been used" } }));
    await expect(b.done).rejects.toMatchObject({ code: "forbidden", message: "the upload URL has already been used" });
  });
});
