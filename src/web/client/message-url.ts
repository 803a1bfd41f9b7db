// An open message has an address of its own: the inbox's URL with `#message=<id>`. A fragment
// works the same on the guest's `/` and on a shared `/inbox/<token>`, never reaches the server
// (nor its logs), and each opened message is an entry of the tab's history: a reload reopens
// it, back and forward move between the messages read and the list.
const prefix = '#message=';

/** The id of the message the address names, if any. */
export function messageIdInUrl(): string | undefined {
  if (!location.hash.startsWith(prefix)) return undefined;
  try {
    return decodeURIComponent(location.hash.slice(prefix.length)) || undefined;
  } catch {
    return undefined;
  }
}

/** This page's address with message `id` open (undefined: the list alone). */
export function urlOfMessage(id: string | undefined): string {
  return `${location.pathname}${location.search}${id ? `${prefix}${encodeURIComponent(id)}` : ''}`;
}
