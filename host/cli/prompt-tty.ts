/**
 * The terminal prompter behind `molt-wasm run --prompt` (deka's prompt rules, SPEC section
 * 8): asks on the terminal, synchronously (the guest is paused inside its call), and never
 * blocks without one. Input typed before the question appears is discarded, and the question
 * shows guest-controlled strings escaped (host/gate/prompt.ts), so a guest can neither
 * answer for the user nor paint a fake question.
 */
import type { Command } from 'commander';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { escapeForTerminal, parseAnswer, type PromptAnswer, type PromptCallback, type PromptQuestion } from '../gate/prompt.js';
import { lazyChildProcess, lazyTty } from '../node/builtins.js';

export interface TtyPrompterOptions {
  /** Who is asking, shown before the question (escaped). Default `the guest`. */
  readonly label?: string;
  /** Questions asked again after an unreadable answer before it counts as `deny`. Default 3. */
  readonly attempts?: number;
  /** Called once when there is no terminal and the answer is `deny` without asking. */
  readonly onNoTerminal?: (question: PromptQuestion) => void;
}

/** True when both stdin and stderr are terminals (deka: non-TTY execution is non-interactive deny). */
export function hasTerminal(): boolean {
  return lazyTty().isatty(0) && lazyTty().isatty(2);
}

const ANSWERS: Readonly<Record<PromptAnswer, string>> = {
  once: 'allowed once',
  always: 'allowed',
  deny: 'denied',
  never: 'denied for this run',
  'deny-all': 'denied, and every later request of this kind is denied without asking',
};

/**
 * A PromptCallback asking on the terminal. Without a terminal on stdin and stderr it answers
 * `deny` at once (and never reads), so CI runs stay deterministic.
 */
export function createTtyPrompter(options: TtyPrompterOptions = {}): PromptCallback {
  const label = escapeForTerminal(options.label ?? 'the guest');
  const attempts = options.attempts ?? 3;
  let warned = false;
  return (q) => {
    if (!hasTerminal()) {
      if (!warned) {
        warned = true;
        options.onNoTerminal?.(q);
      }
      return 'deny';
    }
    const tty = openTty();
    try {
      const target = q.target === null ? '' : ` on ${escapeForTerminal(q.target)}`;
      const extra = q.undeclared ? ' (NOT declared in its embedded manifest)' : '';
      write(`molt-wasm: ${label} requests ${escapeForTerminal(q.capability)}${target} (${escapeForTerminal(q.operation)})${extra}\n`);
      for (let i = 0; i < attempts; i++) {
        discardPendingInput(tty.fd);
        write(`${q.text} `);
        const line = readLine(tty.fd);
        if (line === null) {
          write('\n');
          break;
        }
        const answer = parseAnswer(line);
        if (answer !== undefined) {
          write(`molt-wasm: ${ANSWERS[answer]}\n`);
          return answer;
        }
        write('molt-wasm: answer y, a, n, d or N\n');
      }
      write(`molt-wasm: ${ANSWERS.deny}\n`);
      return 'deny';
    } finally {
      if (tty.close) closeSync(tty.fd);
    }
  };
}

function write(s: string): void {
  writeSync(2, s);
}

/** A blocking fd on the terminal: a fresh `/dev/tty` (its own file status flags), else fd 0. */
function openTty(): { fd: number; close: boolean } {
  try {
    return { fd: openSync('/dev/tty', constants.O_RDWR | constants.O_NOCTTY), close: true };
  } catch {
    return { fd: 0, close: false };
  }
}

/**
 * Throws away whatever is already buffered on the terminal (typed ahead, or pasted), including
 * a partial line: canonical mode hides an unfinished line from read(), so the terminal is put
 * in non-canonical mode with MIN 0 TIME 0 (`stty`), drained, and restored. Without stty (or
 * if it fails) the fd is drained non-blocking, which discards complete lines; an unfinished
 * one then prefixes the answer and makes it unreadable, which asks again.
 */
function discardPendingInput(fd: number): void {
  let saved: string | undefined;
  try {
    saved = lazyChildProcess()
      .execFileSync('stty', ['-g'], { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8' })
      .trim();
    lazyChildProcess().execFileSync('stty', ['-icanon', 'min', '0', 'time', '0'], { stdio: [fd, 'ignore', 'ignore'] });
  } catch {
    saved = undefined;
  }
  try {
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < 1024; i++) {
      let n: number;
      try {
        n = saved !== undefined ? readSync(fd, buf, 0, buf.length, null) : readNonBlocking(buf);
      } catch {
        break;
      }
      if (n <= 0) break;
    }
  } finally {
    if (saved !== undefined) {
      try {
        lazyChildProcess().execFileSync('stty', [saved], { stdio: [fd, 'ignore', 'ignore'] });
      } catch {
        lazyChildProcess().execFileSync('stty', ['sane'], { stdio: [fd, 'ignore', 'ignore'] });
      }
    }
  }
}

/** One non-blocking read through a second open of /dev/tty; 0 when nothing is pending. */
function readNonBlocking(buf: Buffer): number {
  let nb: number;
  try {
    nb = openSync('/dev/tty', constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return 0;
  }
  try {
    return readSync(nb, buf, 0, buf.length, null);
  } catch {
    return 0; // EAGAIN: nothing pending
  } finally {
    closeSync(nb);
  }
}

/** Reads one line (blocking; retries EAGAIN on a non-blocking fd 0); null at end of input. */
function readLine(fd: number): string | null {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 20);
        continue;
      }
      return null;
    }
    if (n === 0) return bytes.length === 0 ? null : Buffer.from(bytes).toString('utf8');
    if (one[0] === 0x0a) return Buffer.from(bytes).toString('utf8');
    bytes.push(one[0]!);
    if (bytes.length > 256) return Buffer.from(bytes).toString('utf8');
  }
}

// ---------------------------------------------------------------------------- CLI wiring

/** Registers `--prompt` / `--no-prompt` (off by default; the last one given wins). */
export function addPromptOptions(cmd: Command): void {
  cmd.option('--prompt', 'ask on the terminal when the policy denies an operation (never without a terminal)');
  cmd.option('--no-prompt', 'never ask: a denied operation is denied (the default)');
}

/** The one-line warnings for broad flags (`--allow-all`, bare `--allow-write`, bare `--allow-net`). */
export function broadFlagWarnings(broad: readonly string[]): string[] {
  return broad.map((flag) =>
    flag === '--allow-all'
      ? 'molt-wasm: warning: --allow-all grants every capability to the guest\n'
      : `molt-wasm: warning: ${flag} without a scope grants it everywhere; prefer ${flag}=…\n`,
  );
}

/** GuestOptions fields for `run`: the terminal prompter under `--prompt`, nothing otherwise. */
export function promptGuestOptions(
  opts: Readonly<Record<string, unknown>>,
  allowUndeclared: boolean,
  label: string,
): { prompt?: PromptCallback; promptUndeclared?: boolean } {
  if (opts['prompt'] !== true) return {};
  return {
    prompt: createTtyPrompter({
      label,
      onNoTerminal: () => writeSync(2, 'molt-wasm: --prompt: no terminal on stdin and stderr; denials stand\n'),
    }),
    promptUndeclared: allowUndeclared,
  };
}
