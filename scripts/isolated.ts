/**
 * Runs a command so that its network traffic cannot leave this machine: as root, inside a new
 * network namespace that has only loopback (`unshare --net`, then `ip link set lo up`). Public
 * STUN defaults, Chromium's background requests and any test that reached past 127.0.0.1 would
 * fail there instead of quietly using the internet. Without root it runs the command directly
 * (the tests themselves only use loopback), and says so.
 *
 *   node scripts/isolated.ts vitest run
 */
import { spawnSync } from 'node:child_process';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: node scripts/isolated.ts <command> [args…]');
  process.exit(2);
}

function canIsolate(): boolean {
  if (process.getuid?.() !== 0 || process.env.SAMEN_NO_NETNS === '1') {
    return false;
  }
  const probe = spawnSync('unshare', ['--net', 'ip', 'link', 'set', 'lo', 'up'], {
    stdio: 'ignore'
  });
  return probe.status === 0;
}

let result;
if (canIsolate()) {
  console.log(`[isolated] loopback-only network namespace: ${command.join(' ')}`);
  result = spawnSync(
    'unshare',
    ['--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...command],
    { stdio: 'inherit' }
  );
} else {
  console.log(`[isolated] not root (or no unshare): running without a network namespace`);
  result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
}
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? 1);
