/**
 * What one page request has already read (issue 21): a page such as a person's page calls a dozen
 * services, and each checks the same person, walks the same same-person links and asks the
 * caller's agency type again. Given a RequestReads (made once per request, and only for a request
 * that changes nothing, a GET), each of those facts is read once and the answer handed to the
 * next service that asks.
 *
 * Only facts are kept, never decisions: every service still runs the policy on them and still
 * writes its own audit entry, so who may see what, and the trail, are as without it. Without one
 * (a POST, the API, background work) every read goes to the database as before, so a write is
 * never followed by a stale read.
 */
export class RequestReads {
  private readonly answers = new Map<string, Promise<unknown>>();

  /**
   * The answer already read under this key, else `load`'s (kept for the rest of the request). A
   * failed read is not kept: the next caller reads again and meets the failure itself.
   */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const known = this.answers.get(key);
    if (known) return known as Promise<T>;
    const answer = load();
    this.answers.set(key, answer);
    answer.catch(() => this.answers.delete(key));
    return answer;
  }
}

/** Reads through the request's reads when there are some, else straight from the database. */
export function readOnce<T>(reads: RequestReads | undefined, key: string, load: () => Promise<T>): Promise<T> {
  return reads ? reads.once(key, load) : load();
}
