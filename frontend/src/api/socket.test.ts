import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatSocket, backoffDelay, socketUrl, type SocketStatus } from "./socket";
import type { ServerEvent } from "./types";

/** A WebSocket stand-in that records what the client does and lets the test play the server. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e?: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  serverOpen() {
    this.readyState = 1;
    this.onopen?.();
  }
  serverSend(data: unknown) {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) });
  }
  serverDrop() {
    this.readyState = 3;
    this.onclose?.();
  }
  serverEnd(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const flush = () => vi.advanceTimersByTimeAsync(0);

function make(extra: Partial<ConstructorParameters<typeof ChatSocket>[0]> = {}) {
  const events: ServerEvent[] = [];
  const statuses: SocketStatus[] = [];
  let token = "tok en/1";
  const socket = new ChatSocket({
    url: "ws://server/ws",
    token: async () => token,
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    random: () => 1,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    ...extra,
  });
  return { socket, events, statuses, setToken: (t: string) => (token = t) };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("socketUrl", () => {
  it("puts the token in the query string, encoded", () => {
    expect(socketUrl("ws://h/ws", "a+b/c")).toBe("ws://h/ws?token=a%2Bb%2Fc");
    expect(socketUrl("wss://h/prod?x=1", "t")).toBe("wss://h/prod?x=1&token=t");
  });
});

describe("backoffDelay", () => {
  it("grows exponentially, is capped, and jitters within the upper half", () => {
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(800);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(10, 100, 1000, () => 0)).toBe(500);
  });
});

describe("ChatSocket", () => {
  it("connects with the token and queues messages until open", async () => {
    const { socket, statuses } = make();
    socket.start();
    socket.send({ action: "ping" });
    await flush();
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe("ws://server/ws?token=tok%20en%2F1");
    expect(ws.sent).toEqual([]);
    ws.serverOpen();
    expect(ws.sent.map((t) => JSON.parse(t))).toEqual([{ action: "ping" }]);
    expect(statuses).toEqual(["connecting", "open"]);
  });

  it("delivers server events and drops malformed or unknown frames", async () => {
    const { socket, events } = make();
    socket.start();
    await flush();
    const ws = FakeSocket.all[0]!;
    ws.serverOpen();
    ws.serverSend({ type: "token", request_id: "r", text: "Hi" });
    ws.serverSend("{not json");
    ws.serverSend({ type: "surprise" });
    ws.serverSend({ type: "document", doc_id: "d", status: "INDEXED" });
    expect(events.map((e) => e.type)).toEqual(["token", "document"]);
  });

  it("reconnects with growing delays and a fresh token after drops", async () => {
    const { socket, statuses, setToken } = make();
    socket.start();
    await flush();
    FakeSocket.all[0]!.serverDrop();
    expect(statuses.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeSocket.all).toHaveLength(1);
    setToken("fresh");
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1]!.url).toContain("token=fresh");
    FakeSocket.all[1]!.serverDrop(); // second failure in a row: 200 ms
    await vi.advanceTimersByTimeAsync(199);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.serverOpen(); // success resets the backoff
    FakeSocket.all[2]!.serverDrop();
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it("reconnects at once with a fresh token when the server ends the session (4401)", async () => {
    const { socket, setToken } = make();
    socket.start();
    await flush();
    FakeSocket.all[0]!.serverOpen();
    setToken("renewed");
    FakeSocket.all[0]!.serverEnd(4401); // the token expired or was revoked
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1]!.url).toContain("token=renewed");
  });

  it("does not reconnect after stop, and start/stop/start opens one socket", async () => {
    const { socket } = make();
    socket.start();
    socket.stop();
    socket.start(); // React StrictMode runs effects twice
    await flush();
    expect(FakeSocket.all).toHaveLength(1);
    socket.stop();
    expect(FakeSocket.all[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("pings while open to keep an idle connection alive", async () => {
    const { socket } = make({ pingIntervalMs: 1000 });
    socket.start();
    await flush();
    const ws = FakeSocket.all[0]!;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(2500);
    expect(ws.sent.map((t) => JSON.parse(t))).toEqual([{ action: "ping" }, { action: "ping" }]);
  });

  it("can take back a queued message before it is sent", async () => {
    const { socket } = make();
    socket.start();
    socket.send({ action: "ask", request_id: "r1", question: "q", history: [] });
    socket.unqueue((m) => m.action === "ask" && m.request_id === "r1");
    socket.send({ action: "cancel", request_id: "r1" });
    await flush();
    FakeSocket.all[0]!.serverOpen();
    expect(FakeSocket.all[0]!.sent.map((t) => JSON.parse(t).action)).toEqual(["cancel"]);
  });
});
