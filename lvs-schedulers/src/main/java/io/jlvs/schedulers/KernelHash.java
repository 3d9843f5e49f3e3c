/*
 * The kernel's small hash helpers used by the hashing schedulers:
 *   hash_32   (include/linux/hash.h)  - multiplicative hash, the top bits of x * 0x61C88647;
 *   hsiphash  (lib/siphash.c, 64-bit) - SipHash-1-3 with a 64-bit state, truncated to 32 bits,
 *              here only for the 4-byte input that ip_vs_mh.c hashes;
 *   gcd       (lib/math/gcd.c)        - greatest common divisor of two positive ints.
 * Restated from reference/ipvs.md Appendix A; pure functions, no state.
 */
package io.jlvs.schedulers;

/** Pure hash helpers shared by sh, dh, mh, lblc and lblcr. Stateless and thread-safe. */
final class KernelHash {
    /** The kernel's {@code GOLDEN_RATIO_32}. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    private static final long SIP_C0 = 0x736f6d6570736575L;
    private static final long SIP_C1 = 0x646f72616e646f6dL;
    private static final long SIP_C2 = 0x6c7967656e657261L;
    private static final long SIP_C3 = 0x7465646279746573L;

    private KernelHash() {
    }

    /**
     * {@code hash_32(x, bits)}: the top {@code bits} bits of {@code x * 0x61C88647 mod 2^32}.
     *
     * @param bits 1..32
     * @return a value in {@code [0, 2^bits)}
     */
    static int hash32(int x, int bits) {
        return (x * GOLDEN_RATIO_32) >>> (32 - bits);
    }

    /**
     * The 64-bit kernel's {@code hsiphash} of a 4-byte input: SipHash-1-3 keyed by
     * {@code (k0, k1)} over the little-endian bytes of {@code value}, returning the low 32 bits of
     * {@code v0 ^ v1 ^ v2 ^ v3}. Allocation-free; the rounds are written out so the state stays in
     * locals.
     *
     * @return the 32-bit hash (compare unsigned)
     */
    static int hsiphash32(int value, long k0, long k1) {
        long v0 = SIP_C0 ^ k0;
        long v1 = SIP_C1 ^ k1;
        long v2 = SIP_C2 ^ k0;
        long v3 = SIP_C3 ^ k1;
        long b = (4L << 56) | (value & 0xFFFFFFFFL);
        v3 ^= b;
        // 1 compression round
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= b;
        v2 ^= 0xff;
        // 3 finalization rounds
        for (int r = 0; r < 3; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return (int) (v0 ^ v1 ^ v2 ^ v3);
    }

    /**
     * General SipHash-c-d over a byte message (64-bit output), the same round function as
     * {@link #hsiphash32}. Off the hot path: it exists so that the round function can be checked
     * against the published SipHash-2-4 vectors and {@link #hsiphash32} against it.
     */
    static long sipHash(byte[] message, long k0, long k1, int compressionRounds, int finalizationRounds) {
        long[] v = {SIP_C0 ^ k0, SIP_C1 ^ k1, SIP_C2 ^ k0, SIP_C3 ^ k1};
        int len = message.length;
        int full = len & ~7;
        for (int off = 0; off < full; off += 8) {
            long m = 0;
            for (int i = 7; i >= 0; i--) {
                m = (m << 8) | (message[off + i] & 0xFF);
            }
            v[3] ^= m;
            for (int r = 0; r < compressionRounds; r++) {
                sipRound(v);
            }
            v[0] ^= m;
        }
        long b = ((long) len) << 56;
        for (int i = len - 1; i >= full; i--) {
            b |= (message[i] & 0xFFL) << (8 * (i - full));
        }
        v[3] ^= b;
        for (int r = 0; r < compressionRounds; r++) {
            sipRound(v);
        }
        v[0] ^= b;
        v[2] ^= 0xff;
        for (int r = 0; r < finalizationRounds; r++) {
            sipRound(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void sipRound(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }

    /** @return the greatest common divisor of two positive ints (Euclid) */
    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** @return the destination-side key the hashing schedulers use for a real server's address */
    static int foldedAddress(io.jlvs.core.RealServer server) {
        return io.jlvs.core.scheduler.ScheduleRequest.fold(server.address().getAddress());
    }
}
