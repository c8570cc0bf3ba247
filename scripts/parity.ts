/**
 * `npm run test:parity`: runs every policy fixture (test/fixtures/) through every runner
 * (native, WASM in Node; browser when it exists), prints ONE table (operation by runner,
 * with the expected code) and exits 1 on any disagreement with a fixture or between
 * runners. `--runner NAME` (repeatable) limits the runners; `--fixture NAME` the fixtures.
 */
import { disagreements, formatTable, runParity } from '../test/parity/compare.js';
import { loadFixtures } from '../test/parity/fixture.js';
import { allRunners } from '../test/parity/runners/index.js';

function values(flag: string): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  argv.forEach((a, i) => {
    if (a === flag && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith(flag + '=')) out.push(a.slice(flag.length + 1));
  });
  return out;
}

const onlyRunners = values('--runner');
const onlyFixtures = values('--fixture');
const runners = allRunners().filter((r) => onlyRunners.length === 0 || onlyRunners.includes(r.name));
const fixtures = loadFixtures().filter((f) => onlyFixtures.length === 0 || onlyFixtures.includes(f.name));

const report = await runParity(runners, fixtures);
console.log(formatTable(report));
const bad = disagreements(report);
const ops = report.rows.filter((r) => !r.control).length;
if (bad.length > 0) {
  console.log(`\n${bad.length} disagreement(s) over ${ops} operations:`);
  for (const b of bad) console.log('  ' + b);
  process.exit(1);
}
console.log(`\nparity: ${ops} operations, runners ${report.runners.join(', ')}: all agree with the fixtures`);
