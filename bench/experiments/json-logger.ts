/**
 * Experiment (not a contender): stands in for @aws-lambda-powertools/logger in a build of our
 * function — the same one JSON line per call (level, message, timestamp, service, attributes), info
 * to stdout and warn/error to stderr, as Powertools writes them, in twenty lines.
 */
type Attributes = Record<string, unknown>;

export class Logger {
  private readonly service: string;

  constructor(options: { serviceName?: string } = {}) {
    this.service = options.serviceName ?? 'service_undefined';
  }

  info(message: string, attributes: Attributes = {}): void {
    this.write(process.stdout, 'INFO', message, attributes);
  }

  warn(message: string, attributes: Attributes = {}): void {
    this.write(process.stderr, 'WARN', message, attributes);
  }

  error(message: string, attributes: Attributes = {}): void {
    this.write(process.stderr, 'ERROR', message, attributes);
  }

  private write(stream: NodeJS.WriteStream, level: string, message: string, attributes: Attributes): void {
    stream.write(`${JSON.stringify({ level, message, timestamp: new Date().toISOString(), service: this.service, ...attributes })}\n`);
  }
}
