/** Every error code meshguard reports, in one registry (like Fastify's errors). */
export const ERROR_CODES = {
  MESHGUARD_ERR_CONFIG_UNKNOWN_KEY: 'unknown key',
  MESHGUARD_ERR_CONFIG_INVALID: 'invalid value',
  MESHGUARD_ERR_CONFIG_FILE: 'config file unreadable',
  MESHGUARD_ERR_CLI_USAGE: 'bad command-line usage',
  MESHGUARD_ERR_INPUT: 'input unreadable',
  MESHGUARD_ERR_INSECURE: 'insecure deployment refused',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class MeshguardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length ? `${message}\n  - ${details.join('\n  - ')}` : message);
    this.name = 'MeshguardError';
  }
}
