/**
 * What both hosts do to prepare a guest once its bytes are read: verify the embedded manifest
 * (tampered molt sections are refused before anything is transpiled or run, SPEC section 4),
 * plan the preopens, wire the prompt (its ceiling is the verified embedded manifest), give the
 * guest a subject, build the gated WASI import object and let the platform load the guest
 * against it; then start it once. The subject is dropped when preparing fails.
 * Platform-neutral: the platform and the loader come from the host.
 */
import { MoltError } from '../errors.js';
import type { AuditSink } from '../gate/audit.js';
import { createGatedWasi, disposeGatedWasi } from '../gate/index.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';
import { planPreopens, type PreopenPlan } from '../gate/preopens.js';
import { PromptGate, type PromptCallback } from '../gate/prompt.js';
import type { WasiImportObject, WasiPlatform } from '../gate/types.js';
import { readProvenance, type ProvenanceReading } from '../manifest/provenance.js';
import { emptyManifest, type PolicyEngine } from '../policy/index.js';
import type { CanonicalManifest, SubjectId } from '../policy/types.js';
import { refuseWasi03 } from './supported.js';
import { DenialNotices, type DenialHintContext } from './denial-notices.js';
import { guestIo, type GuestIoOptions } from './guest-io.js';
import { startCoreModule, type LoadedGuest } from './loaded-guest.js';
import { RUN_RETURNED_ERR, runComponent, settle, type GuestKind, type RunResult } from './outcome.js';

/** The per-guest options both hosts take (each host adds its own). */
export interface GatedGuestOptions extends GuestIoOptions {
  /** The resolved policy. Default: nothing granted (SPEC section 1: zero by default). */
  readonly manifest?: CanonicalManifest | undefined;
  /** Guest path -> platform path (`--dir`). Default: each fs scope path maps to itself. */
  readonly dirs?: Readonly<Record<string, string>> | undefined;
  /** One record per capability decision. Default: none. */
  readonly audit?: AuditSink | undefined;
  /** A label for the subject (diagnostics). Default: the source when it is a string, else `guest`. */
  readonly label?: string | undefined;
  /**
   * Asked, synchronously, when the policy denies an operation (the CLI's `--prompt`; a
   * browser's confirm dialog): see host/gate/prompt.ts and docs/prompts.md. Grants stay
   * within the embedded manifest unless `promptUndeclared`. Default: none (denials stand).
   */
  readonly prompt?: PromptCallback | undefined;
  /** `--allow-undeclared` for prompts: an answer may grant beyond the embedded manifest (audited). Default false. */
  readonly promptUndeclared?: boolean | undefined;
  /**
   * `readProvenance` of these very bytes, when the caller has read it already (the CLI does,
   * to resolve the policy): spares verifying the sections and hashing the binary again.
   * Default: read here.
   */
  readonly embedded?: ProvenanceReading | undefined;
  /**
   * Host file handles the guest may hold at once (descriptors, streams' files, listings);
   * past it an open fails `insufficient-memory` (preview1: EMFILE). Default 256.
   */
  readonly maxOpenFiles?: number | undefined;
  /**
   * `wasi:http/types` resources the guest may hold at once that it made without a capability
   * (`new fields()`, `from-list`, `clone`, `new outgoing-request`, ...); past it the guest
   * traps (ResourceLimitTrap, exit 70). Default 1024.
   */
  readonly maxHttpResources?: number | undefined;
  /**
   * Resources any call hands the guest that it may hold at once (pollables, streams, bodies,
   * each `headers()`, ...); past it the guest traps (ResourceLimitTrap, exit 70). Default 16384.
   */
  readonly maxHostResources?: number | undefined;
  /**
   * Host notices on the stderr sink (the CLI's default): one line per distinct denial that
   * does not trap, saying which flag would grant it (unless `quiet`), and, when the guest
   * traps, its open stderr line ended so the host's own message starts a line. The hint's
   * embedded manifest and policy default to this run's. Default: none (stderr is the guest's alone).
   */
  readonly denialNotices?: DenialNoticeOptions | undefined;
}

/** GatedGuestOptions.denialNotices. */
export interface DenialNoticeOptions extends DenialHintContext {
  /** No per-denial lines; only the open line ended before a trap. Default false. */
  readonly quiet?: boolean | undefined;
}

export interface GatedRunSetup {
  readonly engine: PolicyEngine;
  readonly bytes: Uint8Array;
  /** What the guest was given as (a path or URL string names the subject). */
  readonly source: unknown;
  readonly guest: GatedGuestOptions;
  /** The ungated WASI implementations; asked for once the policy is read, before the subject exists. */
  platform(): WasiPlatform;
  /** Loads the guest, refusing imports outside `supplied` (the gated import object's interfaces). */
  load(supplied: ReadonlySet<string>): Promise<LoadedGuest>;
}

/** A guest loaded and given a subject, not yet started. */
export interface PreparedRun {
  readonly subject: SubjectId;
  readonly kind: GuestKind;
  readonly preopens: readonly PreopenPlan[];
  readonly imports: WasiImportObject;
  /** Instantiates and runs `wasi:cli/run` (component) or `_start` (core module). Call once. */
  start(): Promise<RunResult>;
}

/** True for a core module (a preview1 guest); a malformed binary is refused later, by the load. */
function isCoreModule(bytes: Uint8Array): boolean {
  try {
    return readBinaryKind(bytes) === 'core';
  } catch {
    return false;
  }
}

export async function prepareGatedRun(setup: GatedRunSetup): Promise<PreparedRun> {
  const { engine, guest } = setup;
  // A WASI 0.3 component is refused before anything is transpiled (SPEC section 8).
  refuseWasi03(setup.bytes);
  const embedded = guest.embedded ?? readProvenance(setup.bytes);
  const manifest = guest.manifest ?? emptyManifest();
  const ceiling = embedded.status === 'verified' ? embedded.manifest : undefined;
  const preopens = planPreopens(manifest, guest.dirs);
  const prompt =
    guest.prompt === undefined
      ? undefined
      : new PromptGate({
          engine,
          ask: guest.prompt,
          ...(ceiling !== undefined ? { ceiling } : {}),
          allowUndeclared: guest.promptUndeclared === true,
        });
  const platform = setup.platform();
  const notices =
    guest.denialNotices !== undefined && guest.stderr !== undefined
      ? new DenialNotices(guest.stderr, { embedded: ceiling, policy: manifest, ...guest.denialNotices })
      : undefined;
  const subject = engine.createSubject(manifest, {
    label: guest.label ?? (typeof setup.source === 'string' ? setup.source : 'guest'),
    // Lets a decision say `outside-ceiling` (only --allow-undeclared could grant it).
    ceiling,
  });
  let loaded: LoadedGuest;
  let imports: WasiImportObject;
  let created: WasiImportObject | undefined;
  try {
    imports = created = createGatedWasi({
      engine,
      subject,
      platform,
      preopens,
      ...(guest.audit ? { audit: guest.audit } : {}),
      ...(prompt ? { prompt } : {}),
      maxOpenFiles: guest.maxOpenFiles,
      maxHttpResources: guest.maxHttpResources,
      maxHostResources: guest.maxHostResources,
      // A preview1 guest holds no 0.2 handle: the preview1 layer does (bounded by maxOpenFiles).
      countHostResources: !isCoreModule(setup.bytes),
      ...(notices !== undefined && guest.denialNotices?.quiet !== true ? { denials: notices.denials } : {}),
      io: guestIo(notices !== undefined ? { ...guest, stderr: notices.stderr } : guest),
    });
    loaded = await setup.load(new Set(Object.keys(imports)));
  } catch (e) {
    if (created !== undefined) disposeGatedWasi(created);
    engine.dropSubject(subject);
    throw e;
  }
  let started = false;
  return {
    subject,
    kind: loaded.kind,
    preopens,
    imports,
    async start(): Promise<RunResult> {
      if (started) throw new MoltError('a prepared guest can be started once');
      started = true;
      const result = await run();
      // The host reports a trap on stderr next: it must start a line of its own.
      if (result.outcome === 'trap' || result.outcome === 'capability-trap') notices?.endOpenLine();
      return result;
    },
  };

  async function run(): Promise<RunResult> {
    try {
      if (loaded.kind === 'component') {
        const exports = await loaded.instantiate(imports);
        if ((await runComponent(exports)) === RUN_RETURNED_ERR) {
          return { exitCode: 1, subject, kind: loaded.kind, outcome: 'exited' };
        }
      } else {
        await startCoreModule(loaded.module, imports);
      }
      return { exitCode: 0, subject, kind: loaded.kind, outcome: 'returned' };
    } catch (e) {
      return settle(e, subject, loaded.kind);
    } finally {
      // However it ended (return, exit, trap, denial), the guest's host handles are closed.
      disposeGatedWasi(imports);
    }
  }
}
