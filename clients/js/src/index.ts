// @voiceemotion/client: the hub connection, capture and REST helpers for VoiceEmotion (docs/PROTOCOL.md).
export * from './types';
export * from './hub';
export * from './rest';
export { Capture, type ChunkHandler } from './audio/capture';
export { Chunker, Downsampler, encodePcm16, TARGET_RATE } from './audio/downsampler';
export { CAPTURE_PROCESSOR, CAPTURE_WORKLET_SOURCE } from './audio/worklet';
