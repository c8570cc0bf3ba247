/**
 * The worker side of worker-runner.ts: builds its own host (engine, shim, import object) from
 * the job's plain data, runs the guest in this thread, and posts the outcome. Loaded only as
 * a worker_thread entry.
 */
import { readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../gate/audit.js';
import { createHost, type GuestOptions } from './host.js';
import { plainGuestOptions, serializeError, type SinkSpec, type StdinSpec, type WorkerJob, type WorkerMessage } from './worker-runner.js';

const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);

function writeAll(fd: number, b: Uint8Array): void {
  // writeSync may write less than asked (pipes): loop until every byte is out.
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

function sink(spec: SinkSpec, type: 'stdout' | 'stderr'): ((b: Uint8Array) => void) | undefined {
  if (spec === 'discard') return undefined;
  if (spec === 'message') return (b) => post({ type, data: b.slice() });
  return (b) => writeAll(spec.fd, b);
}

/**
 * Reads `fd` to its end. The fd may be non-blocking (the caller's process.stdin makes a pipe
 * so): on EAGAIN wait a little with Atomics.wait, which terminate() can interrupt, unlike a
 * read blocked in the kernel.
 */
function readAllFd(fd: number): Uint8Array {
  const chunks: Buffer[] = [];
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const buf = Buffer.alloc(65536);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function stdin(spec: StdinSpec): GuestOptions['stdin'] {
  if (spec === 'empty') return undefined;
  if ('bytes' in spec) return spec.bytes;
  if ('fd' in spec) {
    const fd = spec.fd;
    return () => (isatty(fd) ? new Uint8Array(0) : readAllFd(fd));
  }
  const { request, port: reply } = spec;
  return () => {
    post({ type: 'stdin' });
    // The guest is synchronous: block this thread until the caller has put the bytes on the port.
    Atomics.wait(new Int32Array(request), 0, 0);
    const m = receiveMessageOnPort(reply);
    return m === undefined ? new Uint8Array(0) : new Uint8Array(m.message as Uint8Array);
  };
}

async function main(): Promise<void> {
  const job = workerData as WorkerJob;
  const auditSpec = job.audit;
  const audit: ((r: AuditRecord) => void) | undefined =
    auditSpec === 'discard'
      ? undefined
      : auditSpec === 'message'
        ? (record) => post({ type: 'audit', record })
        : (record) => writeAll(auditSpec.fd, new TextEncoder().encode(JSON.stringify(record) + '\n'));
  const host = createHost(job.cacheDir !== undefined ? { cacheDir: job.cacheDir } : {});
  const stdout = sink(job.stdout, 'stdout');
  const stderr = sink(job.stderr, 'stderr');
  const input = stdin(job.stdin);
  try {
    const guest = await host.prepare(job.guest, {
      ...plainGuestOptions(job),
      ...(stdout ? { stdout } : {}),
      ...(stderr ? { stderr } : {}),
      ...(input !== undefined ? { stdin: input } : {}),
      ...(audit ? { audit } : {}),
    });
    // Records the caller decided before the run (e.g. `--allow-undeclared`), under this subject.
    for (const r of job.auditPrelude ?? []) audit?.({ ...r, subject: guest.subject });
    const result = await guest.start();
    const { error, ...rest } = result;
    post({ type: 'result', result: rest, ...(error ? { error: serializeError(error) } : {}) });
  } catch (e) {
    post({ type: 'fault', error: serializeError(e) });
  }
}

void main();
