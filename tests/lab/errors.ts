/** Errors of the network lab; each sets `name`, so tests can assert on it. */

/** Something the lab needs from this machine is missing: a program, a kernel feature. */
export class LabRequirementError extends Error {
  override name = 'LabRequirementError';
}

/** A command the lab ran in one of its namespaces failed; the message holds its stderr. */
export class LabCommandError extends Error {
  override name = 'LabCommandError';
  /** The exit code, or the signal's name, or undefined when it never ran or timed out. */
  readonly exitCode: number | string | undefined;
  readonly stderr: string;

  constructor(message: string, details: { exitCode?: number | string; stderr?: string } = {}) {
    super(message);
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? '';
  }
}

/** A helper process (forwarder, probe, coturn, wan stack) exited or timed out before ready. */
export class LabProcessError extends Error {
  override name = 'LabProcessError';
}
