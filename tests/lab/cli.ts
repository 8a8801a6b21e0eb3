/**
 * Builds a lab from the command line, measures each home's round trip to the wan against the
 * one its link was set to, and prints it. With --hold it then stays up (printing what it made as
 * one JSON line) until Ctrl-C or SIGTERM, which tear it all down.
 *
 *   node scripts/isolated.ts node tests/lab/cli.ts --preset port-restricted --preset symmetric \
 *     --delay 20 --jitter 5 --loss 1 [--count 20] [--hold]
 *
 * --count 0 measures nothing (for a lab to hold only).
 */
import { parseArgs } from 'node:util';
import { createLab } from './lab.ts';
import { NAT_PRESETS, type NatPreset } from './nat.ts';
import { ProbeServer } from './probes.ts';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', multiple: true, default: ['port-restricted'] },
    delay: { type: 'string', default: '0' },
    jitter: { type: 'string', default: '0' },
    loss: { type: 'string', default: '0' },
    count: { type: 'string', default: '20' },
    hold: { type: 'boolean', default: false }
  }
});
const presets = values.preset.map((preset) => {
  if (!(NAT_PRESETS as readonly string[]).includes(preset)) {
    process.stderr.write(`--preset must be one of ${NAT_PRESETS.join(', ')}, not ${preset}\n`);
    process.exit(2);
  }
  return preset as NatPreset;
});
const link = {
  delayMs: Number(values.delay),
  jitterMs: Number(values.jitter),
  lossPct: Number(values.loss)
};

const lab = await createLab();
try {
  const [probe, ...homes] = await Promise.all([
    ProbeServer.start(lab),
    ...presets.map((preset, i) => lab.addHome(`h${i + 1}`, { preset, link }))
  ]);
  const count = Number(values.count);
  for (const home of count > 0 ? homes : []) {
    // The lab's log shows measured against set for each.
    await probe.rtt(home.participants[0]!, { count });
  }
  if (values.hold) {
    process.stdout.write(
      `${JSON.stringify({
        tempDir: lab.tempDir,
        namespaces: lab.namespaces.map((ns) => ({ name: ns.name, pid: ns.pid, inode: ns.inode }))
      })}\n`
    );
    // Wait for a signal: the lab's own SIGINT/SIGTERM handlers tear everything down and end
    // the process. The timer only keeps Node's event loop from running empty meanwhile.
    setInterval(() => {}, 60_000);
    await new Promise(() => {});
  }
} finally {
  await lab.close();
}
