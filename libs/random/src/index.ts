// Public API of @meridian/random: seeded randomness, so a generated schedule or a WAN's jitter replays.
export { mulberry32, reorderAndRedeliver } from './random';
