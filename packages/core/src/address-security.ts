/**
 * Whether a backend's address keeps what is sent to it on this machine, for
 * the warnings a provider's `check` reports (see `ProviderStatus.warnings`),
 * and which connection failures are a certificate that was not trusted.
 */

/**
 * Whether `hostname` (as `URL.hostname` writes it) is this machine: `localhost`,
 * 127.0.0.0/8, `::1`, or a 127.x address mapped into IPv6. Judged from the
 * address as written, never resolved: any other name counts as another machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  // URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
}

/** `address` as a URL, or `undefined` when it is not one. */
function urlOf(address: string): URL | undefined {
  try {
    return new URL(address.trim());
  } catch {
    return undefined;
  }
}

/**
 * What to fix when `address` is plain HTTP to another machine, where `carried`
 * (`the token and every secret value`) would cross the network unencrypted;
 * `undefined` for HTTPS, for this machine, and for what is not a URL. Names
 * only the address's origin, never a user name, path or query it may hold.
 */
export function plainHttpWarning(address: string, service: string, carried: string): string | undefined {
  const url = urlOf(address);
  if (url?.protocol !== "http:" || isLoopbackHost(url.hostname)) return undefined;
  return `${service} is reached over plain HTTP at ${url.origin}, so ${carried} cross the network unencrypted: use https://`;
}

/**
 * What to fix when Node checks no TLS certificate (`NODE_TLS_REJECT_UNAUTHORIZED=0`
 * in `env`) and `address` is HTTPS reached through Node's default agent, where
 * whoever answers for the host could read `carried`; `undefined` otherwise,
 * and for what is not a URL. Names only the address's origin.
 */
export function unverifiedTlsWarning(
  address: string,
  service: string,
  carried: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED !== "0") return undefined;
  const url = urlOf(address);
  if (url?.protocol !== "https:") return undefined;
  return `NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks, so whoever answers for ${url.origin} can read ${carried} sent to ${service}: unset it (trust a private CA with NODE_EXTRA_CA_CERTS instead)`;
}

/** Node's and OpenSSL's codes for a TLS handshake or certificate check that failed. */
const TLS_FAILURE_CODE =
  /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/**
 * Whether a socket error's `code` says the server's certificate was not trusted
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`...) or the handshake failed: the fix is a CA or
 * an address, not the network.
 */
export function isTlsFailureCode(code: string): boolean {
  return TLS_FAILURE_CODE.test(code);
}
