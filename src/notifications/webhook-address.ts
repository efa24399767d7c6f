import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A webhook address is typed by an authority's manager, but Jigsaw is the one that connects to it:
 * from inside the operator's network. Left open, "http://127.0.0.1:5432", the cloud metadata
 * address 169.254.169.254 or a 10.x host would be reached from the server, and the delivery status
 * would tell the manager which ports answer. So: https only, public addresses only, checked when
 * the address is set and again (after resolving the name) at each delivery, and the connection
 * goes to the very address that was checked. Receivers inside the network are the operator's
 * choice, listed in JIGSAW_WEBHOOK_HTTP_HOSTS.
 */

/** Resolves a host name to every address it has (node:dns lookup, all: true); tests inject their own. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export const resolveWithDns: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The host as the allow-list compares it: lower case, no IPv6 brackets, addresses in canonical form. */
export function canonicalHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? ipaddr.parse(bare).toString() : bare;
}

/** Whether the operator listed this host (JIGSAW_WEBHOOK_HTTP_HOSTS), however either side spelled an address. */
const allowListed = (host: string, httpHosts: readonly string[]): boolean => httpHosts.some((h) => canonicalHost(h) === host);

/**
 * Only ordinary public unicast addresses: not private (10/8, 172.16/12, 192.168/16, fc00::/7),
 * loopback, link-local (169.254/16 — the metadata service — and fe80::/10), multicast, unspecified,
 * CGNAT (100.64/10), broadcast, reserved or documentation ranges, nor an IPv6 form that embeds one
 * of those (IPv4-mapped is unwrapped; NAT64, 6to4 and Teredo are refused outright).
 */
export function isPublicAddress(address: string): boolean {
  if (!isIP(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Why a webhook address may not be set; undefined when it may. The words are for the manager typing it. */
export function webhookAddressProblem(address: string, httpHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return 'Enter a web address starting with https://';
  }
  if (url.username || url.password) return 'Enter the address without a user name or password: the receiver checks the signature instead';
  const host = canonicalHost(url.hostname);
  const allowed = allowListed(host, httpHosts);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) return 'Enter an address starting with https://';
  // An address typed as a number can be judged now; a name is checked when it is resolved, at each delivery.
  if (isIP(host) && !allowed && !isPublicAddress(host)) return 'Enter the address of a receiver on the internet: this address is inside a private network';
  return undefined;
}

/** What a manager is told about a webhook attempt: nothing about ports, errors or what answered. */
export type WebhookOutcome = 'delivered' | 'address_not_allowed' | 'not_accepted';

/** The addresses to connect to, each checked; undefined when the address may not be used. */
async function checkedAddresses(url: URL, httpHosts: readonly string[], resolve: ResolveHost): Promise<LookupAddress[] | undefined> {
  if (webhookAddressProblem(url.href, httpHosts)) return undefined;
  const host = canonicalHost(url.hostname);
  const allowed = allowListed(host, httpHosts);
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch {
    return undefined;
  }
  if (addresses.length === 0) return undefined;
  // Every address must pass, not just one: a name with one public and one private address could connect to either.
  if (!allowed && !addresses.every((a) => isPublicAddress(a.address))) return undefined;
  return addresses;
}

/** Answers the connection's own lookup with the addresses already checked, so a second DNS answer (rebinding) is never used. */
const pinnedLookup = (addresses: LookupAddress[]): LookupFunction => (_hostname, options, callback) => {
  if (options.all) callback(null, addresses);
  else callback(null, addresses[0]!.address, addresses[0]!.family);
};

export interface WebhookPost { url: string; headers: Record<string, string>; body: string; httpHosts: readonly string[]; resolve?: ResolveHost | undefined; timeoutMs?: number }

/** POSTs one signed delivery. Only a 2xx counts: a redirect is not followed (its target was never checked). */
export async function postWebhook(post: WebhookPost): Promise<WebhookOutcome> {
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return 'address_not_allowed';
  }
  const addresses = await checkedAddresses(url, post.httpHosts, post.resolve ?? resolveWithDns);
  if (!addresses) return 'address_not_allowed';
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookOutcome>((done) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      lookup: pinnedLookup(addresses),
      signal: AbortSignal.timeout(post.timeoutMs ?? 10_000),
    }, (res: IncomingMessage) => {
      // The body is never read: it is the receiver's, and may quote anything.
      res.destroy();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 300 ? 'delivered' : 'not_accepted');
    });
    // Refused, reset, timed out, bad certificate: all the same to the manager, so the status cannot map a network.
    req.on('error', () => done('not_accepted'));
    req.end(post.body);
  });
}
