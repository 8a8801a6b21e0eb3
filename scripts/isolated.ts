/**
 * Runs a command so that its network traffic cannot leave this machine: inside a new network
 * namespace that has only loopback (`unshare --net`, then `ip link set lo up`). As root that is
 * all it takes; any other user gets a user namespace too (`unshare --user --map-root-user`),
 * where unprivileged user namespaces are allowed (Debian's default). Public STUN defaults,
 * Chromium's background requests and any test that reached past 127.0.0.1 would fail there
 * instead of quietly using the internet. Inside, SAMEN_NETNS=1 tells the tests that the
 * namespace is theirs: the recovery test cuts a browser's UDP ports with `ip rule` there, and
 * only there, and SAMEN_HOST_ADDRESSES lists the machine's own (non-loopback IPv4) addresses, which
 * the network lab's isolation test checks it cannot reach. Where no namespace can be made, the
 * command runs as it is, and says so.
 *
 *   node scripts/isolated.ts vitest run
 */
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: node scripts/isolated.ts <command> [args…]');
  process.exit(2);
}

/** The `unshare` flags that give a loopback-only namespace here, or undefined. */
function namespaceFlags(): string[] | undefined {
  if (process.env.SAMEN_NO_NETNS === '1') {
    return undefined;
  }
  const candidates = process.getuid?.() === 0 ? [['--net']] : [];
  candidates.push(['--user', '--map-root-user', '--net']);
  return candidates.find((flags) => {
    const probe = spawnSync('unshare', [...flags, 'ip', 'link', 'set', 'lo', 'up'], {
      stdio: 'ignore'
    });
    return probe.status === 0;
  });
}

/** This machine's IPv4 addresses other than loopback, comma-separated (read before unsharing). */
function hostAddresses(): string {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address)
    .join(',');
}

let result;
const flags = namespaceFlags();
if (flags !== undefined) {
  console.log(
    `[isolated] loopback-only network namespace (unshare ${flags.join(' ')}): ${command.join(' ')}`
  );
  result = spawnSync(
    'unshare',
    [...flags, 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...command],
    {
      stdio: 'inherit',
      env: { ...process.env, SAMEN_NETNS: '1', SAMEN_HOST_ADDRESSES: hostAddresses() }
    }
  );
} else {
  console.log('[isolated] no network namespace could be made: running without one');
  result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
}
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? 1);
