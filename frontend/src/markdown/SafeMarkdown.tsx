import type { ComponentProps, ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import remarkSafe, { CITE_PREFIX } from "./remarkSafe";

/** Same-origin (or relative) image URLs only: a remote image would leak the reader's IP and timing. */
export function isLocalImage(src: string | undefined, origin: string = window.location.origin): boolean {
  if (!src) return false;
  try {
    const url = new URL(src, origin);
    return url.origin === origin && (url.protocol === "http:" || url.protocol === "https:");
  } catch {
    return false;
  }
}

interface Props {
  text: string;
  /** Called when a citation `[n]` is activated. */
  onCite?: (n: number) => void;
  /** Citation numbers that have a source (others render disabled). */
  knownCitations?: ReadonlySet<number>;
}

/**
 * Markdown from a model, rendered safely: no raw HTML (shown as text), no remote images, links
 * open in a new tab without referrer, and `[n]` citations become buttons.
 */
export function SafeMarkdown({ text, onCite, knownCitations }: Props): ReactNode {
  const components: Components = {
    a({ href, children }) {
      if (href?.startsWith(CITE_PREFIX)) {
        const n = Number(href.slice(CITE_PREFIX.length));
        const known = knownCitations?.has(n) ?? false;
        return (
          <button
            type="button"
            className="cite"
            onClick={() => onCite?.(n)}
            disabled={!known}
            aria-label={`Show source ${n}`}
            data-cite={n}
          >
            {children}
          </button>
        );
      }
      return (
        <a href={href} target="_blank" rel="noopener noreferrer nofollow">
          {children}
        </a>
      );
    },
    img({ src, alt }: ComponentProps<"img">) {
      const url = typeof src === "string" ? src : undefined;
      if (isLocalImage(url)) return <img src={url} alt={alt ?? ""} loading="lazy" />;
      return (
        <span className="blocked-image" role="img" aria-label={`Image not loaded: ${alt || "remote image"}`}>
          [image not loaded{alt ? `: ${alt}` : ""}]
        </span>
      );
    },
  };
  return (
    <Markdown remarkPlugins={[remarkSafe]} skipHtml components={components}>
      {text}
    </Markdown>
  );
}
