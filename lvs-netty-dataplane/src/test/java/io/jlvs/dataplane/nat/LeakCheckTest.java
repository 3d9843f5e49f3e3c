package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The leak detector this module's tests rely on really catches a leaked buffer. */
@ExtendWith(LeakCheck.class)
class LeakCheckTest {
    @Test
    void aLeakedBufferIsReported() throws Exception {
        leak();
        for (int i = 0; i < 20 && LeakCheck.LEAKS.isEmpty(); i++) {
            LeakCheck.collect();
        }
        assertFalse(LeakCheck.LEAKS.isEmpty(), "the deliberate leak was not reported");
        LeakCheck.LEAKS.clear(); // it was deliberate
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
    }
}
