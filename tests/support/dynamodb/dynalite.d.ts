/** dynalite ships no types: the part of it the tests use. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a table stays CREATING, DELETING or UPDATING, in milliseconds (500 by default). */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
  }

  /** An in-memory DynamoDB: an HTTP server that is not listening yet. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
