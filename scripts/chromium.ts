import { existsSync } from 'node:fs';

/** The Chromium the tests drive: $CHROME_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const path = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}. Install Debian's chromium (apt-get install chromium) or set CHROME_PATH.`
    );
  }
  return path;
}
