/**
 * Lean host-import trampolines: a post-processing step over the JS that jco-transpile 0.15.0
 * generates for a component (issue 16).
 *
 * Why: jco-transpile 0.15.0 (and every release back to 0.3.x; 0.1.1 has a lighter form of the
 * same) wraps every synchronous host import in component-model async bookkeeping, written for
 * WASI 0.3 / P3 async: per call it creates a host AsyncTask (with a resource-borrow scope), an
 * AsyncSubtask, a Waitable registered in the instance's waitable table, a Promise with its
 * resolvers, swaps the "current task" globals twice, and makes ~10 `_debugLog` calls that each
 * read `process.env.JCO_DEBUG`. That is ~6-40 us per import call (a clock read costs 184x
 * node:wasi). The transpiler has no option to turn it off.
 *
 * What it does, per host import N, and only when both pieces have exactly the shape this
 * transpiler version emits for a *sync-lowered sync* import (`isAsync: false`,
 * `funcTypeIsAsync: false`, the sync CallInterface template, `_trampolineN.manuallyAsync`
 * never set):
 *
 * - `let trampolineN = _trampolineN.manuallyAsync ? <JSPI> : _lowerImportBackwardsCompat.bind(...)`
 *   becomes a direct function that checks the instance's may-leave flag (`_checkMayLeave`, as
 *   the original did first) and calls `_trampolineN` with the core arguments;
 * - in `_trampolineN`, the host-task creation, `task.enterSync()`, the current-task globals
 *   around the call and `task.resolve`/`task.exit` are removed. Kept as generated: argument
 *   lifting, borrow handling (`curResourceBorrows`), the call itself (still through
 *   `_trackHostOperation`), result lowering, own-handle creation, and on a thrown error
 *   `getOrCreateAsyncState(C).markTrapped(err)` then rethrow, so a trap (a CapabilityTrap is a
 *   WebAssembly.RuntimeError) still kills the instance: the next export call fails with
 *   "cannot enter component instance", as before.
 *
 * What the removed bookkeeping did, and why nothing observable is lost for these imports: the
 * host task's borrow scope never holds a borrow (generated code never lends a handle to a host
 * task; the step refuses code that calls `addBorrowedHandle`/`addResourceLender`), the subtask
 * and its waitable are never visible to a guest that uses no async builtins (the step refuses
 * components with async lowerings or async builtins), and the result the old path returned
 * (`subtask.getResult()`) is the value `task.resolve([X])` stored, which is the trampoline's own
 * `return X` (checked per trampoline; where it returns nothing the core function has no result).
 *
 * Two more per-call costs go, each only where its text is exactly as generated:
 * - the call `_trackHostOperation(() => X)` becomes `_trackHostResult(X)`: the generated
 *   function calls its argument at once and then only looks at the value, so the value is
 *   passed instead of a closure made on every call (`_trackHostOperation` stays, as
 *   `_trackHostResult(operation())`, for any other caller);
 * - `rscTableCreateOwn` adds every resource representation it ever creates to the table's
 *   `_createdReps` set, which nothing reads or empties: a guest opening and closing a file
 *   in a loop grew host memory by one set entry per descriptor and per stream, without
 *   bound. Removed when the module only ever creates and adds to those sets.
 *
 * Anything else is left exactly as generated (fail closed to the slow, correct path): a
 * trampoline whose text does not match is not touched, and a component using component-model
 * async is not touched at all. `_debugLog` reads `JCO_DEBUG` once at load instead of per call.
 *
 * The output depends on this module: LEAN_IMPORTS_ID is part of every transpile-cache key.
 */

/** Changes whenever the rewrite changes: part of the transpile cache key. */
export const LEAN_IMPORTS_ID = 'lean-imports@2';

export interface LeanImportsResult {
  /** The rewritten module text (the input unchanged when nothing was rewritten). */
  readonly code: string;
  /** Trampolines rewritten (import indices N). */
  readonly rewritten: readonly number[];
  /** Host-import trampolines left as generated, with why. */
  readonly skipped: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
  /** Set when the whole module was left alone (component-model async in use, unknown shape). */
  readonly untouched?: string;
}

/**
 * Markers of component-model async (P3) in generated code: lowerings or builtins whose
 * waitables/subtasks a guest can see. With any of them the module is left as generated.
 */
const ASYNC_MARKERS: readonly RegExp[] = [
  /\b_lowerImport\.bind\(/, // async-lowered import
  /\bisAsync: true\b/,
  /\bfuncTypeIsAsync: true\b/,
  /\.manuallyAsync\s*=/, // JSPI imports chosen by the embedder
  /\.addBorrowedHandle\(/, // a borrow lent to a task: scopes matter
  /\.addResourceLender\(/,
];

/** `_debugLog` as 0.15.0 emits it: reads the environment on every call. */
const DEBUG_LOG =
  /const _debugLog = \(\.\.\.args\) => \{\n(\s*)if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}\n\s*console\.debug\(\.\.\.args\);\n(\s*)\};/;

const S = String.raw;
/** From the enter log line through `task.enterSync()`: the host task's creation. */
const ENTER = new RegExp(
  [
    S`_debugLog\('[^'\n]*\(sync, @ enter\)'\);`,
    S`const hostProvided = true;`,
    S`let parentTask;`,
    S`let task;`,
    S`let subtask;`,
    S`const createTask = \(\) => \{`,
    S`const results = createNewCurrentTask\(\{`,
    S`componentIdx: -1,`,
    S`isAsync: false,`,
    S`entryFnName: '[^'\n]*',`,
    S`getCallbackFn: \(\) => null,`,
    S`callbackFnName: null,`,
    S`errHandling: '(?:none|result-catch-handler)',`,
    S`callingWasmExport: false,`,
    S`\}\);`,
    S`task = results\[0\];`,
    S`\};`,
    S`taskCreation: \{`,
    S`parentTask = getCurrentTask\(`,
    S`(\d+),`,
    S`_getGlobalCurrentTaskMeta\(\1\)\?\.taskID,`,
    S`\)\?\.task;`,
    S`if \(!parentTask\) \{`,
    S`createTask\(\);`,
    S`break taskCreation;`,
    S`\}`,
    S`createTask\(\);`,
    S`if \(hostProvided\) \{`,
    S`subtask = parentTask\.getLatestSubtask\(\);`,
    S`if \(!subtask\) \{`,
    S`throw new Error\(\x60Missing subtask[^\x60]*\x60\);`,
    S`\}`,
    S`task\.setParentSubtask\(subtask\);`,
    S`\}`,
    S`\}`,
    S`const started = task\.enterSync\(\);`,
  ].join(S`\s*`),
);

/** The call, run with the host task as "current": becomes the bare `_trackHostOperation(...)`. */
const CALL =
  /_withGlobalCurrentTaskMeta\(\{\s*componentIdx: task\.componentIdx\(\),\s*taskID: task\.id\(\),\s*fn: \(\) => (_trackHostOperation\(\(\) => [^\n]*\)),\n\s*\}\)\s*;/;

/** The sync call's error path: the host task's rejection goes, the trap marking stays. */
const CATCH = new RegExp(
  [
    S`\} catch \(err\) \{`,
    S`_debugLog\('\[Instruction::CallInterface\] error during sync call', \{`,
    S`taskID: task\.id\(\),`,
    S`subtaskID: task\.getParentSubtask\(\)\?\.id\(\),`,
    S`err,`,
    S`\}\);`,
    S`getOrCreateAsyncState\((\d+)\)\.markTrapped\(err\);`,
    S`task\.setErrored\(err\);`,
    S`task\.reject\(err\);`,
    S`task\.exit\(\);`,
    S`throw err;`,
    S`\}`,
  ].join(S`\s*`),
);

/** The end of the body: `task.resolve([X]); task.exit();` and `return X;` (or no return). */
const RETURN = new RegExp(
  [
    S`_debugLog\('[^'\n]*\[Instruction::Return\]', \{`,
    S`funcName: '[^'\n]*',`,
    S`paramCount: \d+,`,
    S`async: false,`,
    S`postReturn: false`,
    S`\}\);`,
    S`task\.resolve\(\[([^\[\]\n]*)\]\);`,
    S`task\.exit\(\);`,
    S`(?:return ([^;\n]*);\s*)?\}$`,
  ].join(S`\s*`),
);

/** `_trackHostOperation` as 0.15.0 emits it; its first statement calls the operation. */
const TRACK_HEAD = 'function _trackHostOperation(operation) {\n  const result = operation();\n';
/** The call in a lean body, `_trackHostOperation(() => X);` on one line. */
const TRACK_CALL = /^_trackHostOperation\(\(\) => ([^\n]*)\);$/;

/** `rscTableCreateOwn`'s record of every representation it made (never read). */
const CREATED_REPS_ADD = /\n(\s*)table\._createdReps\.add\(rep\);/;
const CREATED_REPS_INIT = /\bhandleTable\d+\._createdReps = new Set\(\);/g;

/** Names that must not survive in a rewritten body: any left means an unknown use of the task. */
const TASK_NAMES = /\b(?:task|subtask|parentTask|started|hostProvided|createTask|taskCreation)\b/;

/** Index of the `)` or `}` closing the bracket at `open`, skipping string literals; -1 if none. */
function closingBracket(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "'" || c === '"' || c === '`') {
      const q = c;
      for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The lean body of `_trampolineN`, or a reason it stays as generated. */
function leanBody(body: string, trackResult: boolean): { body: string; componentIdx: string } | { reason: string } {
  const enter = ENTER.exec(body);
  if (enter === null) return { reason: 'no sync host-task prologue' };
  let out = body.slice(0, enter.index) + body.slice(enter.index + enter[0].length);
  const call = CALL.exec(out);
  if (call === null) return { reason: 'call not in the expected form' };
  const value = trackResult ? TRACK_CALL.exec(call[1]! + ';')?.[1] : undefined;
  const bare = value !== undefined ? `_trackHostResult(${value})` : call[1]!;
  out = out.slice(0, call.index) + bare + ';' + out.slice(call.index + call[0].length);
  const caught = CATCH.exec(out);
  if (caught !== null) {
    const trap = `} catch (err) {\n      getOrCreateAsyncState(${caught[1]!}).markTrapped(err);\n      throw err;\n    }`;
    out = out.slice(0, caught.index) + trap + out.slice(caught.index + caught[0].length);
  }
  const ret = RETURN.exec(out);
  if (ret === null) return { reason: 'end not in the expected form' };
  const resolved = ret[1]!.trim();
  const returned = ret[2]?.trim();
  if (returned !== undefined && returned !== resolved) return { reason: 'returns a value other than the one it resolves' };
  out = out.slice(0, ret.index) + (returned === undefined ? '}' : `return ${returned};\n  }`);
  if (TASK_NAMES.test(out)) return { reason: 'other use of the host task' };
  return { body: out, componentIdx: enter[1]! };
}

/**
 * Rewrites the sync host-import trampolines of a jco-transpile 0.15.0 `component.js` (see the
 * module comment). Pure: same input, same output.
 */
export function leanImports(code: string): LeanImportsResult {
  for (const marker of ASYNC_MARKERS) {
    if (marker.test(code)) return { code, rewritten: [], skipped: [], untouched: `component-model async in use (${marker.source})` };
  }
  const edits: Edit[] = [];
  // `_trackHostResult` is a name of ours: only when the generated function has its known head
  // and nothing in the module already uses that name.
  const trackAt = code.indexOf(TRACK_HEAD);
  const trackResult = trackAt !== -1 && code.indexOf(TRACK_HEAD, trackAt + 1) === -1 && !/\b_trackHostResult\b/.test(code);
  const rewritten: number[] = [];
  const skipped: Array<{ index: number; reason: string }> = [];
  const lowerRe = /let trampoline(\d+) = _trampoline\1\.manuallyAsync \? /g;
  for (let m = lowerRe.exec(code); m !== null; m = lowerRe.exec(code)) {
    const n = Number(m[1]);
    const skip = (reason: string): void => void skipped.push({ index: n, reason });
    // The lowering statement: `let trampolineN = ... ? new WebAssembly.Suspending(...) : _lowerImportBackwardsCompat.bind(...);`
    const suspending = code.indexOf('new WebAssembly.Suspending(', m.index);
    if (suspending !== m.index + m[0].length) {
      skip('lowering not in the expected form');
      continue;
    }
    const suspendingEnd = closingBracket(code, suspending + 'new WebAssembly.Suspending'.length);
    const syncHead = ' : _lowerImportBackwardsCompat.bind(';
    if (suspendingEnd < 0 || !code.startsWith(syncHead, suspendingEnd + 1)) {
      skip('lowering not in the expected form');
      continue;
    }
    const bindOpen = suspendingEnd + syncHead.length;
    const bindEnd = closingBracket(code, bindOpen);
    if (bindEnd < 0 || code[bindEnd + 1] !== ';') {
      skip('lowering not in the expected form');
      continue;
    }
    const opts = code.slice(bindOpen, bindEnd);
    const componentIdx = /\bcomponentIdx: (\d+),/.exec(opts)?.[1];
    if (
      componentIdx === undefined ||
      !/\bisAsync: false,/.test(opts) ||
      !/\bfuncTypeIsAsync: false,/.test(opts) ||
      !new RegExp(S`\bimportFn: _trampoline${n},`).test(opts)
    ) {
      skip('not a sync-lowered sync import');
      continue;
    }
    // The trampoline body: `const _trampolineN = function(args) {...}` up to `_trampolineN.fnName = `.
    const headRe = new RegExp(S`const _trampoline${n} = function\(((?:arg\d+(?:, )?)*)\) \{`);
    const head = headRe.exec(code);
    const fnName = code.indexOf(`_trampoline${n}.fnName = `);
    if (head === null || fnName < head.index) {
      skip('trampoline body not found');
      continue;
    }
    const bodyStart = head.index + head[0].length;
    const bodyEnd = code.lastIndexOf('}', fnName) + 1;
    const lean = leanBody(code.slice(bodyStart, bodyEnd), trackResult);
    if ('reason' in lean) {
      skip(lean.reason);
      continue;
    }
    if (lean.componentIdx !== componentIdx) {
      skip('component index mismatch');
      continue;
    }
    const args = head[1]!;
    edits.push({ start: bodyStart, end: bodyEnd, text: lean.body });
    edits.push({
      start: m.index,
      end: bindEnd + 2,
      text: `let trampoline${n} = function(${args}) {\n    _checkMayLeave(${componentIdx});\n    return _trampoline${n}(${args});\n  };`,
    });
    rewritten.push(n);
  }
  if (edits.length === 0) return { code, rewritten, skipped, untouched: 'no sync host-import trampoline matched' };
  if (trackResult) {
    edits.push({
      start: trackAt,
      end: trackAt + TRACK_HEAD.length,
      text: 'function _trackHostOperation(operation) {\n  return _trackHostResult(operation());\n}\n\nfunction _trackHostResult(result) {\n',
    });
  }
  // The never-read `_createdReps`: removed only when every mention is a creation or that add.
  const createdAdd = CREATED_REPS_ADD.exec(code);
  if (createdAdd !== null) {
    const mentions = code.match(/_createdReps/g)?.length ?? 0;
    const inits = code.match(CREATED_REPS_INIT)?.length ?? 0;
    if (mentions === inits + 1) {
      edits.push({ start: createdAdd.index, end: createdAdd.index + createdAdd[0].length, text: '' });
    }
  }
  // One pass over the text, pieces joined once (slicing a growing rope per edit cost ~1 s).
  edits.sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let at = 0;
  for (const e of edits) {
    pieces.push(code.slice(at, e.start), e.text);
    at = e.end;
  }
  pieces.push(code.slice(at));
  let out = pieces.join('');
  // `_jcoDebug` is a name of ours: never shadow one the generator might someday emit.
  if (!/\b_jcoDebug\b/.test(out))
    out = out.replace(DEBUG_LOG, (_m, indent: string, close: string) => {
      return `const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\n${close}const _debugLog = (...args) => {\n${indent}if (!_jcoDebug) { return; }\n${indent}console.debug(...args);\n${close}};`;
    });
  return { code: out, rewritten, skipped };
}
