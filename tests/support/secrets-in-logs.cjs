// @ts-check
/**
 * What no log line may contain: an api secret known to the tests, or anything
 * shaped like a SHA-256 hash (the relay has no reason to log one: ids are UUIDs).
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

// The local stage's secret (dRoam's documentation example, which signs the samples), from serverless.yml.
const KNOWN_SECRETS = [String(YAML.parse(readFileSync(path.join(__dirname, '../../serverless.yml'), 'utf8'), { logLevel: 'silent' }).params.local.apiSecrets)];

const HASH = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i;

/** @param {string} text @param {readonly string[]} [secrets] @returns {string[]} the offending lines, redacted */
function findSecretsInLogs(text, secrets = KNOWN_SECRETS) {
  const findings = [];
  for (const line of text.split('\n')) {
    const secret = secrets.find((s) => line.includes(s));
    if (secret !== undefined || HASH.test(line)) {
      findings.push(
        line
          .replaceAll(secret ?? '\u0000', '<secret>')
          .replace(new RegExp(HASH.source, 'gi'), '<hash>')
          .slice(0, 300),
      );
    }
  }
  return findings;
}

module.exports = { KNOWN_SECRETS, findSecretsInLogs };
