export declare const KNOWN_SECRETS: readonly string[];
export declare function findSecretsInLogs(text: string, secrets?: readonly string[]): string[];
