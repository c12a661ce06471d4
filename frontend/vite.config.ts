/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// Defence in depth for model output: no remote images, no inline or remote scripts. Only the
// built app gets it (the dev server injects an inline script). connect-src stays open because
// the API, WebSocket, upload (S3) and Cognito hosts come from config.json at run time.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' http: https: ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

const csp: Plugin = {
  name: "csp-meta",
  apply: "build",
  transformIndexHtml: () => [
    { tag: "meta", attrs: { "http-equiv": "Content-Security-Policy", content: CSP }, injectTo: "head" },
  ],
};

// Relative base: the same build is served from any path (rag serve locally, Amplify on AWS).
export default defineConfig({
  base: "./",
  plugins: [react(), csp],
  build: { outDir: "dist", sourcemap: true, chunkSizeWarningLimit: 700 },
  // `npm run dev` against a running `rag serve` (RAG_DEV_SERVER, default :8000). The Host header
  // is kept, so the server's generated config.json points back through this proxy.
  server: {
    proxy: Object.fromEntries(
      ["/config.json", "/auth", "/me", "/documents", "/uploads", "/health", "/ws", "/usage"].map((path) => [
        path,
        { target: process.env.RAG_DEV_SERVER ?? "http://127.0.0.1:8000", ws: path === "/ws" },
      ]),
    ),
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
