/** An attached worker's address: its URL without user and password, and the headers they become. */
export interface WorkerAddress {
  baseUrl: string;
  headers: Record<string, string>;
}

/** Splits `http://user:pass@host:port` into a base URL without credentials and a Basic `Authorization` header. */
export function workerAddress(url: string, headers: Record<string, string> = {}): WorkerAddress {
  const parsed = new URL(url);
  const auth: Record<string, string> = {};
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    auth.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    parsed.username = "";
    parsed.password = "";
  }
  return { baseUrl: parsed.toString().replace(/\/+$/, ""), headers: { ...auth, ...headers } };
}
