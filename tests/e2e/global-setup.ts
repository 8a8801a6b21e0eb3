import { buildIfNeeded, startLocalStack } from '../../scripts/local-stack.ts';

/** Builds the app if needed and starts the local stack every test file shares. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  buildIfNeeded(console.log);
  const stack = await startLocalStack({ port: 0, nodes: 3 });
  process.env.SAMEN_E2E_URL = stack.url;
  process.env.SAMEN_E2E_NODES = String(stack.nodes.length);
  return () => stack.stop();
}
