/**
 * Request bodies that are not JSON. client-go's typed clients send built-in kinds as protobuf
 * (since v0.32, unless the client sets a content type), so an unmodified controller's or
 * `kubectl create`'s writes arrive that way. They are decoded by client-go's own scheme, in the
 * Go program adapters/upstream-api (its "decode" request), built on first use like the other
 * upstream programs. Without Go the request is refused with 415 and a line that says why.
 */
import { goMissingReason, UpstreamApiServer } from '../upstream/apiSemantics.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export class WireDecoderUnavailable extends Error {
  override readonly name = 'WireDecoderUnavailable';
}

export class WireDecoder {
  #server: Promise<UpstreamApiServer> | undefined;
  readonly #log: ((line: string) => void) | undefined;

  constructor(log?: (line: string) => void) {
    this.#log = log;
  }

  /** Builds and starts the decoder now (serve does, so the first protobuf write does not wait for a build). */
  prepare(): Promise<UpstreamApiServer> {
    this.#server ??= (async () => {
      const missing = await goMissingReason();
      if (missing !== undefined) throw new WireDecoderUnavailable(missing);
      return UpstreamApiServer.start(this.#log ? { log: this.#log } : {});
    })();
    return this.#server;
  }

  /** The body as wire JSON; a body that does not decode is the client's error (a message for a 400). */
  async decode(body: Buffer): Promise<{ object: unknown } | { error: string }> {
    let server: UpstreamApiServer;
    try {
      server = await this.prepare();
    } catch (e) {
      throw new WireDecoderUnavailable(
        `${PROTOBUF} bodies are decoded by adapters/upstream-api, which is not available here (${e instanceof Error ? e.message : String(e)}); set the client's content type to application/json`,
      );
    }
    const answer = await server.request({ op: 'decode', body: body.toString('base64') });
    if (answer.accepted) return { object: answer.object };
    return { error: answer.message ?? 'the body does not decode' };
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    try {
      await (await server).close();
    } catch {
      // never started: nothing to close
    }
  }
}
