/**
 * Failpoints: named places in a process where a test can make it crash, fail or stall at an exact
 * step (the technique of etcd's gofail and TiKV's fail-rs). Nothing happens unless a failpoint is
 * armed, and arming is a test's act: from the environment at start-up, or over HTTP where the app
 * enables that (off by default). Hand-written because no maintained npm package does this; it is a
 * map lookup on the hot path when nothing is armed.
 */

export type FailpointAction = 'crash' | 'throw' | 'delay';

export interface FailpointSpec {
  /** `crash`: SIGKILL of this process (no cleanup, like a power cut of the process); `throw`: a
   * retriable FailpointError; `delay`: wait `delayMs`. */
  action: FailpointAction;
  /** Fire on this hit counted from arming (1 = the next one). Default 1. */
  onHit?: number;
  /** Keep firing on every later hit too (default: fire once, then disarm). */
  repeat?: boolean;
  delayMs?: number;
}

export type FailpointErrorCode = 'FAILPOINT_FIRED' | 'FAILPOINT_INVALID';

export class FailpointError extends Error {
  constructor(
    message: string,
    readonly code: FailpointErrorCode,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FailpointError';
  }
}

interface Armed {
  spec: Required<Pick<FailpointSpec, 'action' | 'onHit' | 'repeat'>> & { delayMs: number };
  hits: number;
}

export interface FailpointStatus {
  name: string;
  spec: FailpointSpec;
  hits: number;
}

export class Failpoints {
  private readonly armed = new Map<string, Armed>();

  /**
   * @param known the failpoints this process has: arming anything else is an error (a typo would
   *   otherwise arm nothing and a test would pass for the wrong reason).
   * @param crash how `crash` kills the process (injected by unit tests).
   */
  constructor(
    readonly known: readonly string[],
    private readonly crash: (name: string) => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {}

  arm(name: string, spec: FailpointSpec): void {
    if (!this.known.includes(name))
      throw new FailpointError(
        `unknown failpoint "${name}"; this process has: ${this.known.join(', ') || 'none'}`,
        'FAILPOINT_INVALID',
        false,
      );
    if (!['crash', 'throw', 'delay'].includes(spec.action))
      throw new FailpointError(
        `action must be crash, throw or delay, got "${String(spec.action)}"`,
        'FAILPOINT_INVALID',
        false,
      );
    const onHit = spec.onHit ?? 1;
    if (!Number.isInteger(onHit) || onHit < 1)
      throw new FailpointError(
        `onHit must be an integer >= 1, got ${String(spec.onHit)}`,
        'FAILPOINT_INVALID',
        false,
      );
    const delayMs = spec.delayMs ?? 0;
    if (spec.action === 'delay' && (!Number.isFinite(delayMs) || delayMs <= 0))
      throw new FailpointError(
        `delay needs delayMs > 0, got ${String(spec.delayMs)}`,
        'FAILPOINT_INVALID',
        false,
      );
    this.armed.set(name, {
      spec: { action: spec.action, onHit, repeat: spec.repeat ?? false, delayMs },
      hits: 0,
    });
  }

  disarm(name?: string): void {
    if (name === undefined) this.armed.clear();
    else this.armed.delete(name);
  }

  list(): FailpointStatus[] {
    return [...this.armed].map(([name, a]) => ({ name, spec: { ...a.spec }, hits: a.hits }));
  }

  /** Marks the place `name` in the code; does what is armed there, if anything. */
  async hit(name: string): Promise<void> {
    const a = this.armed.get(name);
    if (!a) return;
    a.hits++;
    if (a.hits < a.spec.onHit) return;
    if (!a.spec.repeat) this.armed.delete(name);
    switch (a.spec.action) {
      case 'crash':
        this.crash(name);
        // A real SIGKILL never returns; an injected crash must not let the step go on either.
        throw new FailpointError(`failpoint ${name}: crashed`, 'FAILPOINT_FIRED', false);
      case 'throw':
        throw new FailpointError(`failpoint ${name} fired`, 'FAILPOINT_FIRED', true);
      case 'delay':
        await new Promise((r) => setTimeout(r, a.spec.delayMs));
    }
  }

  /**
   * Arms from a string such as `store.commit.after=crash@3,store.commit.before=delay:200*`:
   * `name=action[:delayMs][@onHit][*]` (`*` = repeat), comma-separated.
   */
  armFrom(text: string | undefined): void {
    for (const part of (text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([\w.-]+)=(crash|throw|delay)(?::(\d+))?(?:@(\d+))?(\*)?$/.exec(part);
      if (!m)
        throw new FailpointError(
          `cannot read failpoint "${part}": expected name=crash|throw|delay[:delayMs][@onHit][*]`,
          'FAILPOINT_INVALID',
          false,
        );
      this.arm(m[1]!, {
        action: m[2] as FailpointAction,
        ...(m[3] ? { delayMs: Number(m[3]) } : {}),
        ...(m[4] ? { onHit: Number(m[4]) } : {}),
        repeat: m[5] === '*',
      });
    }
  }
}
