import { asServerEvent, type ClientMessage, type ServerEvent } from "./types";
import type { TokenSource } from "./rest";

/** Close code of a session the server ended (handlers/local/ws.py UNAUTHORIZED_CLOSE). */
export const SESSION_ENDED = 4401;

export type SocketStatus = "connecting" | "open" | "reconnecting" | "stopped";

export interface ChatSocketOptions {
  url: string;
  token: TokenSource;
  onEvent: (event: ServerEvent) => void;
  onStatus?: (status: SocketStatus, retryInMs?: number) => void;
  /** Injected in tests; defaults to the browser's WebSocket. */
  WebSocketImpl?: typeof WebSocket;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Keep-alive interval: API Gateway drops connections idle for 10 minutes. */
  pingIntervalMs?: number;
  random?: () => number;
}

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The access token rides in the URL (`?token=`): browsers cannot set WebSocket headers. */
export function socketUrl(url: string, token: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

/**
 * One WebSocket to the chat/status endpoint that reconnects with backoff when it drops.
 * Messages sent while (re)connecting are queued and flushed once the socket opens.
 */
export class ChatSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private queue: string[] = [];
  // Bumped by start/stop, so a connect still awaiting its token from an earlier run gives up.
  private generation = 0;
  private readonly opts: Required<Omit<ChatSocketOptions, "onStatus">> & Pick<ChatSocketOptions, "onStatus">;

  constructor(options: ChatSocketOptions) {
    this.opts = {
      WebSocketImpl: globalThis.WebSocket,
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      pingIntervalMs: 60_000,
      random: Math.random,
      ...options,
    };
  }

  get isOpen(): boolean {
    return this.ws?.readyState === 1;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.generation += 1;
    void this.connect(this.generation);
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.clearTimers();
    this.queue = [];
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "bye");
    this.opts.onStatus?.("stopped");
  }

  /** Send now if open, else queue for the next open. */
  send(message: ClientMessage): void {
    const text = JSON.stringify(message);
    if (this.ws && this.isOpen) this.ws.send(text);
    else this.queue.push(text);
  }

  /** Drop queued messages matching a predicate (e.g. an ask the user cancelled while offline). */
  unqueue(match: (message: ClientMessage) => boolean): void {
    this.queue = this.queue.filter((text) => !match(JSON.parse(text) as ClientMessage));
  }

  private async connect(generation: number): Promise<void> {
    this.opts.onStatus?.(this.attempt === 0 ? "connecting" : "reconnecting");
    let token: string;
    try {
      token = await this.opts.token();
    } catch {
      if (generation === this.generation) this.scheduleReconnect();
      return;
    }
    if (generation !== this.generation) return;
    const ws = new this.opts.WebSocketImpl(socketUrl(this.opts.url, token));
    this.ws = ws;
    ws.onopen = () => this.handleOpen(ws);
    ws.onmessage = (e: MessageEvent) => {
      if (ws === this.ws) this.handleMessage(e.data);
    };
    ws.onclose = (e?: CloseEvent) => this.handleClose(ws, e?.code);
    ws.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
  }

  private handleOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.attempt = 0;
    this.opts.onStatus?.("open");
    const pending = this.queue;
    this.queue = [];
    for (const text of pending) ws.send(text);
    this.pingTimer = setInterval(() => this.send({ action: "ping" }), this.opts.pingIntervalMs);
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== "string") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const event = asServerEvent(parsed);
    if (event) this.opts.onEvent(event);
  }

  private handleClose(ws: WebSocket, code?: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.clearTimers();
    if (this.stopped) return;
    if (code === SESSION_ENDED) {
      // The server ended the session (token expired or revoked): not an outage, so reconnect
      // at once; the token source gives a fresh token or sends the user to sign in.
      this.attempt = 0;
      void this.connect(this.generation);
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { baseDelayMs, maxDelayMs, random } = this.opts;
    const delay = backoffDelay(this.attempt, baseDelayMs, maxDelayMs, random);
    this.attempt += 1;
    this.opts.onStatus?.("reconnecting", delay);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => void this.connect(generation), delay);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }
}
