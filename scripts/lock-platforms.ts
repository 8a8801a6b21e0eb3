// Completes package-lock.json with the other platforms' optional binaries that a partial registry
// mirror does not carry. npm leaves a package out of the lock when it cannot fetch it (say
// @rollup/rollup-darwin-arm64@4.68.7 before the mirror has it), and `npm ci` then refuses the lock
// as out of sync. Each added entry names its os/cpu/libc, read from the newest version the
// registry does carry, so `npm ci` skips it on every other platform without fetching it.
//
// Run after `npm install` changes the lock: node scripts/lock-platforms.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  license?: string;
}

interface Platform {
  os?: string[];
  cpu?: string[];
  libc?: string[];
  license?: string;
}

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8')) as { packages: Record<string, LockEntry> };
const packages = lock.packages;

function platformOf(name: string): Platform | undefined {
  try {
    const out = execFileSync('npm', ['view', name, 'os', 'cpu', 'libc', 'license', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    });
    const parsed = JSON.parse(out) as Platform | Platform[];
    return Array.isArray(parsed) ? parsed.at(-1) : parsed;
  } catch {
    return undefined;
  }
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform?.os && !platform?.cpu) {
      console.warn(`lock-platforms: ${name} has no platform fields; left out`);
      continue;
    }
    // In npm's own key order (version, then alphabetical), so a later `npm install` keeps it as is.
    packages[hoisted] = {
      version,
      ...(platform.cpu ? { cpu: platform.cpu } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(platform.libc ? { libc: platform.libc } : {}),
      ...(platform.license ? { license: platform.license } : {}),
      optional: true,
      ...(platform.os ? { os: platform.os } : {})
    };
    added += 1;
    console.log(`lock-platforms: added ${name}@${version}`);
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
);
lock.packages = sorted;
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} entries added`);
