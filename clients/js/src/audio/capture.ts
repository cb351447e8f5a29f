import { Chunker, Downsampler, encodePcm16, TARGET_RATE } from './downsampler';
import { CAPTURE_PROCESSOR, CAPTURE_WORKLET_SOURCE } from './worklet';

/** 100 ms chunks of 16 kHz pcm16le. */
const CHUNK_SAMPLES = TARGET_RATE / 10;

export type ChunkHandler = (pcm16: Uint8Array) => void;

/** Audio from the microphone or from a playing file, turned into 16 kHz pcm16 chunks by an AudioWorklet pipeline:
 * what `EmotionHubClient.startStream()` expects by default. */
export class Capture {
  private constructor(
    private readonly context: AudioContext,
    private readonly stopSource: () => void,
  ) {}

  /** Live microphone. Throws an Error with a human message when access is denied or no microphone exists. */
  static async microphone(onChunk: ChunkHandler): Promise<Capture> {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot capture audio here (a secure context — https or localhost — is required).');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (e) {
      const name = (e as DOMException).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') throw new Error('Microphone access was denied. Allow it in the browser’s site settings and press Start again.');
      if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new Error('No microphone was found. Connect one and press Start again.');
      throw new Error(`The microphone could not be opened: ${(e as Error).message}`);
    }
    const context = new AudioContext();
    const node = await Capture.pipeline(context, onChunk);
    context.createMediaStreamSource(stream).connect(node);
    return new Capture(context, () => stream.getTracks().forEach((t) => t.stop()));
  }

  /** Plays a file aloud at real-time speed while its audio is captured (file replay paced by playback). */
  static async file(file: Blob & { name?: string }, onChunk: ChunkHandler, onEnded: () => void): Promise<Capture> {
    const context = new AudioContext();
    let buffer: AudioBuffer;
    try {
      buffer = await context.decodeAudioData(await file.arrayBuffer());
    } catch {
      await context.close();
      throw new Error(`“${file.name ?? 'the file'}” could not be decoded as audio.`);
    }
    const node = await Capture.pipeline(context, onChunk);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(node);
    source.connect(context.destination);
    source.onended = () => onEnded();
    source.start();
    return new Capture(context, () => { try { source.stop(); } catch { /* already ended */ } });
  }

  async stop(): Promise<void> {
    this.stopSource();
    await this.context.close();
  }

  private static async pipeline(context: AudioContext, onChunk: ChunkHandler): Promise<AudioWorkletNode> {
    const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET_SOURCE], { type: 'text/javascript' }));
    try {
      await context.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { numberOfOutputs: 1 });
    const downsampler = new Downsampler(context.sampleRate);
    const chunker = new Chunker(CHUNK_SAMPLES);
    node.port.onmessage = (event: MessageEvent<{ samples: Float32Array }>) => {
      for (const chunk of chunker.push(downsampler.process(event.data.samples))) onChunk(encodePcm16(chunk));
    };
    // The worklet must be pulled by the graph to run: route it to the output through a muted gain.
    const mute = context.createGain();
    mute.gain.value = 0;
    node.connect(mute).connect(context.destination);
    return node;
  }
}
