/**
 * Which mode a request gets: the `next` queue first, then the rules in order
 * (a matcher, `after` and `times` each), else forward. Also holds `hold` groups.
 */
import type { ProxiedRequest, ProxyMode, RequestMatcher, RuleOptions } from "./types.js";

export interface Rule {
  readonly mode: ProxyMode;
  readonly when: ((request: ProxiedRequest) => boolean) | undefined;
  readonly times: number | undefined;
  readonly after: number;
  matched: number;
  /** `hold`: the groups waiting, by key. */
  readonly groups: Map<string, Array<() => void>>;
}

export class ProxyRules {
  readonly #keyOf: (request: ProxiedRequest) => string;
  #rules: Rule[] = [];
  #queue: ProxyMode[] = [];

  constructor(keyOf: (request: ProxiedRequest) => string) {
    this.#keyOf = keyOf;
  }

  /** Replace every rule with this one, drop the queue and let every held request go on. */
  set(mode: ProxyMode, when: RequestMatcher | undefined, options: RuleOptions): void {
    this.releaseHeld();
    this.#queue = [];
    this.#rules = [this.#rule(mode, when, options)];
  }

  /** Add a rule that takes precedence over the ones already set. */
  also(mode: ProxyMode, when: RequestMatcher, options: RuleOptions): void {
    this.#rules.unshift(this.#rule(mode, when, options));
  }

  next(modes: readonly ProxyMode[]): void {
    this.#queue.push(...modes);
  }

  /** Whether a new connection is reset on accept: nothing queued and a plain `refuse` rule first. */
  refusesConnections(): boolean {
    return this.#queue.length === 0 && this.#connectionMode().kind === "refuse";
  }

  /** The mode for this request, and the rule it came from (none for a queued mode or the default). */
  modeFor(request: ProxiedRequest): { mode: ProxyMode; rule: Rule | undefined } {
    const queued = this.#queue.shift();
    if (queued) return { mode: queued, rule: undefined };
    for (const rule of this.#rules) {
      if (rule.when && !rule.when(request)) continue;
      rule.matched++;
      if (rule.matched <= rule.after) continue;
      if (rule.times !== undefined && rule.matched > rule.after + rule.times) continue;
      return { mode: rule.mode, rule };
    }
    return { mode: { kind: "forward" }, rule: undefined };
  }

  /** Requests waiting in a `hold` group. */
  get held(): number {
    let n = 0;
    for (const rule of this.#rules) for (const group of rule.groups.values()) n += group.length;
    return n;
  }

  releaseHeld(): void {
    for (const rule of this.#rules) {
      const groups = [...rule.groups.values()];
      rule.groups.clear();
      for (const group of groups) for (const release of group) release();
    }
  }

  #rule(mode: ProxyMode, when: RequestMatcher | undefined, options: RuleOptions): Rule {
    let match: ((request: ProxiedRequest) => boolean) | undefined;
    if (typeof when === "function") match = when;
    else if (typeof when === "string") match = (request) => this.#keyOf(request) === when;
    else if (when !== undefined) {
      const keys = new Set<string>(when as readonly string[]);
      match = (request) => keys.has(this.#keyOf(request));
    }
    return {
      mode,
      when: match,
      times: options.times,
      after: options.after ?? 0,
      matched: 0,
      groups: new Map(),
    };
  }

  /** The mode of a plain rule that applies to every connection (`refuse` resets them on accept). */
  #connectionMode(): ProxyMode {
    const first = this.#rules[0];
    return first && !first.when && first.times === undefined && first.after === 0
      ? first.mode
      : { kind: "forward" };
  }
}

/**
 * `hold`: add `go` to its group (by `mode.key(body)`) and let the whole group go once
 * it has `mode.count` requests or its time is up; without a rule (a queued mode), go now.
 */
export function hold(
  rule: Rule | undefined,
  mode: Extract<ProxyMode, { kind: "hold" }>,
  body: Buffer,
  go: () => void,
): void {
  if (!rule) {
    go();
    return;
  }
  const key = mode.key(body.toString("utf8"));
  let group = rule.groups.get(key);
  if (!group) {
    const created: Array<() => void> = [];
    group = created;
    rule.groups.set(key, created);
    // Never hold a group for ever: a client that did not come must fail the test, not hang it.
    setTimeout(() => {
      if (rule.groups.get(key) !== created) return;
      rule.groups.delete(key);
      for (const release of created) release();
    }, mode.timeoutMs ?? 60_000).unref();
  }
  group.push(go);
  if (group.length >= mode.count) {
    rule.groups.delete(key);
    for (const release of group) release();
  }
}
