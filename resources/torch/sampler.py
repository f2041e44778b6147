"""The workbench's sampler RNG (src/core/rng.ts: splitmix32 seeding, xoshiro128**), bit for bit,
so both engines draw the same training windows in the same order and a checkpoint's four-word
state continues the same stream in either engine."""
import math

import numpy as np

M32 = 0xFFFFFFFF


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    def __init__(self, seed_or_state):
        if isinstance(seed_or_state, int):
            x, s = seed_or_state & M32, []
            for _ in range(4):
                x = (x + 0x9E3779B9) & M32
                z = x
                z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
                z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
                s.append((z ^ (z >> 16)) & M32)
            self.s = s
        else:
            self.s = [int(w) & M32 for w in seed_or_state]

    def next_uint32(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def int(self, n):
        """Uniform in [0, n): floor((u32 / 2^32) * n) in doubles, as the TypeScript does."""
        return math.floor((self.next_uint32() / 4294967296) * n)

    def state(self):
        return list(self.s)


def sampler_for(seed):
    """The trainer's sampler: Rng(seed ^ 0x5eed5eed)."""
    return Rng(seed ^ 0x5EED5EED)


def sample_windows(stream, T, count, rng):
    """count windows of T+1 tokens at uniformly random offsets -> int64 (count, T+1)."""
    offsets = len(stream) - T
    starts = [rng.int(offsets) for _ in range(count)]
    return np.stack([stream[s : s + T + 1] for s in starts]).astype(np.int64)

