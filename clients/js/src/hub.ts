import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import type { AlertMessage, CompactEmotionUpdate, EmotionUpdate, LiveSessionInfo, SessionError, SessionStarted, SessionSummary, StartSessionRequest } from './types';
import { expandCompactUpdate } from './types';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** What the hub sends, for every session this connection owns or watches. */
export interface HubEvents {
  update(u: EmotionUpdate): void;
  summary(s: SessionSummary): void;
  error(e: SessionError): void;
  state(s: ConnectionState, detail?: string): void;
  alert?(a: AlertMessage): void;
}

export interface HubOptions {
  /** The hub URL (default `/hubs/emotion`, same origin). */
  url?: string;
  /** An API key or JWT (for a server with authentication); called per connection attempt. */
  accessToken?: () => string;
  /** `messagepack` (default) or `json`. */
  protocol?: 'messagepack' | 'json';
  /** Reconnect delays in ms (default 0, 1, 2, 5, 10, 10, 30 s); `false` for none. A reconnect starts over: the
   * server ended this connection's sessions when it dropped (start a new stream, watch again). */
  reconnectDelays?: number[] | false;
  /** Turns a connection failure's message into the one shown in `state` (e.g. an access-key hint). */
  describeError?: (message: string) => string;
}

/** One stream of audio chunks into a hub session. */
export interface AudioStream {
  readonly sessionId: string;
  send(chunk: Uint8Array): void;
  /** Completes the audio; resolves when the server has finished the session (rejects with its error). */
  end(): Promise<void>;
}

export const DEFAULT_RECONNECT_DELAYS = [0, 1000, 2000, 5000, 10000, 10000, 30000];

/** The SignalR connection to /hubs/emotion, reconnecting automatically. */
export class EmotionHubClient {
  private readonly connection: signalR.HubConnection;
  /** Labels of this connection's compact streams, to expand their updates. */
  private readonly compactLabels = new Map<string, readonly string[]>();

  constructor(private readonly events: HubEvents, options: HubOptions = {}) {
    const describe = options.describeError ?? ((m: string) => m);
    let builder = new signalR.HubConnectionBuilder()
      .withUrl(options.url ?? '/hubs/emotion', options.accessToken ? { accessTokenFactory: options.accessToken } : {})
      .configureLogging(signalR.LogLevel.Warning);
    if ((options.protocol ?? 'messagepack') === 'messagepack') builder = builder.withHubProtocol(new MessagePackHubProtocol());
    if (options.reconnectDelays !== false) builder = builder.withAutomaticReconnect(options.reconnectDelays ?? DEFAULT_RECONNECT_DELAYS);
    this.connection = builder.build();
    this.connection.on('EmotionUpdate', (u: EmotionUpdate) => events.update(u));
    this.connection.on('EmotionUpdateCompact', (c: CompactEmotionUpdate) => {
      const labels = this.compactLabels.get(c[0]);
      if (labels) events.update(expandCompactUpdate(c, labels));
    });
    this.connection.on('SessionSummary', (s: SessionSummary) => events.summary(s));
    this.connection.on('SessionError', (e: SessionError) => events.error(e));
    this.connection.on('Alert', (a: AlertMessage) => events.alert?.(withIsoTimes(a)));
    this.connection.onreconnecting((e) => events.state('reconnecting', e?.message));
    this.connection.onreconnected(() => events.state('connected', 'reconnected: streams that were running were ended; start again'));
    this.connection.onclose((e) => events.state('disconnected', e ? describe(e.message) : undefined));
    this.describe = describe;
  }

  private readonly describe: (message: string) => string;

  get connected(): boolean {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }

  /** The underlying SignalR connection, for anything this client does not wrap. */
  get hubConnection(): signalR.HubConnection {
    return this.connection;
  }

  async connect(): Promise<void> {
    if (this.connection.state !== signalR.HubConnectionState.Disconnected) return;
    this.events.state('connecting');
    try {
      await this.connection.start();
      this.events.state('connected');
    } catch (e) {
      this.events.state('disconnected', this.describe((e as Error).message));
      throw e;
    }
  }

  /** Starts a session (default pcm16le 16 kHz mono, what `Capture` produces) and opens its audio stream. With
   * `format.compact` the hub sends arrays, which arrive through `events.update` as the same `EmotionUpdate`s. */
  async startStream(source: string, label?: string, format: Partial<StartSessionRequest> = {}): Promise<AudioStream> {
    await this.connect();
    const started = await this.connection.invoke<SessionStarted>('StartSession', {
      encoding: 'pcm16le', sampleRate: 16000, channels: 1, ...format, source, label: label ?? null,
    });
    if (format.compact) this.compactLabels.set(started.sessionId, started.labels);
    const subject = new signalR.Subject<Uint8Array>();
    const done = this.connection.invoke('StreamAudio', started.sessionId, subject);
    done.catch(() => undefined); // reported through SessionError / end()
    // Kept until the session's summary or error has arrived (they follow the last update): then forgotten.
    const forget = () => setTimeout(() => this.compactLabels.delete(started.sessionId), 1000);
    done.then(forget, forget);
    return {
      sessionId: started.sessionId,
      send: (chunk) => subject.next(chunk),
      end: async () => {
        subject.complete();
        await done;
      },
    };
  }

  /** Live sessions the caller may see. */
  async listSessions(): Promise<LiveSessionInfo[]> {
    await this.connect();
    return (await this.connection.invoke<LiveSessionInfo[]>('ListSessions')).map(withIsoTimes);
  }

  /** Watch a session: its updates, alerts and summary arrive through the events from now on. */
  async watch(sessionId: string): Promise<LiveSessionInfo> {
    await this.connect();
    return withIsoTimes(await this.connection.invoke<LiveSessionInfo>('Watch', sessionId));
  }

  async unwatch(sessionId: string): Promise<void> {
    await this.connection.invoke('Unwatch', sessionId);
  }

  /** Every session's alerts (supervisor role): the recent ones; new ones through `events.alert`. */
  async subscribeAlerts(): Promise<AlertMessage[]> {
    await this.connect();
    return (await this.connection.invoke<AlertMessage[]>('SubscribeAlerts')).map(withIsoTimes);
  }
}

/** The stable code of a hub failure ("… HubException: code: message"), or null. */
export function hubErrorCode(error: unknown): string | null {
  const m = /(?:HubException: |^)([a-z][a-z_]+): /.exec((error as Error)?.message ?? '');
  return m ? m[1] : null;
}

/** A hub message with its times as ISO 8601 text, whichever protocol carried it: over MessagePack a DateTimeOffset
 * field (`startedAt`, `raisedAt`) arrives as [Date (the UTC instant), offset minutes] (or a bare Date), over JSON as
 * text; the types (and REST) say text. */
export function withIsoTimes<T extends object>(message: T): T {
  const out = { ...message } as Record<string, unknown>;
  for (const key of ['startedAt', 'raisedAt']) {
    const v = out[key];
    const date = v instanceof Date ? v : Array.isArray(v) && v[0] instanceof Date ? v[0] : null;
    if (date) out[key] = date.toISOString();
  }
  return out as T;
}
