// The public URL: the origin every link Burnbox hands out starts with (attachment URLs, share
// links, the API base URL, the docs' samples). Unless set, it is this machine on the HTTP port
// actually listened on, so changing the port never leaves links on another one.

/** The public URL when none is set. */
export function localPublicUrl(httpPort: number): string {
  return `http://localhost:${httpPort}`;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A warning when a set public URL names this machine on another port than the HTTP server's:
 * every link would then lead nowhere (typically the port was changed but not the URL).
 */
export function publicUrlPortMismatch(publicUrl: string, httpPort: number): string | undefined {
  const url = new URL(publicUrl);
  if (!loopbackHosts.has(url.hostname.toLowerCase())) return undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (port === httpPort) return undefined;
  return (
    `BURNBOX_PUBLIC_URL=${publicUrl} points at this machine on port ${port}, but HTTP listens on port ` +
    `${httpPort}: links and the API base URL lead nowhere (unset BURNBOX_PUBLIC_URL to follow the HTTP port)`
  );
}
