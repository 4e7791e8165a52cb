import { droamHash } from '../../lib/relay/signature';
import { findSecretsInLogs as find, KNOWN_SECRETS as secrets } from '../support/secrets-in-logs.cjs';

describe('the log check the global teardown runs over every captured line', () => {
  test('finds a known secret and redacts it in the report', () => {
    const [finding] = find(`{"level":"INFO","secret":"${secrets[0] ?? ''}"}`);
    expect(finding).toContain('<secret>');
    expect(finding).not.toContain(secrets[0]);
  });

  test('finds a hash in either case, redacted', () => {
    const hash = droamHash('a-secret-of-sixteen-chars', 1704067200);
    expect(find(`{"x":"${hash}"}`)).toEqual(['{"x":"<hash>"}']);
    expect(find(`hash=${hash.toUpperCase()} end`)).toHaveLength(1);
  });

  test("passes the relay's real log lines: UUIDs, request ids, header names", () => {
    const line =
      '{"level":"INFO","message":"event published","request_id":"Qx1aAjd2IAMEV1A=","auth_headers":{"timestamp":"x-api-timestamp","hash":"x-api-hash"},"id":"130a11b3-8c44-8589-85c4-f41c082f832b"}';
    expect(find(line)).toEqual([]);
  });
});
