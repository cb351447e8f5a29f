import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import type { EmotionUpdate, SessionError, SessionSummary } from './emotions';
import { accessKey, connectionProblem } from './auth';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface HubEvents {
  update(u: EmotionUpdate): void;
  summary(s: SessionSummary): void;
  error(e: SessionError): void;
  state(s: ConnectionState, detail?: string): void;
}

/** One stream of pcm16le 16 kHz mono chunks into a hub session. */
export interface AudioStream {
  readonly sessionId: string;
  send(chunk: Uint8Array): void;
  end(): Promise<void>;
}

/** The SignalR connection to /hubs/emotion (MessagePack), reconnecting automatically. */
export class EmotionHubClient {
  private readonly connection: signalR.HubConnection;

  constructor(private readonly events: HubEvents, url = '/hubs/emotion') {
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: accessKey })
      .withHubProtocol(new MessagePackHubProtocol())
      .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    this.connection.on('EmotionUpdate', (u: EmotionUpdate) => events.update(u));
    this.connection.on('SessionSummary', (s: SessionSummary) => events.summary(s));
    this.connection.on('SessionError', (e: SessionError) => events.error(e));
    this.connection.onreconnecting((e) => events.state('reconnecting', e?.message));
    this.connection.onreconnected(() => events.state('connected', 'reconnected: streams that were running were ended; start again'));
    this.connection.onclose((e) => events.state('disconnected', e ? connectionProblem(e.message) : undefined));
  }

  get connected(): boolean {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }

  async connect(): Promise<void> {
    if (this.connection.state !== signalR.HubConnectionState.Disconnected) return;
    this.events.state('connecting');
    try {
      await this.connection.start();
      this.events.state('connected');
    } catch (e) {
      this.events.state('disconnected', connectionProblem((e as Error).message));
      throw e;
    }
  }

  async startStream(source: string, label?: string): Promise<AudioStream> {
    await this.connect();
    const started = await this.connection.invoke<{ sessionId: string }>('StartSession', {
      encoding: 'pcm16le', sampleRate: 16000, channels: 1, source, label: label ?? null,
    });
    const subject = new signalR.Subject<Uint8Array>();
    const done = this.connection.invoke('StreamAudio', started.sessionId, subject);
    done.catch(() => undefined); // reported through SessionError / end()
    return {
      sessionId: started.sessionId,
      send: (chunk) => subject.next(chunk),
      end: async () => {
        subject.complete();
        await done;
      },
    };
  }
}
